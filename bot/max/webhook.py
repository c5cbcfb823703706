"""`POST [max] webhook_path`: MAX updates in webhook mode.

The `X-Max-Bot-Api-Secret` header is compared with `[max] webhook_secret` in constant time
before the body is read; a request without the right one gets 401 and changes nothing. The
update's work runs in the background (`MaxChannel.dispatch`) and MAX gets its 200 at once: it
counts anything else, or a slow answer, as a failed delivery and sends the update again.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.health import ChannelHealth
from bot.http_guard import loads_json, read_body
from bot.max.channel import MaxChannel

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Max-Bot-Api-Secret"  # noqa: S105 - a header's name, not a secret


class MaxWebhook:
    def __init__(
        self, channel: MaxChannel, secret: str, *, health: ChannelHealth | None = None
    ) -> None:
        self.channel = channel
        self.health = health
        self._secret = secret.encode("utf-8")
        self.refused = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self._secret:
            received = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
            if not hmac.compare_digest(self._secret, received):
                self.refused += 1
                log.warning("max webhook refused: bad or missing %s", SECRET_HEADER)
                raise web.HTTPUnauthorized()
        body = await read_body(request)  # within the application's size and time limits
        try:
            raw = loads_json(body)
        except (ValueError, RecursionError):
            log.warning("max webhook: a body that is not JSON")
            raise web.HTTPBadRequest() from None
        if self.health is not None:  # an authenticated update: evidence the channel serves
            self.health.served()
        self.channel.dispatch(raw)
        return web.json_response({"ok": True})
