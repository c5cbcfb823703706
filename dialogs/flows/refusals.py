"""What a resident is told when a reading is refused: a value to type again, or a submission
that cannot go on at all. Each refusal is reported to the observer where it is chosen.
"""

from __future__ import annotations

from decimal import Decimal

from billing_core.models import Account, MeterKind
from billing_core.readings import ReadingRejected, RejectionReason
from billing_core.window import SubmissionWindow
from dialogs.flows.draft import Draft
from dialogs.flows.general import REMIND_NEXT
from dialogs.flows.offices import NEAREST_OFFICES
from dialogs.render import day, day_of_month, phones, reading, zone_short
from dialogs.replies import Reply
from dialogs.turn import Turn
from dialogs.ui import MENU, MENU_BILL, back_to_menu, menu_reply


def value_refusal(turn: Turn, draft: Draft, refusal: ReadingRejected) -> str:
    """Why a typed value was refused; the resident is then asked for it again."""
    reason = refusal.reason
    turn.observer.on_reading_refused(turn.chat.channel, reason.value)
    if reason is RejectionReason.TOO_MANY_DIGITS:
        return turn.t(
            "rej_too_many_digits", allowed=refusal.digits_allowed, given=refusal.digits_given
        )
    if reason is RejectionReason.TOO_MANY_DECIMALS:
        return turn.t("rej_too_many_decimals", allowed=refusal.decimals_allowed)
    if reason is RejectionReason.WRONG_REGISTER_COUNT:
        example = " ".join(["45230", "21100", "9800"][: len(draft.registers)])
        return turn.t(
            "rej_wrong_register_count",
            expected=refusal.expected_count,
            given=refusal.given_count,
            example=example,
        )
    if reason is RejectionReason.LOWER_THAN_LAST and refusal.register is not None:
        if draft.account.meter.kind is MeterKind.SINGLE:
            last = reading(turn, refusal.last_value or Decimal(0))
            return turn.t("rej_lower_than_last_single", last=last)
        two_zone = draft.account.meter.kind is MeterKind.TWO_ZONE
        return turn.t(
            "rej_lower_than_last" if two_zone else "rej_lower_than_last_zones",
            register=zone_short(turn, draft.account.meter.kind, refusal.register),
            last=reading(turn, refusal.last_value or Decimal(0)),
        )
    keys = {
        RejectionReason.EMPTY: "rej_empty",
        RejectionReason.NOT_A_NUMBER: "rej_not_a_number",
        RejectionReason.NOT_DIGITS: "rej_not_digits",
        RejectionReason.DECIMALS_NOT_ALLOWED: "rej_decimals_not_allowed",
    }
    return turn.t(keys.get(reason, "rej_not_a_number"))


def refuse(
    turn: Turn, account: Account, window: SubmissionWindow, refusal: ReadingRejected
) -> list[Reply]:
    """End the submission with the reason and what the resident can do instead."""
    reason = refusal.reason
    turn.observer.on_reading_refused(turn.chat.channel, reason.value)
    turn.goto(MENU)
    menu_row = back_to_menu(turn)
    if reason is RejectionReason.WINDOW_CLOSED:
        opens_on = refusal.opens_on or window.next_opening(turn.now)
        text = turn.t(
            "rej_window_closed",
            start_day=day_of_month(turn, window.start_day),
            end_day=day_of_month(turn, window.end_day),
            opens_on=day(turn, opens_on),
        )
        remind = turn.button("btn_remind_on_date", REMIND_NEXT, date=day(turn, opens_on))
        return [Reply(text, ((remind,), menu_row))]
    if reason is RejectionReason.TOO_MANY_MISSED_MONTHS:
        limit = refusal.max_missed_months or 0
        months = turn.t(
            "months_1" if limit <= 1 else "months_2" if limit == 2 else "months_n", n=limit
        )
        text = turn.t("rej_too_many_missed", months=months, phones=phones(turn))
        offices = turn.button("btn_nearest_offices", NEAREST_OFFICES)
        return [Reply(text, ((offices,), menu_row))]
    if reason is RejectionReason.METER_AUTOMATIC:
        return [
            Reply(
                turn.t("rej_meter_automatic"), ((turn.button("btn_bill", MENU_BILL), *menu_row),)
            )
        ]
    if reason is RejectionReason.METER_INACTIVE:
        text = turn.t("rej_meter_inactive", phones=phones(turn))
        return [Reply(text, (menu_row,))]
    if reason is RejectionReason.ACCOUNT_CLOSED:
        text = turn.t(
            "rej_account_closed",
            account=account.pretty,
            phones=phones(turn),
        )
        return [Reply(text, (menu_row,))]
    return [menu_reply(turn, "not_understood")]
