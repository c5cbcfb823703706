"""Pictures for Viber: Viber fetches media by public URL, so the bot serves each chart PNG itself
from `/viber/media/<token>.png` on the webhook's application, under an unguessable token that
expires soon. Held in memory: a picture only has to live until Viber has fetched it.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

MEDIA_PREFIX = "/viber/media/"
DEFAULT_TTL_SECONDS = 3600.0
DEFAULT_CAPACITY = 256  # a chart is tens of kilobytes; this bounds memory to a few megabytes


class MediaStore:
    def __init__(
        self,
        public_base: str,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.public_base = public_base.rstrip("/")
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def publish(self, png: bytes) -> str | None:
        """Keep `png` for a while; its public URL, or None without a public origin."""
        if not self.public_base:
            return None
        self._prune()
        token = secrets.token_urlsafe(24)
        self._items[token] = (self._clock() + self._ttl, png)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return f"{self.public_base}{MEDIA_PREFIX}{token}.png"

    def get(self, token: str) -> bytes | None:
        item = self._items.get(token)
        if item is None or item[0] <= self._clock():
            return None
        return item[1]

    def _prune(self) -> None:
        now = self._clock()
        for token in [token for token, (expires, _) in self._items.items() if expires <= now]:
            del self._items[token]

    async def handle(self, request: web.Request) -> web.Response:
        png = self.get(request.match_info["token"])
        if png is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=300"}
        )

    def mount(self, app: web.Application) -> None:
        app.router.add_get(MEDIA_PREFIX + "{token:[A-Za-z0-9_-]+}.png", self.handle)
