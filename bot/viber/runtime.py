"""Wiring the Viber channel into the application the composition root owns.

The webhook's registration runs under the supervisor until Viber accepts it, whatever the API
answers meanwhile (an HTML error page, a reset connection); the channel's health (`bot.health`)
says "serving" once it is registered, and again on every verified callback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.channel_runtime import ChannelTasks, webhook_url_of
from bot.channels import ChannelCalls
from bot.config import Settings
from bot.health import ChannelHealth, Health
from bot.supervisor import Supervisor
from bot.viber.client import (
    DEFAULT_BACKOFF_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    ViberClient,
)
from bot.viber.sender import ViberSender
from bot.viber.webhook import ViberWebhook
from dialogs.channel import DialogHandler

log = logging.getLogger(__name__)

CHANNEL = "viber"

# `message` and `webhook` always arrive; these are the optional ones this bot handles.
EVENT_TYPES = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")


@dataclass(slots=True)
class ViberRuntime:
    client: ViberClient
    sender: ViberSender
    webhook: ViberWebhook
    webhook_url: str  # the public URL Viber is to call; empty when not configured
    tasks: ChannelTasks

    @property
    def health(self) -> ChannelHealth:
        return self.tasks.health

    async def register_webhook(self) -> bool:
        """Register the webhook with Viber once; call only once the server is listening."""
        return await self.tasks.register_once(self.webhook_url, self._register)

    def start_webhook(self) -> None:
        """Register the webhook, supervised and retried until Viber accepts it."""
        self.tasks.register_supervised(self.webhook_url, self._register)

    async def _register(self) -> None:
        events: list[str] = []

        async def register() -> None:
            events.extend(await self.client.set_webhook(self.webhook_url, EVENT_TYPES))

        await self.tasks.reported("set_webhook", register)
        log.info("viber webhook registered at %s for %s", self.webhook_url, ", ".join(events))

    async def close(self) -> None:
        """Finish (or, after a grace period, cancel) the callbacks still being handled."""
        await self.tasks.stop()
        await self.webhook.close()


async def start_viber(
    settings: Settings,
    engine: DialogHandler,
    app: web.Application,
    session: aiohttp.ClientSession,
    *,
    retry_backoff: float = DEFAULT_BACKOFF_SECONDS,
    request_timeout: float = DEFAULT_TIMEOUT_SECONDS,
    calls: ChannelCalls | None = None,
    supervisor: Supervisor | None = None,
    health: Health | None = None,
) -> ViberRuntime:
    """Mount `POST [viber] webhook_path` and the picture route on `app` (before it starts).

    Outgoing calls share `session`, each within `request_timeout` seconds (tests give a short
    one). `app.on_shutdown` lets running callbacks finish.
    """
    viber = settings.viber
    token = viber.auth_token.get_secret_value()
    client = ViberClient(
        session, token, viber.api_base, timeout=request_timeout, backoff=retry_backoff, calls=calls
    )
    sender = ViberSender(client, settings)
    channel = (health or Health()).channel(CHANNEL, "webhook")
    webhook = ViberWebhook(token, engine, sender, health=channel)
    app.router.add_post(viber.webhook_path, webhook.handle)
    sender.media.mount(app)
    runtime = ViberRuntime(
        client,
        sender,
        webhook,
        webhook_url_of(viber.webhook_url, viber.webhook_path),
        ChannelTasks(CHANNEL, channel, supervisor or Supervisor()),
    )

    async def on_shutdown(_: web.Application) -> None:
        await runtime.close()

    app.on_shutdown.append(on_shutdown)
    return runtime
