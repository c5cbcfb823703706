"""Domain exceptions shared by the billing modules."""

from __future__ import annotations


class BillingError(Exception):
    """Base of every refusal billing_core raises about data (not about programming errors)."""


class TariffNotFound(BillingError, LookupError):
    """No tariff schedule is in force for the asked date, stove and meter kind."""


class CannotEstimate(BillingError):
    """No reading came and neither an average nor a normative is available to bill on."""


class MissingBaseReading(BillingError):
    """An actual reading came but there is no earlier one to measure consumption from."""
