"""The Viber channel: a webhook route on the shared aiohttp application, a thin API client and a
sender for replies and reminders. The composition root calls `start_viber` before the server
starts and `ViberRuntime.register_webhook` once it is listening (Viber calls the URL back while
it registers it)."""

from bot.viber.runtime import EVENT_TYPES, ViberRuntime, start_viber

__all__ = ["EVENT_TYPES", "ViberRuntime", "start_viber"]
