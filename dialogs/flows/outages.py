"""«Отключения»: the current and planned outages at the chat's addresses, and the switch for
outage notices (apart from reading reminders). The notices themselves are sent by
bot/outages; their buttons lead here."""

from __future__ import annotations

from billing_core.buildings import house_address
from dialogs.outages import OUTAGES_OFF, OUTAGES_ON, OutageView, outage_line
from dialogs.replies import Reply
from dialogs.routes import Route, Routes
from dialogs.turn import Turn
from dialogs.ui import MENU_OUTAGES, back_to_menu, bind_buttons, menu_reply


async def show(turn: Turn) -> list[Reply]:
    """The outages affecting the chat's accounts now or later, and the notices' switch."""
    if not await turn.bindings():
        return [Reply(turn.t("outages_no_accounts"), bind_buttons(turn))]
    found = await turn.storage.chat_outages(turn.chat, turn.now)
    tz = turn.config.window.tz
    if found:
        lines = [turn.t("outages_title")]
        for item in found:
            outage = item.outage
            view = OutageView(outage.kind, outage.starts, outage.ends, outage.reason)
            place = house_address(item.address) or item.account
            lines.append(outage_line(view, turn.lang, tz, turn.now, item.alias, place))
        text = "\n".join(lines)
    else:
        text = turn.t("outages_none")
    if await turn.storage.outage_notices_on(turn.chat):
        text += "\n\n" + turn.t("outages_notices_on")
        toggle = turn.button("btn_outages_off", OUTAGES_OFF)
    else:
        text += "\n\n" + turn.t("outages_notices_off")
        toggle = turn.button("btn_outages_on", OUTAGES_ON)
    return [Reply(text, ((toggle,), back_to_menu(turn)))]


async def switch(turn: Turn, on: bool) -> list[Reply]:
    """Outage notices on or off for this chat; reading reminders stay as they are."""
    await turn.storage.set_outage_notices(turn.chat, on)
    return [menu_reply(turn, "outages_turned_on" if on else "outages_turned_off")]


async def command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    """/outages, /outages on, /outages off."""
    if not args:
        return await show(turn)
    choice = args[0].casefold()
    if choice in ("on", "вкл", "да"):
        return await switch(turn, True)
    if choice in ("off", "выкл", "нет"):
        return await switch(turn, False)
    return [Reply(turn.t("outages_usage")), *await show(turn)]


async def notices_on(turn: Turn) -> list[Reply]:
    return await switch(turn, on=True)


async def notices_off(turn: Turn) -> list[Reply]:
    return await switch(turn, on=False)


ROUTES = Routes(
    actions={
        MENU_OUTAGES: Route(show),
        OUTAGES_ON: Route(notices_on),
        OUTAGES_OFF: Route(notices_off),
    },
    commands={"outages": Route(command)},
)
