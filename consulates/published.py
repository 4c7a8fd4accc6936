"""The consulates' published contact details as persons are given them (in reminders and on the hand-off
sheet): one dialable number and a plain address. The network data's remarks on them ("(switchboard)",
"number not verified", "moved there in 2021") are kept beside its sources, for staff."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A North American number as the sources write it: "+1 214-932-8670", "(214) 932-8670", "1-877-639-4835".
_PHONE = re.compile(r"(?:\+?1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}")


def published_phone(text: str) -> str:
    """The first number in a source's phone text ("+1 713-271-6800 (switchboard)" gives "+1 713-271-6800").
    Empty when there is none."""
    match = _PHONE.search(text or "")
    return match.group().strip() if match else ""


def published_address(text: str) -> str:
    """A source's address without its remarks ("1 Main St, City (entrance on ...); moved in 2021" gives
    "1 Main St, City")."""
    return re.split(r"\s\(|;", text or "", maxsplit=1)[0].strip()


def validate_one_phone(value: str) -> None:
    """A consulate's phone as staff enter it: one number, nothing else (messages give it as it is)."""
    if value and published_phone(value) != value.strip():
        raise ValidationError(
            _("Enter one phone number only, such as +1 214-932-8670 (notes go in the source field)."),
            code="one_phone",
        )
