"""Wiring the Telegram channel into the application the composition root owns.

`start_telegram` builds the bot and the dispatcher and starts the configured mode:
- polling (default): a background task; nothing listens for Telegram;
- webhook: `POST [telegram] webhook_path` is mounted on the shared aiohttp application, and
  `TelegramRuntime.register_webhook()` tells Telegram the URL once the site listens (Telegram
  does not call back while registering, but updates start flowing at once).
`TelegramRuntime.stop()` stops taking updates, waits for those in flight, then closes the session.

Polling, the webhook's registration and the commands menu run under the supervisor
(`bot.supervisor`): whatever they raise (a gateway's own JSON makes aiogram raise
`ClientDecodeError`, which is no `TelegramAPIError`), they are logged and tried again with
backoff. The commands menu is cosmetic: it runs on its own and never holds up serving. Each
`getUpdates` that succeeds or fails, and the webhook's registration, are reported to the
channel's health (`bot.health`), which `/healthz` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Literal

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BotCommand
from aiohttp import web

from bot.channel_runtime import ChannelTasks, webhook_url_of
from bot.channels import ChannelCalls
from bot.config import TELEGRAM_SECRET, Settings, require_webhook_secret
from bot.health import ChannelHealth, Health
from bot.observability import Metrics
from bot.supervisor import Backoff, Supervisor
from bot.telegram import (
    bot_context,
    responses,  # noqa: F401 - the answers' types, built once (see there)
)
from bot.telegram.counting import CountCalls
from bot.telegram.deps import TelegramDeps
from bot.telegram.handlers import get_routers
from bot.telegram.middlewares import InFlight, SlowDown
from bot.telegram.retry import RetryRequests, no_retry
from bot.telegram.session import JsonSession
from bot.telegram.texts import COMMANDS
from bot.telegram.webhook import SecretWebhookHandler
from dialogs.channel import DialogHandler
from dialogs.texts import DEFAULT_LOCALE
from dialogs.throttle import Throttle

log = logging.getLogger(__name__)

CHANNEL = "telegram"
POLLING_TIMEOUT_SECONDS = 25
# An idle long poll still answers every timeout: three missed in a row mean it is not serving.
FRESH_POLLS = 3
SHUTDOWN_GRACE_SECONDS = 30.0
# The menu is cosmetic: a gateway refusing it for good is asked again now and then, not hammered.
COMMANDS_BACKOFF = Backoff(first=5.0, cap=900.0)


class PollWitness(BaseRequestMiddleware):
    """Tells the channel's health how each `getUpdates` went; other calls pass untouched."""

    def __init__(self, health: ChannelHealth) -> None:
        self.health = health

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        polls = isinstance(method, GetUpdates)  # a bool, so that `method` keeps its type
        if not polls:
            return await make_request(bot, method)
        try:
            response = await make_request(bot, method)
        except Exception as exc:
            self.health.failed(f"getUpdates: {type(exc).__name__}: {exc}")
            raise
        self.health.served()
        return response


def build_bot(
    settings: Settings, session: BaseSession | None = None, calls: ChannelCalls | None = None
) -> Bot:
    """The bot for `[telegram] token`, at `api_base` when set, HTML by default, calls retried
    (and counted into `calls`, each attempt, when given)."""
    bot_context.flatten()  # every object it parses or builds gets its bot in one call
    telegram = settings.telegram
    if session is None:
        if telegram.api_base:
            session = JsonSession(api=TelegramAPIServer.from_base(telegram.api_base))
        else:
            session = JsonSession()
    session.middleware(RetryRequests())
    if calls is not None:
        session.middleware(CountCalls(calls))  # inside the retries: every attempt counts
    return Bot(
        telegram.token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    engine: DialogHandler,
    settings: Settings,
    *,
    throttle: Throttle | None = None,
) -> Dispatcher:
    """Routers, middlewares and dependencies; `dp["in_flight"]` counts updates being handled."""
    deps = TelegramDeps(engine=engine, settings=settings)
    # The dialog keeps its own state in storage: aiogram's FSM would be a second, unused copy.
    # The deps go in after construction: Dispatcher's own `storage` argument is the FSM's.
    dispatcher = Dispatcher(disable_fsm=True, name="meterbot")
    dispatcher.workflow_data.update(deps)
    in_flight = InFlight()
    # Outer middlewares run in the order added, after aiogram's own (errors, then user context,
    # which finds the sender the throttle needs): count first, so a dropped update is counted too,
    # and drop a flood before it reaches the dialog.
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(SlowDown(throttle))
    dispatcher.include_routers(*get_routers())
    dispatcher["in_flight"] = in_flight
    return dispatcher


async def set_commands(bot: Bot) -> None:
    """The commands menu: Russian for everyone, English for English-speaking clients."""
    for locale, commands in COMMANDS.items():
        menu = [BotCommand(command=name, description=text) for name, text in commands]
        await bot.set_my_commands(menu, language_code=None if locale == DEFAULT_LOCALE else locale)


@dataclass(slots=True)
class TelegramRuntime:
    bot: Bot
    dispatcher: Dispatcher
    mode: Literal["polling", "webhook"]
    tasks: ChannelTasks
    webhook_url: str = ""
    poll_timeout: int = POLLING_TIMEOUT_SECONDS
    _stopping: bool = field(default=False, repr=False)

    @property
    def in_flight(self) -> InFlight:
        in_flight: InFlight = self.dispatcher["in_flight"]
        return in_flight

    @property
    def health(self) -> ChannelHealth:
        return self.tasks.health

    def status(self) -> str:
        return "stopped" if self._stopping else self.mode

    async def register_webhook(self) -> bool:
        """Webhook mode: set the webhook once; call once the site listens."""
        return await self.tasks.register_once(self.webhook_url, self._set_webhook)

    def start_webhook(self) -> None:
        """Webhook mode: set the commands menu and (until it succeeds) the webhook, supervised;
        call once the site listens."""
        self._announce()
        self.tasks.register_supervised(self.webhook_url, self._set_webhook)

    async def _set_webhook(self) -> None:
        secret = self.dispatcher["settings"].telegram.webhook_secret.get_secret_value()
        if not secret:
            log.warning("telegram: webhook_secret is empty; anyone can post updates to the URL")
        with no_retry():  # the supervisor asks again; the failure reaches health at once
            await self.tasks.reported(
                "setWebhook",
                lambda: self.bot.set_webhook(
                    self.webhook_url,
                    secret_token=secret or None,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                ),
            )
        log.info("telegram webhook set at %s", self.webhook_url)

    def start_polling(self) -> None:
        self._announce()
        self.tasks.spawn("telegram-polling", self._poll)

    async def _poll(self) -> None:
        """Poll until stopped; raises (and the supervisor starts it again) on anything else."""
        try:
            # A webhook left set from an earlier deployment makes getUpdates fail (409).
            await self.bot.delete_webhook()
            await self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.poll_timeout,
                handle_signals=False,  # the composition root owns the signals
                close_bot_session=False,  # stop() closes it after the updates in flight
            )
        except Exception as exc:  # getMe failed, bad token…
            self.health.failed(f"polling: {type(exc).__name__}: {exc}")
            raise
        if not self._stopping:
            self.health.failed("polling ended")
            raise RuntimeError("telegram polling ended while the bot is serving")

    def _announce(self) -> None:
        self.tasks.spawn("telegram-commands", self._announce_commands, backoff=COMMANDS_BACKOFF)

    async def _announce_commands(self) -> None:
        with no_retry():  # the supervisor asks again, with a backoff of its own
            await set_commands(self.bot)
        log.info("telegram: commands menu set")

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop taking updates, let those in flight finish (up to `grace` seconds), close the
        session. In webhook mode call it after the HTTP runner's cleanup."""
        if self._stopping:
            return
        self._stopping = True
        if self.mode == "polling":
            with contextlib.suppress(RuntimeError):  # polling was not running (retry pause)
                await self.dispatcher.stop_polling()
        await self.tasks.stop()
        # Updates taken just before the stop are tasks that have not run yet: let them enter.
        await asyncio.sleep(0)
        if not await self.in_flight.drain(grace):
            log.warning(
                "telegram: %d updates still running after %.0f s; closing anyway",
                self.in_flight.count,
                grace,
            )
        await self.bot.session.close()


async def start_telegram(
    settings: Settings,
    engine: DialogHandler,
    app: web.Application,
    *,
    session: BaseSession | None = None,
    metrics: Metrics | None = None,
    calls: ChannelCalls | None = None,
    supervisor: Supervisor | None = None,
    health: Health | None = None,
    poll_timeout: int = POLLING_TIMEOUT_SECONDS,
) -> TelegramRuntime:
    """Build and start the channel in `[telegram] mode`; in webhook mode mount the route on
    `app` (before it starts) and call `start_webhook()` once it listens. A `getUpdates` waits
    up to `poll_timeout` seconds, and aiogram gives it the session's timeout on top (tests give
    a short one of each, so that a hung poll is seen in seconds)."""
    telegram = settings.telegram
    fresh_for = FRESH_POLLS * poll_timeout if telegram.mode == "polling" else None
    channel = (health or Health()).channel(CHANNEL, telegram.mode, fresh_for=fresh_for)
    bot = build_bot(settings, session, calls)
    if telegram.mode == "polling":  # a webhook's health is told by the updates it takes
        bot.session.middleware(PollWitness(channel))
    dispatcher = build_dispatcher(engine, settings)
    runtime = TelegramRuntime(
        bot,
        dispatcher,
        telegram.mode,
        ChannelTasks(CHANNEL, channel, supervisor or Supervisor(metrics)),
        webhook_url_of(telegram.webhook_url, telegram.webhook_path),
        poll_timeout,
    )
    if telegram.mode == "webhook":
        secret = telegram.webhook_secret.get_secret_value()
        require_webhook_secret("telegram", secret, TELEGRAM_SECRET)
        # A button press is answered in the webhook's response (bot.telegram.handlers.callbacks).
        handler = SecretWebhookHandler(
            dispatcher, bot, secret, health=channel, answer_in_reply=True
        )
        handler.register(app, path=telegram.webhook_path)

        async def drain(_: web.Application) -> None:
            await runtime.in_flight.drain(SHUTDOWN_GRACE_SECONDS)

        app.on_shutdown.append(drain)
    else:
        runtime.start_polling()
    return runtime
