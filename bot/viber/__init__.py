"""The Viber channel: a webhook route on the shared aiohttp application, a thin API client and a
sender for replies and reminders. The composition root calls `start_viber` before the server
starts and `ViberRuntime.register_webhook` once it is listening (Viber calls the URL back while
it registers it).

Viber's Python SDK (`viberbot`) is not used, and not a dependency of the bot:
- its sends post with blocking `requests`, which would stop the event loop for every reply, so
  sending is `bot.viber.client` on aiohttp;
- its `create_request` raises a bare `Exception` on any event or message type it does not know,
  and Viber adds types, where this adapter must answer every callback politely
  (`bot.viber.events` reads the few fields it needs and ignores the rest);
- its `verify_signature` is the one-line HMAC-SHA256 the webhook computes itself, and the webhook
  must check the header's form before the body is even read, which the SDK cannot do;
- its message classes build the same JSON `bot.viber.render` builds, with keyboards and the
  share-phone button's minimum API version that the render needs control of.
The tests keep it as a reference: the signature the webhook accepts is the one the SDK computes,
and the callbacks the tests send are ones the SDK parses."""

from bot.viber.runtime import EVENT_TYPES, ViberRuntime, start_viber

__all__ = ["EVENT_TYPES", "ViberRuntime", "start_viber"]
