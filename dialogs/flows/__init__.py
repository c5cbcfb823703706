"""The conversations, one module each, every one declaring its routes (`dialogs.routes`)."""

from __future__ import annotations

from dialogs.routes import Routes


def declared() -> tuple[Routes, ...]:
    """Every flow's routes, for the engine to merge. A new flow adds its module here."""
    # Imported on call: the flows import one another, and this package before any of them.
    from dialogs.flows import (
        accounts,
        binding,
        general,
        language,
        offices,
        outages,
        statement,
        submit,
    )

    return (
        general.ROUTES,
        offices.ROUTES,
        language.ROUTES,
        binding.ROUTES,
        accounts.ROUTES,
        statement.ROUTES,
        outages.ROUTES,
        submit.ROUTES,
    )
