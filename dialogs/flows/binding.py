"""Binding an account to the chat: account number then meter serial (or both in one message),
or a shared phone number. A serial typed without its leading zeros is the same serial
(`billing_core.identifiers.same_serial`); after a wrong pair both numbers are asked again, the
account number first, and the resident is told so.

A wrong pair gets the same answer whichever half is wrong, so the bot never confirms that an
account number exists. A phone number binds at once only where the platform proves it is the
sender's own (Telegram's `contact.user_id`); where it cannot (Viber returns the last keyboard's
tracking data with whatever is sent next, a contact card of someone else included), the number
is only a hint: the bot asks for the meter serial of the account on file for it and says
nothing about that account, nor whether there is one, until the serial matches.

Failed tries are kept under the chat's keyed hash (dialogs.pseudonym), so /forget does not
reset them, and each expires `bind_lock_minutes` after it was made. A chat waits after
`bind_max_failures` of them; an account waits after `bind_account_max_failures` tries aimed at
it from any chats, which is logged for operators.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from billing_core.identifiers import normalize_account, normalize_phone, same_serial
from billing_core.models import Account
from dialogs.events import ContactShared
from dialogs.flows import accounts
from dialogs.pairs import TypedPair, read_pair
from dialogs.render import address_suffix, kind_name, phones
from dialogs.replies import Reply
from dialogs.routes import Hearing, Route, Routes
from dialogs.turn import Turn
from dialogs.ui import (
    BIND_START,
    MENU,
    MENU_OFFICES,
    back_to_menu,
    menu_reply,
    submit_button,
)

log = logging.getLogger(__name__)

ASK_ACCOUNT = "bind.account"
ASK_SERIAL = "bind.serial"
ASK_PHONE_SERIAL = "bind.phone_serial"  # a Viber number shared: its account's serial, please
STATES = frozenset({ASK_ACCOUNT, ASK_SERIAL, ASK_PHONE_SERIAL})


def _since(turn: Turn) -> datetime:
    return turn.now - timedelta(minutes=turn.config.bind_lock_minutes)


def _until(turn: Turn, failures: list[datetime], limit: int) -> datetime | None:
    if len(failures) < limit:
        return None
    return sorted(failures)[-limit] + timedelta(minutes=turn.config.bind_lock_minutes)


log = logging.getLogger(__name__)


async def locked_until(turn: Turn) -> datetime | None:
    """When the chat may try again, if it has used up its tries."""
    failures = await turn.storage.bind_failures_since(turn.chat_key, _since(turn))
    return _until(turn, failures, turn.config.bind_max_failures)


async def _account_locked_until(turn: Turn, account: str) -> datetime | None:
    failures = await turn.storage.account_bind_failures_since(account, _since(turn))
    return _until(turn, failures, turn.config.bind_account_max_failures)


async def _refused(turn: Turn, account: str = "") -> list[Reply] | None:
    """The locked answer when the chat, or the account aimed at, has to wait; else None."""
    until = await locked_until(turn)
    reason = "chat_locked"
    if until is None and account:
        until = await _account_locked_until(turn, account)
        reason = "account_locked"
    if until is None:
        return None
    turn.observer.on_bind_failure(turn.chat.channel, reason)
    return [_locked_reply(turn, until)]


async def _failed(
    turn: Turn, account: str, reason: str, key: str, then: str | None = None
) -> list[Reply]:
    """Record a failed try aimed at `account` and answer `key` with the tries left, and `then`
    (what is asked now), or the locked answer when that was the last try."""
    await turn.storage.record_bind_failure(turn.chat_key, account, turn.now)
    turn.observer.on_bind_failure(turn.chat.channel, reason)
    if account:
        aimed = await turn.storage.account_bind_failures_since(account, _since(turn))
        if len(aimed) == turn.config.bind_account_max_failures:
            log.warning(
                "binding: %d failed tries aimed at account %s-***-** within %d minutes; "
                "tries at it wait until they expire",
                len(aimed),
                account[:5],
                turn.config.bind_lock_minutes,
            )
    used = await turn.storage.bind_failures_since(turn.chat_key, _since(turn))
    until = _until(turn, used, turn.config.bind_max_failures)
    if until is not None:
        return [_locked_reply(turn, until)]
    turn.goto(ASK_ACCOUNT)
    buttons = ((turn.button("btn_offices", MENU_OFFICES), *back_to_menu(turn)),)
    tries_left = max(turn.config.bind_max_failures - len(used), 0)
    text = turn.t(key, tries_left=tries_left)
    return [Reply(f"{text}\n{turn.t(then)}" if then else text, buttons)]


def _locked_reply(turn: Turn, until: datetime) -> Reply:
    local = until.astimezone(turn.config.window.tz)
    turn.goto(MENU)
    return Reply(
        turn.t("bind_locked", until=local.strftime("%H:%M"), phones=phones(turn)),
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


def names_an_account(text: str) -> bool:
    """Whether `text` is an account number, alone or with its meter serial (at the menu, a
    resident who types one means to bind it)."""
    if normalize_account(text) is not None:
        return True
    pair = read_pair(text)
    return pair.account is not None and not pair.unread


async def on_account_text(turn: Turn, text: str) -> list[Reply]:
    """The account number where it is asked for: alone (then the serial is asked), or with the
    serial in one message (then the pair is tried)."""
    number = normalize_account(text)  # «12345 67890»: any grouping, when it is all there is
    pair = TypedPair(number) if number is not None else read_pair(text)
    if pair.account is None or pair.unread:
        return [Reply(turn.t("bind_bad_account"), (back_to_menu(turn),))]
    if pair.serial is not None:
        return await try_pair(turn, pair.account, pair.serial)
    until = await locked_until(turn)  # say so now, not after the serial is typed too
    if until is not None:
        return [_locked_reply(turn, until)]
    turn.goto(ASK_SERIAL, account=pair.account)
    return [Reply(turn.t("bind_ask_serial"), (back_to_menu(turn),))]


def _serial_of(pair: TypedPair) -> str | None:
    """The serial where only a serial is asked for: a lone number of any length is one."""
    if pair.account is not None and pair.serial is None and not pair.account_labelled:
        return pair.account
    return None if pair.account is not None else pair.serial


async def on_serial_text(turn: Turn, text: str) -> list[Reply]:
    number = turn.data.get("account")
    if not isinstance(number, str):
        return await ask_account(turn)
    pair = read_pair(text)
    if pair.account is not None and (pair.serial is not None or pair.account_labelled):
        return await on_account_text(turn, text)  # a new pair, or another account
    serial = _serial_of(pair)
    if serial is None or pair.unread:
        return [Reply(turn.t("bind_bad_serial"), (back_to_menu(turn),))]
    return await try_pair(turn, number, serial)


async def bind_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    if not args:
        return [Reply(turn.t("bind_usage")), *await ask_account(turn)]
    # People type the account with spaces, labels, in either order: "/bind 12345 678 90 0012345".
    pair = read_pair(" ".join(args))
    if pair.account is None:
        turn.goto(ASK_ACCOUNT)
        return [Reply(turn.t("bind_bad_account"), (back_to_menu(turn),))]
    if pair.serial is None or pair.unread:
        turn.goto(ASK_SERIAL, account=pair.account)
        key = "bind_bad_serial" if pair.unread else "bind_ask_serial"
        return [Reply(turn.t(key), (back_to_menu(turn),))]
    return await try_pair(turn, pair.account, pair.serial)


async def try_pair(turn: Turn, number: str, serial: str) -> list[Reply]:
    refusal = await _refused(turn, number)
    if refusal is not None:
        return refusal
    account = await turn.storage.get_account(number)
    if account is None or not same_serial(account.meter.serial, serial):
        return await _failed(turn, number, "wrong_pair", "bind_wrong_pair", "bind_pair_again")
    return [await complete_binding(turn, account, "bind_done")]


async def complete_binding(turn: Turn, account: Account, key: str) -> Reply:
    existing = await turn.bindings()
    alias = accounts.default_alias(turn, account, existing)
    created = await turn.bind(account.number, alias)
    if created:
        how = "by phone" if key == "bind_by_phone" else "by account and serial"
        log.info(
            "account bound %s (%d bound to this chat)",
            how,
            len(existing) + 1,
            extra={"account": account.number, "channel": turn.chat.channel},
        )
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
    if existing:  # one of several now: the resident names it, to tell them apart
        return accounts.ask_new_name(turn, account.number, alias, text)
    return Reply(text, submit)


async def on_contact(turn: Turn, event: ContactShared) -> list[Reply]:
    share = turn.t("btn_share_phone")
    if not event.is_own and not event.hint:
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
    refusal = await _refused(turn)
    if refusal is not None:
        return refusal
    if not event.is_own:
        # Only a hint: the same question whether or not any account has this number, so that
        # sharing numbers one after another tells nothing.
        turn.goto(ASK_PHONE_SERIAL, phone=phone)
        return [Reply(turn.t("bind_phone_ask_serial"), (back_to_menu(turn),))]
    accounts = await turn.storage.find_accounts_by_phone(phone)
    if not accounts:
        return await _failed(turn, "", "phone_unknown", "bind_phone_unknown")
    return await _bind_all(turn, accounts)


async def on_phone_serial_text(turn: Turn, text: str) -> list[Reply]:
    """The serial that proves a hinted phone number: binds the accounts on file for that number
    whose meter it is; any other answer is one failed try, aimed at the account found."""
    phone = turn.data.get("phone")
    if not isinstance(phone, str):
        return await ask_account(turn)
    pair = read_pair(text)
    serial = _serial_of(pair)
    if serial is None or pair.unread:
        return [Reply(turn.t("bind_bad_serial"), (back_to_menu(turn),))]
    accounts = await turn.storage.find_accounts_by_phone(phone)
    aimed = accounts[0].number if accounts else ""
    refusal = await _refused(turn, aimed)
    if refusal is not None:
        return refusal
    matching = [account for account in accounts if same_serial(account.meter.serial, serial)]
    if not matching:
        return await _failed(turn, aimed, "phone_serial", "bind_phone_wrong_serial")
    return await _bind_all(turn, matching)


async def resume(turn: Turn) -> list[Reply]:
    """The binding in progress asked again where it stands (after a language change)."""
    if turn.state == ASK_SERIAL and isinstance(turn.data.get("account"), str):
        return [Reply(turn.t("bind_ask_serial"), (back_to_menu(turn),))]
    if turn.state == ASK_PHONE_SERIAL and isinstance(turn.data.get("phone"), str):
        return [Reply(turn.t("bind_phone_ask_serial"), (back_to_menu(turn),))]
    return await ask_account(turn)


async def _bind_all(turn: Turn, accounts: list[Account]) -> list[Reply]:
    replies = [await complete_binding(turn, account, "bind_by_phone") for account in accounts]
    if len(replies) > 1:
        replies.append(menu_reply(turn))
    return replies


ROUTES = Routes(
    actions={BIND_START: Route(ask_account)},
    commands={"bind": Route(bind_command)},
    # Account numbers and serials carry digits, and text with digits is always the step's: a
    # wish typed here without any («где офис», «мой счёт») is heard as at the menu.
    texts={
        ASK_ACCOUNT: Route(on_account_text, hears=Hearing.WISHES),
        ASK_SERIAL: Route(on_serial_text, hears=Hearing.WISHES),
        ASK_PHONE_SERIAL: Route(on_phone_serial_text, hears=Hearing.WISHES),
    },
    contact=Route(on_contact),
)
