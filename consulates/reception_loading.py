"""``network_load``'s part for the reception points: ``consulates/data/repatriation_points.csv``.

Each row is loaded with its sources, basis and notes. Facts the file leaves empty stay empty; the few
columns given as words ("yes (inferred)", "reduced: 2 of 5 tents removed") are also kept as written.
Rows loaded before this file (from ``network_facts.json``) are found by their former names and
brought in line; a point the file does not list, or lists as not designated, stays for the records
that name it but is no longer offered for new hand-offs. Staff edits (``curated``) are never touched."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from consulates.models import ReceptionPoint

FILE = "repatriation_points.csv"

# The reception points of the earlier data (network_facts.json), by the name they were loaded with.
FORMER_NAMES = {
    "Ciudad Juárez (Paso del Norte bridge)": "Ciudad Juárez, Chihuahua",
    "Ojinaga": "Ojinaga, Chihuahua",
    "Ciudad Acuña": "Ciudad Acuña, Coahuila",
    "Piedras Negras": "Piedras Negras, Coahuila",
    "Nuevo Laredo (Puente II Juárez-Lincoln)": "Nuevo Laredo, Tamaulipas",
    "Reynosa (Puente Reynosa-Hidalgo)": "Reynosa, Tamaulipas",
    "Matamoros (Puerta México / Gateway bridge)": "Matamoros, Tamaulipas",
    "Puerto Palomas / Zaragoza / Porfirio Parra": "Puerto Palomas / Zaragoza / Porfirio Parra, Chihuahua",
    "Miguel Alemán / Camargo": "Miguel Alemán / Camargo, Tamaulipas",
    "México te abraza centre - Nueva Rosita (San Juan de Sabinas)": "México te abraza Nueva Rosita, Coahuila",
    "México te abraza centre - El Carmen": "México te abraza El Carmen, Nuevo León",
}

# The IANA zone of each city (tz database zone.tab; Mexico's 2022 time law puts the US-border
# municipalities on the US clock). A row naming places in different zones gets none.
CITY_ZONES = {
    "Tijuana": "America/Tijuana",
    "Mexicali": "America/Tijuana",
    "San Luis Río Colorado": "America/Hermosillo",
    "Nogales": "America/Hermosillo",
    "Ciudad Juárez": "America/Ciudad_Juarez",
    "Ojinaga": "America/Ojinaga",
    "Ciudad Acuña": "America/Matamoros",
    "Piedras Negras": "America/Matamoros",
    "Nuevo Laredo": "America/Matamoros",
    "Reynosa": "America/Matamoros",
    "Matamoros": "America/Matamoros",
    "Miguel Alemán; Camargo": "America/Matamoros",
    "Ciudad de México": "America/Mexico_City",
    "Zumpango (Santa Lucía)": "America/Mexico_City",
    "Tapachula": "America/Mexico_City",
    "Villahermosa": "America/Mexico_City",
    "Nueva Rosita": "America/Monterrey",
    "El Carmen": "America/Monterrey",
}
ZONE_SOURCE = "time zone: IANA tz database (zone.tab), by the point's city"

KINDS = {
    "land port": ReceptionPoint.Kind.LAND_PORT,
    "airport": ReceptionPoint.Kind.AIRPORT,
    "reception centre": ReceptionPoint.Kind.INLAND_CENTRE,
}
RECEIVER_WORDS = {
    ReceptionPoint.Receiver.INM: "INM",
    ReceptionPoint.Receiver.DIF: "DIF",
    ReceptionPoint.Receiver.MTA: "México te abraza",
    ReceptionPoint.Receiver.CAIM: "CAIM",
}
HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})\b")


def _kind(text: str) -> str:
    return next(kind for prefix, kind in KINDS.items() if text.startswith(prefix))


def _designation(text: str) -> str:
    if text.startswith("yes (inferred"):
        return ReceptionPoint.Designation.INFERRED
    if text.startswith("yes"):
        return ReceptionPoint.Designation.YES
    if text.startswith("no"):
        return ReceptionPoint.Designation.NO
    return ""


def _status(row: dict) -> str:
    """The status as a word of the list; empty when the file does not say (e.g. "status not found")."""
    text = row["status"].strip().lower()
    if "not a designated point" in row["notes"]:
        return ReceptionPoint.Status.NOT_DESIGNATED
    if text.startswith("reduced"):
        return ReceptionPoint.Status.REDUCED
    if text.startswith(("closed", "closing")):
        return ReceptionPoint.Status.CLOSED
    if "active" in text:
        return ReceptionPoint.Status.ACTIVE
    return ""


def _hours(text: str) -> tuple[dt.time | None, dt.time | None]:
    match = HOURS.match(text.strip())
    if not match:
        return None, None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return dt.time(h1, m1), dt.time(h2, m2)


def point_values(row: dict) -> dict:
    status = _status(row)
    hours_from, hours_to = _hours(row["agreed_hours"])
    zone = CITY_ZONES.get(row["city"], "")
    return {
        "kind": _kind(row["kind"]),
        "mx_city": row["city"],
        "mx_state": row["mx_state"],
        "us_counterpart": row["us_counterpart"],
        "designated_2016": _designation(row["designated_2016_alr"]),
        "designation_text": row["designated_2016_alr"],
        "receivers": [code for code, word in RECEIVER_WORDS.items() if word in row["receives"]],
        "receives": row["receives"],
        "agreed_hours": row["agreed_hours"],
        "hours_from": hours_from,
        "hours_to": hours_to,
        "status": status,
        "status_text": row["status"],
        "status_date": row["status_date"],
        "timezone": zone,
        "offered": status not in ReceptionPoint.NOT_OFFERABLE,
        "basis": row["basis"],
        "notes": row["notes"],
        "source": "\n".join(filter(None, [row["source"], ZONE_SOURCE if zone else ""])),
    }


def reception_points_load(data_dir: Path, report, upsert) -> None:
    with (data_dir / FILE).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    listed = set()
    for row in rows:
        name = row["name"]
        listed.add(name)
        former = FORMER_NAMES.get(name)
        lookup = {"name": name}
        values = point_values(row)
        if former and not ReceptionPoint.objects.filter(name=name).exists():
            old = ReceptionPoint.objects.filter(name=former).first()
            if old is not None:
                listed.add(former)
                lookup = {"name": former}
                if not old.curated:
                    values["name"] = name
        upsert(ReceptionPoint, report, lookup, values)
    # Points of the earlier data the file no longer lists: kept for history, no longer offered.
    gone = ReceptionPoint.objects.exclude(name__in=listed).filter(curated=False, offered=True)
    withdrawn = gone.update(offered=False)
    if withdrawn:
        report.updated["receptionpoint"] += withdrawn
