"""Binding an account to the chat: account number then meter serial, or a shared phone number.

A wrong pair gets the same answer whichever half is wrong, so the bot never confirms that an
account number exists; after `bind_max_failures` wrong pairs within an hour the chat waits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from billing_core.identifiers import normalize_account, normalize_phone, normalize_serial
from billing_core.models import Account
from dialogs.events import ContactShared
from dialogs.render import address_suffix, kind_name
from dialogs.replies import Reply
from dialogs.routes import Route, Routes
from dialogs.turn import Turn
from dialogs.ui import (
    BIND_START,
    MENU,
    MENU_OFFICES,
    back_to_menu,
    menu_reply,
    submit_button,
)

ASK_ACCOUNT = "bind.account"
ASK_SERIAL = "bind.serial"


async def locked_until(turn: Turn) -> datetime | None:
    """When the chat may try again, if it has used up its tries."""
    window = timedelta(minutes=turn.config.bind_lock_minutes)
    failures = sorted(await turn.storage.bind_failures_since(turn.chat, turn.now - window))
    limit = turn.config.bind_max_failures
    if len(failures) < limit:
        return None
    return failures[-limit] + window


def _locked_reply(turn: Turn, until: datetime) -> Reply:
    local = until.astimezone(turn.config.window.tz)
    turn.goto(MENU)
    return Reply(
        turn.t("bind_locked", until=local.strftime("%H:%M"), phone=turn.config.contacts.phone),
        ((turn.button("btn_offices", MENU_OFFICES),), back_to_menu(turn)),
    )


async def ask_account(turn: Turn, lead: str | None = None) -> list[Reply]:
    """Ask for the account number (or a shared phone); `lead` is a line to say before it."""
    until = await locked_until(turn)
    if until is not None:
        reply = _locked_reply(turn, until)
    else:
        turn.goto(ASK_ACCOUNT)
        share = turn.t("btn_share_phone")
        reply = Reply(
            turn.t("bind_ask_account", share=share),
            (back_to_menu(turn),),
            request_contact=share,
        )
    return [reply if lead is None else replace(reply, text=f"{lead}\n{reply.text}")]


async def on_account_text(turn: Turn, text: str) -> list[Reply]:
    number = normalize_account(text)
    if number is None:
        return [Reply(turn.t("bind_bad_account"), (back_to_menu(turn),))]
    until = await locked_until(turn)  # say so now, not after the serial is typed too
    if until is not None:
        return [_locked_reply(turn, until)]
    turn.goto(ASK_SERIAL, account=number)
    return [Reply(turn.t("bind_ask_serial"), (back_to_menu(turn),))]


async def on_serial_text(turn: Turn, text: str) -> list[Reply]:
    number = turn.data.get("account")
    if not isinstance(number, str):
        return await ask_account(turn)
    serial = normalize_serial(text)
    if serial is None:
        return [Reply(turn.t("bind_bad_serial"), (back_to_menu(turn),))]
    return await try_pair(turn, number, serial)


async def bind_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    if len(args) < 2:
        return [Reply(turn.t("bind_usage")), *await ask_account(turn)]
    # People type the account with spaces: "/bind 12345 678 90 0012345".
    number = normalize_account(" ".join(args[:-1]))
    serial = normalize_serial(args[-1])
    if number is None:
        turn.goto(ASK_ACCOUNT)
        return [Reply(turn.t("bind_bad_account"), (back_to_menu(turn),))]
    if serial is None:
        turn.goto(ASK_SERIAL, account=number)
        return [Reply(turn.t("bind_bad_serial"), (back_to_menu(turn),))]
    return await try_pair(turn, number, serial)


async def try_pair(turn: Turn, number: str, serial: str) -> list[Reply]:
    until = await locked_until(turn)
    if until is not None:
        return [_locked_reply(turn, until)]
    account = await turn.storage.find_account(number, serial)
    if account is None:
        await turn.storage.record_bind_failure(turn.chat, turn.now)
        until = await locked_until(turn)
        if until is not None:
            return [_locked_reply(turn, until)]
        since = turn.now - timedelta(minutes=turn.config.bind_lock_minutes)
        used = len(await turn.storage.bind_failures_since(turn.chat, since))
        turn.goto(ASK_ACCOUNT)
        buttons = (
            (
                turn.button("btn_retry", BIND_START),
                turn.button("btn_offices", MENU_OFFICES),
            ),
        )
        tries_left = max(turn.config.bind_max_failures - used, 0)
        return [Reply(turn.t("bind_wrong_pair", tries_left=tries_left), buttons)]
    return [await complete_binding(turn, account, "bind_done")]


async def complete_binding(turn: Turn, account: Account, key: str) -> Reply:
    existing = await turn.bindings()
    alias = turn.t("alias_first") if not existing else turn.t("alias_nth", n=len(existing) + 1)
    created = await turn.bind(account.number, alias)
    turn.update_profile(current_account=account.number)
    turn.goto(MENU)
    submit = ((submit_button(turn, account.number),), back_to_menu(turn))
    if not created:
        return Reply(turn.t("bind_already", account=account.pretty), submit)
    if key == "bind_by_phone":
        text = "\n".join(
            (
                turn.t("bind_by_phone", account=account.pretty),
                turn.t(
                    "bind_done",
                    account=account.pretty,
                    address=address_suffix(account),
                    kind=kind_name(turn, account.meter.kind),
                ),
            )
        )
    else:
        text = turn.t(
            "bind_done",
            account=account.pretty,
            address=address_suffix(account),
            kind=kind_name(turn, account.meter.kind),
        )
    return Reply(text, submit)


async def on_contact(turn: Turn, event: ContactShared) -> list[Reply]:
    share = turn.t("btn_share_phone")
    if not event.is_own:
        turn.goto(ASK_ACCOUNT)
        return [
            Reply(
                turn.t("bind_phone_not_own", share=share),
                (back_to_menu(turn),),
                request_contact=share,
            )
        ]
    phone = normalize_phone(event.phone)
    if phone is None:
        turn.goto(ASK_ACCOUNT)
        return [Reply(turn.t("bind_phone_bad"), (back_to_menu(turn),))]
    accounts = await turn.storage.find_accounts_by_phone(phone)
    if not accounts:
        turn.goto(ASK_ACCOUNT)
        return [Reply(turn.t("bind_phone_unknown"), (back_to_menu(turn),))]
    replies = [await complete_binding(turn, account, "bind_by_phone") for account in accounts]
    if len(replies) > 1:
        replies.append(menu_reply(turn))
    return replies


ROUTES = Routes(
    actions={BIND_START: Route(ask_account)},
    commands={"bind": Route(bind_command)},
    texts={ASK_ACCOUNT: Route(on_account_text), ASK_SERIAL: Route(on_serial_text)},
    contact=Route(on_contact),
)
