"""The staff UI (Django admin) for persons and cases."""

from cases.admin import cases, persons, work

__all__ = ["cases", "persons", "work"]
