"""A small iCalendar (RFC 5545) writer: what the calendar feed needs and nothing more.

Lines end in CRLF and are folded at 75 octets (a fold never splits a UTF-8 character); text values are
escaped (backslash, semicolon, comma, newline); times are written in UTC (``...Z``) and all-day dates as
``VALUE=DATE``, so no VTIMEZONE is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

CRLF = "\r\n"
LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: dt.datetime | dt.date  # a datetime (aware) is a timed event; a date an all-day one
    end: dt.datetime | dt.date
    stamp: dt.datetime
    status: str = "CONFIRMED"  # or "CANCELLED"
    url: str = ""
    description: str = ""


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """``line`` cut into pieces of at most 75 octets, each after the first starting with one space."""
    encoded = line.encode()
    if len(encoded) <= LINE_OCTETS:
        return line
    pieces, current, size, limit = [], [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return f"{name}:{utc(value)}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def _event_lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(event.uid)}",
        f"DTSTAMP:{utc(event.stamp)}",
        _when("DTSTART", event.start),
        _when("DTEND", event.end),
        f"SUMMARY:{escape(event.summary)}",
        f"STATUS:{event.status}",
        "TRANSP:OPAQUE" if isinstance(event.start, dt.datetime) else "TRANSP:TRANSPARENT",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def calendar(*, name: str, product: str, events: Iterable[Event], refresh: str = "PT1H") -> str:
    """The whole ``VCALENDAR`` as text (CRLF line ends, folded)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        # How often a subscribed client should fetch again (RFC 7986, and Outlook's own property).
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
