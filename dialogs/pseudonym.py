"""A chat's keyed hash: what the database keeps where a messenger id must not stay.

Failed binding tries are recorded under it from the start (so /forget can leave them, and a
lockout outlives it), and /forget writes it over the chat's id in the rows that stay (readings,
reminder campaign rows). HMAC-SHA256 under a key kept outside the database: without the key, a
copy of the database does not lead back to a messenger id, even by trying every Telegram id.
"""

from __future__ import annotations

import hashlib
import hmac

from dialogs.events import ChatRef

PREFIX = "h:"  # no messenger's ids contain a colon, so a pseudonym is never taken for one


def chat_pseudonym(key: bytes, chat: ChatRef) -> str:
    digest = hmac.new(key, f"{chat.channel}\x00{chat.user_id}".encode(), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:32]
