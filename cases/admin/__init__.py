"""The staff UI (Django admin) for persons and cases."""

from cases.admin import (
    audit,
    cases,
    crossoffice_lists,
    identifier_reviews,
    persons,
    reminders,
    webhooks,
    work,
)

__all__ = [
    "audit",
    "cases",
    "crossoffice_lists",
    "identifier_reviews",
    "persons",
    "reminders",
    "webhooks",
    "work",
]
