"""The Telegram routers, one per feature; each only translates updates into dialog events and
renders the replies (see `bot.telegram.handlers.common.show`).

Each module builds a fresh router on request instead of holding one at module level: aiogram
attaches a router to a single parent, and tests, the benchmark and a restart in the same process
each build a dispatcher of their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.handlers import callbacks, commands, contacts, errors, groups, membership, text


def get_routers() -> list[Router]:
    # Order matters only among private-chat message routers: commands and contacts before the
    # catch-all text router. Groups have a filter of their own; errors see every update.
    modules = (errors, groups, membership, commands, contacts, callbacks, text)
    return [module.build_router() for module in modules]
