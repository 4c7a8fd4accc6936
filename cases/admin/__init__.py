"""The staff UI (Django admin) for persons and cases."""

from cases.admin import cases, crossoffice_lists, persons, reminders, work

__all__ = ["cases", "crossoffice_lists", "persons", "reminders", "work"]
