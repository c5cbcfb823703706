"""`meterbot max set-webhook` and `meterbot max delete-webhook`: create or remove the MAX
subscription for `[max] webhook_url` + `webhook_path` (`run` in webhook mode creates it at start,
and in polling mode removes it)."""

from __future__ import annotations

import argparse
import sys

from bot.channel_runtime import webhook_url_of
from bot.config import Settings
from bot.max.client import MaxApi, build_bot


async def max_command(settings: Settings, args: argparse.Namespace) -> int:
    config = settings.max
    if not config.token.get_secret_value():
        return _fail(args, "[max] token is empty (set METERBOT_MAX__TOKEN)", 2)
    url = webhook_url_of(config.webhook_url, config.webhook_path)
    if args.max_command == "set-webhook" and not url:
        return _fail(args, "[max] webhook_url is empty: give the bot's public HTTPS address", 2)
    api = MaxApi(build_bot(config, retries=1))
    try:
        if args.max_command == "set-webhook":
            secret = config.webhook_secret.get_secret_value()
            await api.subscribe(url, secret or None)
            print(f"MAX subscription created: {url}" + ("" if secret else " (no secret set)"))
            return 0
        removed = await api.subscriptions()
        for subscribed in removed:
            await api.unsubscribe(subscribed)
        print(
            f"MAX subscriptions removed: {', '.join(removed)}"
            if removed
            else "MAX had no subscription: updates go to polling already"
        )
        return 0
    except Exception as exc:
        where = config.api_base or "the MAX Bot API"
        return _fail(args, f"{where} refused or could not be reached: {exc}", 1)
    finally:
        await api.close()


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    print(f"meterbot: max {args.max_command}: {message}", file=sys.stderr)
    return code
