"""`meterbot viber set-webhook`: register `[viber] webhook_url` + `webhook_path` with Viber.

Viber calls the URL back (a signed `webhook` event) before it answers, so `meterbot run` must
already be serving there.
"""

from __future__ import annotations

import argparse
import sys

import aiohttp

from bot.channel_runtime import webhook_url_of
from bot.config import Settings
from bot.viber.client import ViberApiError, ViberClient, ViberTransportError
from bot.viber.runtime import EVENT_TYPES


async def set_webhook_command(settings: Settings, args: argparse.Namespace) -> int:
    viber = settings.viber
    token = viber.auth_token.get_secret_value()
    url = webhook_url_of(viber.webhook_url, viber.webhook_path)
    if not token:
        return _fail("[viber] auth_token is empty (set METERBOT_VIBER__AUTH_TOKEN)", 2)
    if not url:
        return _fail("[viber] webhook_url is empty: give the public HTTPS address of this bot", 2)
    async with aiohttp.ClientSession() as session:
        client = ViberClient(session, token, viber.api_base)
        try:
            events = await client.set_webhook(url, EVENT_TYPES)
        except ViberApiError as exc:
            return _fail(
                f"Viber refused the webhook {url}: status {exc.status} ({exc.status_message})", 1
            )
        except ViberTransportError as exc:
            return _fail(f"could not reach Viber at {viber.api_base}: {exc}", 1)
    print(f"Viber webhook set: {url} (events: {', '.join(events) or 'default'})")
    return 0


def _fail(message: str, code: int) -> int:
    print(f"meterbot: viber set-webhook: {message}", file=sys.stderr)
    return code
