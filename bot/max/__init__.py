"""The MAX channel: long polling (default) or a webhook on the shared aiohttp application, on
maxapi's models and HTTP client, and a sender for campaigns. It translates updates into dialog
events and renders the replies; the dialog itself sits behind the channel contract
(`dialogs.channel.DialogHandler`)."""

from bot.max.runtime import MaxRuntime, start_max

__all__ = ["MaxRuntime", "start_max"]
