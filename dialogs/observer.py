"""What the dialog tells the outside world about its work, for metrics: a narrow protocol, so
the dialog layer never imports a metrics library. `bot.observability.Metrics` implements it."""

from __future__ import annotations

from typing import Protocol


class DialogObserver(Protocol):
    def on_handled(self, channel: str, seconds: float) -> None: ...

    def on_reading_accepted(self, channel: str) -> None: ...

    def on_reading_refused(self, channel: str, reason: str) -> None: ...

    def on_bill_computed(self, basis: str) -> None: ...

    def on_storage_error(self) -> None: ...

    def on_bind_failure(self, channel: str, reason: str) -> None:
        """A failed binding try ("wrong_pair", "phone_serial", "phone_unknown") or one refused
        while locked ("chat_locked", "account_locked")."""


class NoObserver:
    """Observes nothing: the default when no metrics are wired (tests, the console)."""

    def on_handled(self, channel: str, seconds: float) -> None:
        pass

    def on_reading_accepted(self, channel: str) -> None:
        pass

    def on_reading_refused(self, channel: str, reason: str) -> None:
        pass

    def on_bill_computed(self, basis: str) -> None:
        pass

    def on_storage_error(self) -> None:
        pass

    def on_bind_failure(self, channel: str, reason: str) -> None:
        pass
