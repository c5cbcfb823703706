"""Replies to one Viber resident, as `bot.channels.ChannelSender` (used by the webhook and by
reminder campaigns). A resident who left (status 6 receiverNotSubscribed, or 5 not registered)
is `BLOCKED`: the webhook tells the dialog, a campaign marks them, and neither tries again."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.channel_runtime import public_base
from bot.channels import SendOutcome, SendResult
from bot.config import Settings
from bot.viber.client import (
    GONE_STATUSES,
    STATUS_TOO_MANY_REQUESTS,
    ViberApiError,
    ViberClient,
    ViberTransportError,
)
from bot.viber.events import CHANNEL
from bot.viber.media import MediaStore
from bot.viber.render import render_messages, sender_of
from dialogs.replies import Reply

log = logging.getLogger(__name__)

# Viber does not say how long to wait after status 12; a second keeps the pace polite.
TOO_MANY_REQUESTS_PAUSE_SECONDS = 1.0


class ViberSender:
    channel = CHANNEL

    def __init__(
        self,
        client: ViberClient,
        settings: Settings,
        media: MediaStore | None = None,
    ) -> None:
        viber = settings.viber
        self._client = client
        self.sender_profile = sender_of(viber)  # Viber's `sender`: name and avatar
        self.media = media or MediaStore(public_base(viber.webhook_url, viber.webhook_path))
        self.messages_per_second = viber.messages_per_second

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult:
        """Send every reply in order; stop at the first failure and say what it was."""
        for message in render_messages(replies, self.sender_profile, self.media.publish):
            try:
                await self._client.send_message({"receiver": user_id, **message})
            except ViberApiError as exc:
                return self._refused(user_id, exc)
            except ViberTransportError as exc:
                log.warning("viber send to %s failed: %s", user_id, exc)
                return SendResult(SendOutcome.FAILED, permanent=exc.permanent, detail=str(exc))
        return SendResult(SendOutcome.SENT)

    def _refused(self, user_id: str, exc: ViberApiError) -> SendResult:
        if exc.status in GONE_STATUSES:
            log.info("viber resident %s is gone (%s)", user_id, exc.status_message)
            return SendResult(SendOutcome.BLOCKED, permanent=True, detail=str(exc))
        if exc.status == STATUS_TOO_MANY_REQUESTS:
            return SendResult(
                SendOutcome.RETRY_AFTER,
                retry_after=TOO_MANY_REQUESTS_PAUSE_SECONDS,
                detail=str(exc),
            )
        log.warning("viber refused a message to %s: %s", user_id, exc)
        return SendResult(SendOutcome.FAILED, permanent=True, detail=str(exc))
