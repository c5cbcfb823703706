"""Limits every route of the shared HTTP application lives within, so that a webhook added
later (MAX) inherits them: bodies of at most `MAX_BODY_BYTES`, read within `BODY_TIMEOUT_SECONDS`;
connections that send no complete request within `IDLE_TIMEOUT_SECONDS` closed; JSON nested
deeper than `MAX_JSON_DEPTH` refused; a client that goes away mid-body logged once, at INFO.

A webhook authenticates what it can from the headers first (a secret, a signature's form), and
only then reads the body through `read_body`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# Telegram updates and Viber callbacks are a few kilobytes; 64 KiB is ample for any of them and
# bounds what an unauthenticated client can make the server hold per connection.
MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_SECONDS = 10.0
# A connection that has not sent a whole request line and headers by then is closed (aiohttp's
# keep-alive timer runs from the connection's start and between requests).
IDLE_TIMEOUT_SECONDS = 15.0
MAX_JSON_DEPTH = 32  # real callbacks nest five or six levels
# Fewer brackets than this cannot nest too deep, and need no scan.
_SCAN_BRACKETS_FROM = MAX_JSON_DEPTH

BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ClientGone(Exception):
    """The client closed the connection before its body was read."""


async def read_body(request: web.Request) -> bytes:
    """The body within the application's body timeout: 408 when it does not come in time, 413
    above `client_max_size`, `ClientGone` when the client goes away (answered by `guard`)."""
    timeout = request.app.get(BODY_TIMEOUT_KEY, BODY_TIMEOUT_SECONDS)
    try:
        async with asyncio.timeout(timeout):
            return await request.read()
    except TimeoutError:
        log.info("%s %s: body not received within %.0f s; closed", request.method,
                 request.path, timeout)  # fmt: skip
        raise web.HTTPRequestTimeout(headers={"Connection": "close"}) from None
    except ConnectionResetError as exc:
        raise ClientGone(str(exc) or type(exc).__name__) from None


def loads_json(body: bytes | str) -> Any:
    """`json.loads`, refusing (ValueError) a document nested deeper than `MAX_JSON_DEPTH`
    before parsing it: the standard parser would recurse into it, and aiogram's models after."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if text.count("[") + text.count("{") >= _SCAN_BRACKETS_FROM and _depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, strings skipped."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What no route may let through as a 500 with a traceback: a client gone mid-body (one
    INFO line), a parser recursing too deep (400)."""
    try:
        return await handler(request)
    except ClientGone as exc:
        log.info("%s %s: the client went away before its body was read (%s)", request.method,
                 request.path, exc)  # fmt: skip
        return web.Response(status=400)
    except RecursionError:
        log.warning("%s %s: a body nested too deep; answered 400", request.method, request.path)
        return web.Response(status=400, text="Bad Request: nested too deep")
