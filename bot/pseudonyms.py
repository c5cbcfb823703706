"""Telling residents apart in logs and operator output without showing who they are.

A masked account (12345-***-**) hides the number, and with it the difference between the nine
flats of one building that share its first five digits. `tag` adds a short pseudonym: six hex
digits of an HMAC of the number under a key drawn at random when the process starts. The same
account gets the same tag throughout one process's log or one command's output, different
accounts almost surely different tags, and nobody can go back from a tag to the number (the key
is never written down, so the ten billion possible numbers cannot be tried against it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)


def tag(value: str) -> str:
    """`#` and six hex digits that stand for `value` in this process only."""
    return "#" + hmac.new(_KEY, value.encode(), hashlib.sha256).hexdigest()[:6]
