"""Wiring the MAX channel into the application the composition root owns.

`start_max` builds the API client, the channel and the configured mode:
- polling (default): a background task; a subscription left from an earlier webhook deployment
  is removed first, since MAX sends updates one way or the other, never both;
- webhook: `POST [max] webhook_path` is mounted on the shared aiohttp application, and
  `MaxRuntime.register_webhook()` creates the subscription once the site listens (MAX starts
  posting updates at once).
`MaxRuntime.stop()` stops taking updates, lets those in flight finish, then closes the session.

Polling and the subscription run under the supervisor (`bot.supervisor`) and report to the
channel's health (`bot.health`), as Telegram's and Viber's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web
from maxapi import Bot

from bot.channel_runtime import ChannelTasks, webhook_url_of
from bot.config import MAX_SECRET, Settings, require_webhook_secret
from bot.health import ChannelHealth, Health
from bot.max.channel import MaxChannel
from bot.max.client import POLL_TIMEOUT_SECONDS, MaxApi, build_bot
from bot.max.polling import Poller
from bot.max.webhook import MaxWebhook
from bot.observability import Metrics
from bot.supervisor import Supervisor
from dialogs.channel import DialogHandler

log = logging.getLogger(__name__)

CHANNEL = "max"
SHUTDOWN_GRACE_SECONDS = 30.0


@dataclass(slots=True)
class MaxRuntime:
    api: MaxApi
    channel: MaxChannel
    mode: str
    tasks: ChannelTasks
    webhook_url: str = ""
    secret: str = ""
    poller: Poller | None = None
    _stopping: bool = field(default=False, repr=False)

    @property
    def health(self) -> ChannelHealth:
        return self.tasks.health

    def status(self) -> str:
        if self._stopping:
            return "stopped"
        if self.poller is not None and self.poller.failures:
            return "polling (retrying)"
        return self.mode

    async def register_webhook(self) -> bool:
        """Webhook mode: create the subscription once; call once the site listens."""
        return await self.tasks.register_once(self.webhook_url, self._subscribe)

    def start_webhook(self) -> None:
        """Webhook mode: create the subscription, supervised and retried until MAX takes it."""
        self.tasks.register_supervised(self.webhook_url, self._subscribe)

    async def _subscribe(self) -> None:
        if not self.secret:
            log.warning("max: webhook_secret is empty; anyone can post updates to the URL")
        await self.tasks.reported(
            "subscribe", lambda: self.api.subscribe(self.webhook_url, self.secret or None)
        )
        log.info("max webhook subscribed at %s", self.webhook_url)

    async def start_polling(self) -> None:
        # MAX delivers to a subscription or to GET /updates, not both: back to polling means
        # the subscription of an earlier webhook deployment goes.
        try:
            for url in await self.api.subscriptions():
                await self.api.unsubscribe(url)
                log.info("max: removed the webhook subscription %s for polling", url)
        except Exception as exc:
            log.warning("max: could not check the webhook subscriptions: %s", exc)
        if self.poller is not None:
            self.tasks.spawn("max-polling", self.poller.run, forever=True)

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop taking updates, let those in flight finish (up to `grace` seconds), close the
        session. In webhook mode call it after the HTTP runner's cleanup."""
        if self._stopping:
            return
        self._stopping = True
        await self.tasks.stop()  # the poller's request under way too: MAX sends its batch again
        await asyncio.sleep(0)  # updates dispatched just before the stop: let them begin
        await self.channel.drain(grace)
        with contextlib.suppress(Exception):
            await self.api.close()


async def start_max(
    settings: Settings,
    dialog: DialogHandler,
    app: web.Application,
    *,
    metrics: Metrics | None = None,
    bot: Bot | None = None,
    poll_timeout: int | None = None,
    supervisor: Supervisor | None = None,
    health: Health | None = None,
) -> MaxRuntime:
    """Build and start the channel in `[max] mode`; in webhook mode mount the route on `app`
    (before it starts) and call `register_webhook()` once it listens. `bot` replaces the one
    built from `[max]` (tests give one with short backoffs)."""
    config = settings.max
    api = MaxApi(bot if bot is not None else build_bot(config), metrics)
    channel = MaxChannel(api, dialog)
    secret = config.webhook_secret.get_secret_value()
    fresh_for = 3 * (poll_timeout or POLL_TIMEOUT_SECONDS) if config.mode == "polling" else None
    witness = (health or Health()).channel(CHANNEL, config.mode, fresh_for=fresh_for)
    runtime = MaxRuntime(
        api,
        channel,
        config.mode,
        ChannelTasks(CHANNEL, witness, supervisor or Supervisor(metrics)),
        webhook_url_of(config.webhook_url, config.webhook_path),
        secret,
    )
    if config.mode == "webhook":
        require_webhook_secret("max", secret, MAX_SECRET)
        app.router.add_post(
            config.webhook_path, MaxWebhook(channel, secret, health=witness).handle
        )

        async def drain(_: web.Application) -> None:
            await channel.drain(SHUTDOWN_GRACE_SECONDS)

        app.on_shutdown.append(drain)
    else:
        runtime.poller = (
            Poller(api, channel, health=witness)
            if poll_timeout is None
            else Poller(api, channel, timeout=poll_timeout, first_pause=0.05, health=witness)
        )
        await runtime.start_polling()
    return runtime
