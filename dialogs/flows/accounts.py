"""Several accounts per chat: list, choose the current one, name and rename (an alias), unbind.

A newly bound account next to others is named by the resident: its street and house is offered
(«Смольная 24а»), any other name may be typed. Names are unique in a chat, whatever the case or
«ё». With several accounts, «Передать показания» and «Мой счёт» ask which one (`which_account`);
the answer becomes the current account, marked and offered first next time.
"""

from __future__ import annotations

from collections.abc import Iterable

from billing_core.identifiers import normalize_account
from billing_core.models import Account
from dialogs.answers import is_no, is_yes, is_yes_or_no
from dialogs.render import address_suffix, kind_name
from dialogs.replies import Button, Reply
from dialogs.routes import Hearing, Route, Routes
from dialogs.turn import Turn
from dialogs.ui import (
    BIND_START,
    MENU,
    MENU_ACCOUNTS,
    back_to_menu,
    bind_buttons,
    menu_reply,
    rows,
    submit_button,
)
from storage.base import Binding

RENAME = "accounts.rename"  # the state: waiting for the new alias
NAME_NEW = "accounts.name"  # the state: waiting for the name of an account just bound
UNBIND_ASKED = "accounts.unbind"  # the state: «Отвязать?» asked, a typed yes or no answers it

# Action ids: each + the account number.
OPEN = "acc:open:"
MAKE_CURRENT = "acc:use:"
ASK_ALIAS = "acc:ren:"
ASK_UNBIND = "acc:del:"
UNBIND = "acc:delok:"
KEEP = "acc:keep:"  # the unlink confirmation answered «Нет, оставить»
KEEP_NAME = "acc:name:"  # the name offered for an account just bound is kept
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


async def which_account(turn: Turn, for_action: str, key: str) -> list[Reply] | None:
    """With several accounts bound, `key`'s question «which one?»: a button per account, of
    `for_action` + its number, the current one first and marked; None with one or none."""
    bound = await turn.bindings()
    if len(bound) < 2:
        return None
    current = await current_binding(turn)
    chosen = current.account if current else None
    bound.sort(key=lambda binding: binding.account != chosen)
    lines: list[str] = []
    buttons: list[Button] = []
    for binding in bound:
        account = await turn.storage.get_account(binding.account)
        mark = "✓" if binding.account == chosen else "•"
        lines.append(
            turn.t(
                "accounts_line",
                mark=mark,
                alias=binding.alias,
                account=account.pretty if account else binding.account,
                address=address_suffix(account) if account else "",
            )
        )
        label = f"✓ {binding.alias}" if binding.account == chosen else binding.alias
        buttons.append(Button(label, f"{for_action}{binding.account}"))
    text = "\n".join((turn.t(key), *lines))
    return [Reply(text, (*rows(*buttons), back_to_menu(turn)))]


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


def _folded(alias: str) -> str:
    return " ".join(alias.casefold().replace("ё", "е").split())


def free_alias(taken: Iterable[str], wanted: str) -> str:
    """`wanted`, or the first of «wanted 2», «wanted 3»… that no name in `taken` is."""
    used = {_folded(alias) for alias in taken}
    if _folded(wanted) not in used:
        return wanted
    n = 2
    while _folded(f"{wanted} {n}") in used:
        n += 1
    return f"{wanted} {n}"


def default_alias(turn: Turn, account: Account, bound: list[Binding]) -> str:
    """The name a newly bound account gets until the resident gives one: «квартира» for the
    chat's first, else its street and house («Смольная 24а»); never a name the chat uses."""
    wanted = turn.t("alias_first") if not bound else _street_and_house(account.address)
    wanted = wanted or turn.t("alias_nth", n=len(bound) + 1)
    return free_alias((binding.alias for binding in bound), wanted[:ALIAS_MAX])


def _street_and_house(address: str) -> str:
    """'Москва, Смольная 24а, кв. 15' → 'Смольная 24а'; '' when the address has no such part."""
    parts = [part.strip() for part in address.split(",")]
    street = parts[1] if len(parts) > 1 else ""
    return "" if street.casefold().startswith(("кв", "корп", "стр")) else street


def ask_new_name(turn: Turn, number: str, alias: str, lead: str) -> Reply:
    """After `lead` (that the account is bound), how to name it: `alias`, kept with a press,
    or any name typed."""
    turn.goto(NAME_NEW, account=number)
    buttons = (
        (Button(alias, f"{KEEP_NAME}{number}"),),
        (submit_button(turn, number),),
        back_to_menu(turn),
    )
    return Reply(f"{lead}\n{turn.t('account_name_new', alias=alias)}", buttons)


def _alias_of(text: str) -> str:
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())


async def on_alias_text(turn: Turn, text: str) -> list[Reply]:
    number = turn.data.get("account")
    if not isinstance(number, str) or await binding_of(turn, number) is None:
        return await list_accounts(turn)
    alias = _alias_of(text)
    if turn.state == NAME_NEW and not any(ch.isalpha() for ch in alias):
        # Readings, or another account's number, typed at once after binding: not a name.
        from dialogs.flows import general  # imported here: general's flows lead to this one

        turn.goto(MENU)
        return await general.menu_text(turn, text)
    if not 1 <= len(alias) <= ALIAS_MAX:
        return [Reply(turn.t("account_bad_alias"), (back_to_menu(turn),))]
    others = [binding for binding in await turn.bindings() if binding.account != number]
    if any(_folded(binding.alias) == _folded(alias) for binding in others):
        suggestion = free_alias((binding.alias for binding in others), alias[: ALIAS_MAX - 3])
        text = turn.t("account_alias_taken", alias=alias, suggestion=suggestion)
        if turn.state != NAME_NEW:
            return [Reply(text, (back_to_menu(turn),))]
        # Naming an account just bound: the name it has so far may still be kept with a press.
        current = await binding_of(turn, number)
        keep = (Button(current.alias, f"{KEEP_NAME}{number}"),) if current else ()
        return [Reply(text, (keep, back_to_menu(turn)) if keep else (back_to_menu(turn),))]
    naming_new = turn.state == NAME_NEW
    await turn.rename_binding(number, alias)
    return await _named(turn, number, alias, naming_new)


async def keep_name(turn: Turn, number: str) -> list[Reply]:
    """The offered name pressed: it stays."""
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    return await _named(turn, number, binding.alias, True)


async def _named(turn: Turn, number: str, alias: str, new: bool) -> list[Reply]:
    account = await turn.storage.get_account(number)
    pretty = account.pretty if account else number
    if not new:
        return [menu_reply(turn, "account_renamed", account=pretty, alias=alias)]
    turn.goto(MENU)
    text = turn.t("account_renamed", account=pretty, alias=alias)
    return [Reply(text, ((submit_button(turn, number),), back_to_menu(turn)))]


async def ask_unbind(turn: Turn, number: str) -> list[Reply]:
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    account = await turn.storage.get_account(number)
    pretty = account.pretty if account else number
    buttons = (
        (
            turn.button("btn_unbind_yes", f"{UNBIND}{number}"),
            turn.button("btn_unbind_no", f"{KEEP}{number}"),
        ),
        back_to_menu(turn),
    )
    turn.goto(UNBIND_ASKED, account=number)
    return [Reply(turn.t("account_unbind_ask", alias=binding.alias, account=pretty), buttons)]


async def on_unbind_text(turn: Turn, text: str) -> list[Reply]:
    """A yes or a no typed under the unlink question, as its buttons; anything else asks again."""
    number = turn.data.get("account")
    if not isinstance(number, str):
        return await list_accounts(turn)
    if is_yes(text):
        return await unbind(turn, number)
    if is_no(text):
        return await keep(turn, number)
    return await ask_unbind(turn, number)


async def keep(turn: Turn, number: str) -> list[Reply]:
    """«Нет, оставить» under the unlink question: nothing changes, and the resident is told so."""
    binding = await binding_of(turn, number)
    if binding is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    return [menu_reply(turn, "account_kept", alias=binding.alias)]


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
        KEEP: Route(keep, accepts=is_account_number),
        KEEP_NAME: Route(keep_name, accepts=is_account_number),
    },
    commands={"accounts": Route(list_accounts)},
    texts={
        RENAME: Route(on_alias_text),
        NAME_NEW: Route(on_alias_text),
        # A wish typed instead of an answer leaves the question, the account still linked.
        UNBIND_ASKED: Route(on_unbind_text, hears=Hearing.WISHES, reads_first=is_yes_or_no),
    },
)
