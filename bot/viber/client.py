"""A thin asynchronous client for the Viber REST bot API (`[viber] api_base`).

Why not the `viberbot` SDK's sender: it posts with blocking `requests` (no timeout) from inside
the event loop, raises bare `Exception`, and reads only the status of calls it knows. Why not
`aioviberbot`: it is one more dependency for four endpoints, and it owns its own session where
this bot shares the application's one `aiohttp.ClientSession`. So: one POST helper with a
timeout, retries with backoff on network errors, 5xx, 408 and 429, and a 200 answer whose JSON
`status` is not 0 raised as the `ViberApiError` it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.channels import ChannelCalls

log = logging.getLogger(__name__)

TRANSIENT_4XX = frozenset({408, 429})  # HTTP answers that a later try may not get

# Viber's own status codes (REST bot API, "Errors"); 0 is success.
STATUS_OK = 0
STATUS_RECEIVER_NOT_REGISTERED = 5
STATUS_RECEIVER_NOT_SUBSCRIBED = 6
STATUS_TOO_MANY_REQUESTS = 12
GONE_STATUSES = frozenset({STATUS_RECEIVER_NOT_REGISTERED, STATUS_RECEIVER_NOT_SUBSCRIBED})

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_SECONDS = 0.5


class ViberApiError(Exception):
    """Viber answered, with a non-zero `status` (e.g. 6 receiverNotSubscribed)."""

    def __init__(self, endpoint: str, status: int, status_message: str) -> None:
        super().__init__(f"{endpoint}: Viber status {status} ({status_message})")
        self.endpoint = endpoint
        self.status = status
        self.status_message = status_message


class ViberTransportError(Exception):
    """No usable answer: network error, timeout, HTTP error or a body that is not JSON.

    `permanent` is True for an HTTP 4xx other than 408 and 429 (retrying the same request will
    not help).
    """

    def __init__(self, endpoint: str, detail: str, *, permanent: bool = False) -> None:
        super().__init__(f"{endpoint}: {detail}")
        self.endpoint = endpoint
        self.permanent = permanent


class ViberClient:
    """POST JSON to `{api_base}/{endpoint}` with the `X-Viber-Auth-Token` header."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth_token: str,
        api_base: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF_SECONDS,
        calls: ChannelCalls | None = None,
    ) -> None:
        self._calls = calls
        self._session = session
        self._token = auth_token
        self._api_base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = max(1, attempts)
        self._backoff = backoff

    async def send_message(self, message: dict[str, Any]) -> str:
        """Send one message (a send_message body with `receiver`); return its message token."""
        answer = await self.call("send_message", message)
        return str(answer.get("message_token", ""))

    async def set_webhook(self, url: str, event_types: Sequence[str]) -> list[str]:
        """Register `url` (an empty string removes the webhook); return the events Viber sends."""
        answer = await self.call("set_webhook", {"url": url, "event_types": list(event_types)})
        return [str(event) for event in answer.get("event_types", [])]

    async def get_account_info(self) -> dict[str, Any]:
        return await self.call("get_account_info", {})

    async def call(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The JSON answer of a call whose status is 0; raise ViberApiError or
        ViberTransportError otherwise. Transient failures are retried with backoff."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self._attempts + 1):
            try:
                answer = await self._post_once(endpoint, body)
            except ViberTransportError as exc:
                self._count_error()
                if exc.permanent or attempt == self._attempts:
                    raise
                delay = self._backoff * 2 ** (attempt - 1)
                log.warning(
                    "viber %s failed (%s); retry %d in %.2f s", endpoint, exc, attempt, delay
                )
                await asyncio.sleep(delay)
                continue
            status = answer.get("status")
            if status != STATUS_OK:
                self._count_error()
                message = str(answer.get("status_message", ""))
                raise ViberApiError(endpoint, _as_int(status), message)
            if endpoint == "send_message" and self._calls is not None:
                self._calls.on_message_sent("viber")
            return answer
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _count_error(self) -> None:
        if self._calls is not None:
            self._calls.on_channel_error("viber")

    async def _post_once(self, endpoint: str, body: bytes) -> dict[str, Any]:
        url = f"{self._api_base}/{endpoint}"
        headers = {"X-Viber-Auth-Token": self._token, "Content-Type": "application/json"}
        try:
            async with self._session.post(
                url, data=body, headers=headers, timeout=self._timeout
            ) as response:
                # A gateway's "too many requests" and "request timeout" pass like a 5xx.
                if response.status >= 500 or response.status in TRANSIENT_4XX:
                    raise ViberTransportError(endpoint, f"HTTP {response.status}")
                if response.status >= 400:
                    raise ViberTransportError(endpoint, f"HTTP {response.status}", permanent=True)
                raw = await response.read()
        except TimeoutError:
            raise ViberTransportError(endpoint, "timed out") from None
        except aiohttp.ClientError as exc:
            raise ViberTransportError(endpoint, f"{type(exc).__name__}: {exc}") from None
        try:
            answer = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ViberTransportError(endpoint, "answer is not JSON") from None
        if not isinstance(answer, dict):
            raise ViberTransportError(endpoint, "answer is not a JSON object")
        return answer


def _as_int(value: object) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1
