"""The aiohttp application every webhook shares: `/healthz`, `/metrics`, and (added by the
channel modules) the Telegram and Viber webhook routes.

`/healthz` answers 503 when storage does not answer a ping, and when a configured channel has
not served residents for longer than `[http] unhealthy_after_seconds` (see `bot.health`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from aiohttp import web

from bot.config import ConfigError, HttpSettings, Settings
from bot.health import Health
from bot.http_guard import IDLE_TIMEOUT_SECONDS, MAX_BODY_BYTES, guard
from bot.observability import Metrics
from storage.base import HealthStore
from storage.downtime import COUNTED

log = logging.getLogger(__name__)

# A load balancer probes often; a database that cannot answer a ping this fast counts as down.
PING_TIMEOUT_SECONDS = 2.0

SETTINGS_KEY = web.AppKey("settings", Settings)
STORAGE_KEY = web.AppKey("storage", HealthStore)
METRICS_KEY = web.AppKey("metrics", Metrics)
ChannelStatus = Callable[[], Mapping[str, object]]
HEALTH_KEY = web.AppKey("health", Health)
CHANNEL_STATUS_KEY: web.AppKey[ChannelStatus] = web.AppKey("channel_status")


def build_http_app(
    settings: Settings,
    storage: HealthStore,
    metrics: Metrics,
    channel_status: ChannelStatus | Health,
) -> web.Application:
    """The application with `/healthz` and `/metrics`; webhook modules add their routes to it.

    `channel_status` is the channels' `Health`, or a function returning a fixed report such as
    `{"telegram": "webhook"}` at request time (then only storage decides the answer).
    """
    # Every route, a webhook added later included, lives within these limits (bot/http_guard).
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[guard])
    app[SETTINGS_KEY] = settings
    app[STORAGE_KEY] = storage
    app[METRICS_KEY] = metrics
    if isinstance(channel_status, Health):
        app[HEALTH_KEY] = channel_status
        app[CHANNEL_STATUS_KEY] = channel_status.report
    else:
        app[HEALTH_KEY] = Health(settings.http.unhealthy_after_seconds)
        app[CHANNEL_STATUS_KEY] = channel_status
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app


async def healthz(request: web.Request) -> web.Response:
    storage_ok = await _ping(request.app[STORAGE_KEY])
    if not storage_ok:
        request.app[METRICS_KEY].on_storage_error()
    down = request.app[HEALTH_KEY].down()
    healthy = storage_ok and not down
    body: dict[str, object] = {
        "status": "ok" if healthy else "unavailable",
        "storage": "ok" if storage_ok else "unreachable",
        "channels": request.app[CHANNEL_STATUS_KEY](),
    }
    if down:
        body["down"] = down
    return web.json_response(body, status=200 if healthy else 503)


async def _ping(storage: HealthStore) -> bool:
    try:
        async with asyncio.timeout(PING_TIMEOUT_SECONDS):
            return bool(await storage.ping())
    except TimeoutError:
        log.warning("storage ping timed out after %.1f s", PING_TIMEOUT_SECONDS, extra=COUNTED)
    except Exception as exc:  # any driver error means the same to a probe: not ready
        log.warning("storage ping failed: %s", exc, extra=COUNTED)
    return False


async def metrics_view(request: web.Request) -> web.Response:
    metrics = request.app[METRICS_KEY]
    for name, channel in request.app[HEALTH_KEY].channels.items():
        metrics.set_channel_serving(name, channel.serving())
    response = web.Response(body=metrics.render())
    # aiohttp refuses a charset inside content_type=, so the header is set whole.
    response.headers["Content-Type"] = metrics.content_type
    return response


async def start_http(
    app: web.Application, http: HttpSettings, *, idle_timeout: float = IDLE_TIMEOUT_SECONDS
) -> web.AppRunner:
    """Serve `app` on `[http] host:port`; the caller awaits `runner.cleanup()` at shutdown.

    A connection that sends no whole request line and headers within `idle_timeout` seconds of
    opening (or of its last answer) is closed: aiohttp's keep-alive timer runs from the start.
    After an early answer (401, 403, 408) the rest of an unread body is read and dropped for at
    most as long, then the connection is closed.
    """
    runner = web.AppRunner(
        app, access_log=None, keepalive_timeout=idle_timeout, lingering_time=idle_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, http.host, http.port)
    try:
        await site.start()
    except OSError as exc:  # the port is taken, or the host is not this machine's
        await runner.cleanup()
        raise ConfigError(
            f"[http] cannot listen on {http.host}:{http.port}: {exc.strerror or exc}"
        ) from None
    log.info("HTTP listening on %s:%s", http.host, http.port)
    return runner
