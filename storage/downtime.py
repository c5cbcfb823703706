"""One log line when the database stops answering and one when it is back, instead of a
traceback for every operation that failed meanwhile.

A PostgreSQL restart or a locked SQLite file makes every resident's turn fail for a few
seconds; each failure is already answered (an apology) and counted (`meterbot_storage_errors_
total`), so the log needs only the episode: when it began and why, when it ended and how many
operations failed in between. Failures inside an episode are logged at DEBUG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

# Log records that carry a storage failure already counted by whoever logged them: the counting
# handler (bot/observability.py) leaves them alone.
COUNTED = {"storage_error_counted": True}


class Downtime:
    """The current storage outage episode, if any. `failed` on every failure, `ok` on every
    success; both are cheap when nothing changes."""

    def __init__(
        self,
        log: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._clock = clock
        self._since: float | None = None
        self._failures = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, exc: BaseException, doing: str) -> None:
        self._failures += 1
        if self._since is not None:
            self._log.debug("storage still unavailable (%s): %s", doing, exc, extra=COUNTED)
            return
        self._since = self._clock()
        self._log.error(
            "storage unavailable (%s): %s; residents are asked to try again later, one line "
            "will say when it is back",
            doing,
            exc,
            extra=COUNTED,
        )

    def ok(self) -> None:
        if self._since is None:
            return
        lasted = self._clock() - self._since
        self._log.warning(
            "storage is back after %.1f s; %d operations failed meanwhile", lasted, self._failures
        )
        self._since = None
        self._failures = 0
