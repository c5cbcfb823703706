"""The Telegram handlers, one module per feature; each only translates updates into dialog
events and renders the replies (see `bot.telegram.handlers.common.show`).

Every private-chat feature registers on one router and groups have one of their own: aiogram
walks each router an update passes (its filters, middlewares and observers) in turn, so a
router per feature cost more per update than all the handlers' own work.

Routers are built fresh on request instead of held at module level: aiogram attaches a router
to a single parent, and tests, the benchmark and a restart in the same process each build a
dispatcher of their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.handlers import (
    callbacks,
    contacts,
    edits,
    errors,
    groups,
    membership,
    text,
)
from bot.telegram.handlers.common import private_message, private_press


def private_router() -> Router:
    """Messages, edits and presses in private chats, membership changes and every handler
    error."""
    router = Router(name="private")
    router.message.filter(private_message)
    router.edited_message.filter(private_message)
    router.callback_query.filter(private_press)
    # A message goes to the first handler whose filters pass: typed text first (the most
    # common, commands included), then contacts, then whatever is left as its caption.
    for module in (text, contacts):
        module.register(router)
    text.register_fallback(router)
    for module in (edits, callbacks, membership, errors):
        module.register(router)
    return router


def get_routers() -> list[Router]:
    # The private router first: it takes nearly every update. Groups fail its filters and
    # reach the groups router, whose filters are the opposite ones.
    return [private_router(), groups.build_router()]
