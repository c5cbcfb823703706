"""Several accounts per chat: list, choose the current one, rename (an alias), unbind."""

from __future__ import annotations

from billing_core.identifiers import normalize_account
from billing_core.models import Account
from dialogs.render import address_suffix, kind_name
from dialogs.replies import Button, Reply
from dialogs.routes import Route, Routes
from dialogs.turn import Turn
from dialogs.ui import (
    BIND_START,
    MENU_ACCOUNTS,
    back_to_menu,
    bind_buttons,
    menu_reply,
    rows,
    submit_button,
)
from storage.base import Binding

RENAME = "accounts.rename"  # the state: waiting for the new alias

# Action ids: each + the account number.
OPEN = "acc:open:"
MAKE_CURRENT = "acc:use:"
ASK_ALIAS = "acc:ren:"
ASK_UNBIND = "acc:del:"
UNBIND = "acc:delok:"
ALIAS_MAX = 32


async def current_binding(turn: Turn) -> Binding | None:
    """The chat's current account: the chosen one, else the first bound (and remember it)."""
    bound = await turn.bindings()
    if not bound:
        if turn.profile.current_account is not None:
            turn.update_profile(current_account=None)
        return None
    for binding in bound:
        if binding.account == turn.profile.current_account:
            return binding
    turn.update_profile(current_account=bound[0].account)
    return bound[0]


async def binding_of(turn: Turn, number: str) -> Binding | None:
    for binding in await turn.bindings():
        if binding.account == number:
            return binding
    return None


def need_account(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("need_account"), bind_buttons(turn))]


async def list_accounts(turn: Turn) -> list[Reply]:
    bound = await turn.bindings()
    if not bound:
        return [Reply(turn.t("accounts_none"), bind_buttons(turn))]
    current = await current_binding(turn)
    lines: list[str] = []
    buttons: list[Button] = []
    for binding in bound:
        account = await turn.storage.get_account(binding.account)
        mark = "✓" if current is not None and binding.account == current.account else "•"
        address = address_suffix(account) if account else ""
        pretty = account.pretty if account else binding.account
        lines.append(
            turn.t(
                "accounts_line", mark=mark, alias=binding.alias, account=pretty, address=address
            )
        )
        buttons.append(Button(binding.alias or pretty, f"{OPEN}{binding.account}"))
    text = turn.t("accounts_list", lines="\n".join(lines))
    extra = (turn.button("btn_add_account", BIND_START), *back_to_menu(turn))
    return [Reply(text, (*rows(*buttons), extra))]


async def open_account(turn: Turn, number: str) -> list[Reply]:
    binding = await binding_of(turn, number)
    account = await turn.storage.get_account(number) if binding else None
    if binding is None or account is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    current = await current_binding(turn)
    is_current = current is not None and current.account == binding.account
    return [_card(turn, binding, account, is_current=is_current)]


def _card(turn: Turn, binding: Binding, account: Account, *, is_current: bool) -> Reply:
    text = turn.t(
        "account_card",
        alias=binding.alias,
        account=account.pretty,
        address=address_suffix(account),
        serial=account.meter.serial,
        kind=kind_name(turn, account.meter.kind),
    )
    n = account.number
    first: tuple[Button, ...] = (submit_button(turn, n),)
    if not is_current:  # the current one is marked in the list; choosing it again does nothing
        first += (turn.button("btn_make_current", f"{MAKE_CURRENT}{n}"),)
    buttons = (
        first,
        (
            turn.button("btn_rename", f"{ASK_ALIAS}{n}"),
            turn.button("btn_unbind", f"{ASK_UNBIND}{n}"),
        ),
        (turn.button("btn_accounts", MENU_ACCOUNTS), *back_to_menu(turn)),
    )
    return Reply(text, buttons)


async def make_current(turn: Turn, number: str) -> list[Reply]:
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    turn.update_profile(current_account=number)
    account = await turn.storage.get_account(number)
    pretty = account.pretty if account else number
    return [menu_reply(turn, "account_current", alias=binding.alias, account=pretty)]


async def ask_alias(turn: Turn, number: str) -> list[Reply]:
    if await binding_of(turn, number) is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    turn.goto(RENAME, account=number)
    return [Reply(turn.t("account_ask_alias"), (back_to_menu(turn),))]


async def on_alias_text(turn: Turn, text: str) -> list[Reply]:
    number = turn.data.get("account")
    if not isinstance(number, str) or await binding_of(turn, number) is None:
        return await list_accounts(turn)
    alias = " ".join("".join(ch for ch in text if ch.isprintable()).split())
    if not 1 <= len(alias) <= ALIAS_MAX:
        return [Reply(turn.t("account_bad_alias"), (back_to_menu(turn),))]
    await turn.rename_binding(number, alias)
    account = await turn.storage.get_account(number)
    pretty = account.pretty if account else number
    return [menu_reply(turn, "account_renamed", account=pretty, alias=alias)]


async def ask_unbind(turn: Turn, number: str) -> list[Reply]:
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    account = await turn.storage.get_account(number)
    pretty = account.pretty if account else number
    buttons = ((turn.button("btn_unbind_yes", f"{UNBIND}{number}"), *back_to_menu(turn)),)
    return [Reply(turn.t("account_unbind_ask", alias=binding.alias, account=pretty), buttons)]


async def unbind(turn: Turn, number: str) -> list[Reply]:
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    await turn.unbind(number)
    if turn.profile.current_account == number:
        turn.update_profile(current_account=None)
        await current_binding(turn)
    return [menu_reply(turn, "account_unbound", alias=binding.alias)]


def is_account_number(text: str) -> bool:
    """An action's account argument as the dialog writes it: 10 digits, nothing else."""
    return normalize_account(text) == text


ROUTES = Routes(
    actions={MENU_ACCOUNTS: Route(list_accounts)},
    prefixes={
        OPEN: Route(open_account, accepts=is_account_number),
        MAKE_CURRENT: Route(make_current, accepts=is_account_number),
        ASK_ALIAS: Route(ask_alias, accepts=is_account_number),
        ASK_UNBIND: Route(ask_unbind, accepts=is_account_number),
        UNBIND: Route(unbind, accepts=is_account_number),
    },
    commands={"accounts": Route(list_accounts)},
    texts={RENAME: Route(on_alias_text)},
)
