"""Wiring the Viber channel into the application the composition root owns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.channels import ChannelCalls
from bot.config import Settings
from bot.viber.client import (
    DEFAULT_BACKOFF_SECONDS,
    ViberApiError,
    ViberClient,
    ViberTransportError,
)
from bot.viber.media import webhook_url_of
from bot.viber.sender import ViberSender
from bot.viber.webhook import DialogHandler, ViberWebhook
from storage.base import Storage

log = logging.getLogger(__name__)

# `message` and `webhook` always arrive; these are the optional ones this bot handles.
EVENT_TYPES = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")


@dataclass(slots=True)
class ViberRuntime:
    client: ViberClient
    sender: ViberSender
    webhook: ViberWebhook
    webhook_url: str  # the public URL Viber is to call; empty when not configured

    async def register_webhook(self) -> bool:
        """Register the webhook with Viber; call only once the server is listening. Failures
        are logged, not raised: the rest of the bot keeps serving."""
        if not self.webhook_url:
            log.warning("viber: [viber] webhook_url is empty; the webhook is not registered")
            return False
        try:
            events = await self.client.set_webhook(self.webhook_url, EVENT_TYPES)
        except (ViberApiError, ViberTransportError) as exc:
            log.error("viber: could not register the webhook %s: %s", self.webhook_url, exc)
            return False
        log.info("viber webhook registered at %s for %s", self.webhook_url, ", ".join(events))
        return True

    async def close(self) -> None:
        """Finish (or, after a grace period, cancel) the callbacks still being handled."""
        await self.webhook.close()


async def start_viber(
    settings: Settings,
    engine: DialogHandler,
    storage: Storage,
    app: web.Application,
    session: aiohttp.ClientSession,
    *,
    retry_backoff: float = DEFAULT_BACKOFF_SECONDS,
    calls: ChannelCalls | None = None,
) -> ViberRuntime:
    """Mount `POST [viber] webhook_path` and the picture route on `app` (before it starts).

    Outgoing calls share `session`. `app.on_shutdown` lets running callbacks finish.
    """
    viber = settings.viber
    token = viber.auth_token.get_secret_value()
    client = ViberClient(session, token, viber.api_base, backoff=retry_backoff, calls=calls)
    sender = ViberSender(client, storage, settings)
    webhook = ViberWebhook(token, engine, storage, sender)
    app.router.add_post(viber.webhook_path, webhook.handle)
    sender.media.mount(app)
    runtime = ViberRuntime(
        client, sender, webhook, webhook_url_of(viber.webhook_url, viber.webhook_path)
    )

    async def on_shutdown(_: web.Application) -> None:
        await runtime.close()

    app.on_shutdown.append(on_shutdown)
    return runtime
