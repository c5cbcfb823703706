"""Wiring the MAX channel into the application the composition root owns.

`start_max` builds the API client, the channel and the configured mode:
- polling (default): a background task; a subscription left from an earlier webhook deployment
  is removed first, since MAX sends updates one way or the other, never both;
- webhook: `POST [max] webhook_path` is mounted on the shared aiohttp application, and
  `MaxRuntime.register_webhook()` creates the subscription once the site listens (MAX starts
  posting updates at once).
`MaxRuntime.stop()` stops taking updates, lets those in flight finish, then closes the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web
from maxapi import Bot

from bot.config import Settings
from bot.max.channel import MaxChannel
from bot.max.client import MaxApi, build_bot
from bot.max.polling import Poller
from bot.max.port import DialogPort
from bot.max.webhook import MaxWebhook
from bot.observability import Metrics

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 30.0


def webhook_url_of(settings: Settings) -> str:
    """`[max] webhook_url` (the public origin, or the full URL) plus `webhook_path`."""
    base = settings.max.webhook_url.strip().rstrip("/")
    path = settings.max.webhook_path
    if not base:
        return ""
    return base if base.endswith(path.rstrip("/")) else f"{base}{path}"


@dataclass(slots=True)
class MaxRuntime:
    api: MaxApi
    channel: MaxChannel
    mode: str
    webhook_url: str = ""
    secret: str = ""
    poller: Poller | None = None
    _stopping: bool = field(default=False, repr=False)

    def status(self) -> str:
        if self._stopping:
            return "stopped"
        if self.poller is not None and self.poller.failures:
            return "polling (retrying)"
        return self.mode

    async def register_webhook(self) -> bool:
        """Webhook mode: create the subscription; call once the site listens. Failures are
        logged, not raised: the rest of the bot keeps serving."""
        if not self.webhook_url:
            log.warning("max: [max] webhook_url is empty; no subscription is created")
            return False
        if not self.secret:
            log.warning("max: webhook_secret is empty; anyone can post updates to the URL")
        try:
            await self.api.subscribe(self.webhook_url, self.secret or None)
        except Exception as exc:
            log.error("max: could not subscribe %s: %s", self.webhook_url, exc)
            return False
        log.info("max webhook subscribed at %s", self.webhook_url)
        return True

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
            self.poller.start()

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop taking updates, let those in flight finish (up to `grace` seconds), close the
        session. In webhook mode call it after the HTTP runner's cleanup."""
        if self._stopping:
            return
        self._stopping = True
        if self.poller is not None:
            await self.poller.stop()
        await asyncio.sleep(0)  # updates dispatched just before the stop: let them begin
        await self.channel.drain(grace)
        with contextlib.suppress(Exception):
            await self.api.close()


async def start_max(
    settings: Settings,
    dialog: DialogPort,
    app: web.Application,
    *,
    metrics: Metrics | None = None,
    bot: Bot | None = None,
    poll_timeout: int | None = None,
) -> MaxRuntime:
    """Build and start the channel in `[max] mode`; in webhook mode mount the route on `app`
    (before it starts) and call `register_webhook()` once it listens. `bot` replaces the one
    built from `[max]` (tests give one with short backoffs)."""
    config = settings.max
    api = MaxApi(bot if bot is not None else build_bot(config))
    channel = MaxChannel(api, dialog, metrics=metrics)
    secret = config.webhook_secret.get_secret_value()
    runtime = MaxRuntime(api, channel, config.mode, webhook_url_of(settings), secret)
    if config.mode == "webhook":
        app.router.add_post(config.webhook_path, MaxWebhook(channel, secret).handle)

        async def drain(_: web.Application) -> None:
            await channel.drain(SHUTDOWN_GRACE_SECONDS)

        app.on_shutdown.append(drain)
    else:
        runtime.poller = (
            Poller(api, channel)
            if poll_timeout is None
            else Poller(api, channel, timeout=poll_timeout, first_pause=0.05)
        )
        await runtime.start_polling()
    return runtime
