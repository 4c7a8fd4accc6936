"""Reception points as the sources give them now (issue 20, error 5): consulates/data/
repatriation_points.csv loaded by ``network_load`` with its sources, the earlier points brought in line
or kept for history, and points closed or no longer designated not offered."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from consulates.models import ReceptionPoint
from consulates.reception_loading import FORMER_NAMES
from consulates.services import DATA_DIR, mark_curated, network_load

pytestmark = pytest.mark.django_db

P = ReceptionPoint
ROWS = list(csv.DictReader((DATA_DIR / "repatriation_points.csv").open(encoding="utf-8")))


def point(city: str) -> ReceptionPoint:
    return P.objects.get(mx_city=city)


def test_every_row_of_the_file_is_loaded_with_its_sources_basis_and_notes():
    assert len(ROWS) == 19
    loaded = {p.name: p for p in P.objects.all()}
    assert set(loaded) == {row["name"] for row in ROWS}
    for row in ROWS:
        p = loaded[row["name"]]
        assert row["source"] in p.source
        assert (p.basis, p.notes, p.mx_state, p.us_counterpart) == (
            row["basis"], row["notes"], row["mx_state"], row["us_counterpart"]
        )  # fmt: skip
        # the words of the file, as written
        assert (p.designation_text, p.receives, p.agreed_hours, p.status_text, p.status_date) == (
            row["designated_2016_alr"], row["receives"], row["agreed_hours"], row["status"], row["status_date"]
        )  # fmt: skip
        p.full_clean()  # an administrator can save every loaded point's page as it is


def test_kinds_designation_and_receivers():
    kinds = dict(P.objects.values_list("mx_city", "kind"))
    assert kinds["Tapachula"] == kinds["Villahermosa"] == kinds["Ciudad de México"] == P.Kind.AIRPORT
    assert kinds["Nueva Rosita"] == kinds["El Carmen"] == P.Kind.INLAND_CENTRE
    assert kinds["Ojinaga"] == kinds["Reynosa"] == P.Kind.LAND_PORT
    designated = dict(P.objects.values_list("mx_city", "designated_2016"))
    assert designated["Ciudad de México"] == P.Designation.YES  # the 12th point of the 2016 communiqué
    assert designated["Nuevo Laredo"] == P.Designation.INFERRED
    assert designated["Tapachula"] == P.Designation.NO  # a 2025 measure
    assert P.objects.filter(designated_2016=P.Designation.INFERRED).count() == 11
    assert point("Ciudad Juárez").receivers == ["inm", "dif", "mta", "caim"]
    assert point("Ojinaga").receivers == ["inm"]
    assert point("Piedras Negras").receivers == ["inm", "dif"]
    assert P.objects.get(name__startswith="Puerto Palomas").receivers == []  # the file names none


def test_hours_structured_only_where_the_source_gives_them():
    with_hours = P.objects.exclude(hours_from=None)
    assert set(with_hours.values_list("mx_city", flat=True)) == {"Nuevo Laredo", "Reynosa", "Matamoros"}
    assert {(p.hours_from, p.hours_to) for p in with_hours} == {(dt.time(8), dt.time(22))}
    assert point("Reynosa").agreed_hours == "08:00-22:00 (Tamaulipas, 2020)"
    assert P.objects.filter(agreed_hours="", hours_from=None).count() == 16


def test_status_with_its_date_as_sourced():
    status = {p.mx_city: (p.status, p.status_date) for p in P.objects.all()}
    assert status["Ciudad Juárez"] == (P.Status.REDUCED, "2025-12-04")
    assert status["Reynosa"] == (P.Status.REDUCED, "2026-01-22")
    assert status["Tapachula"] == (P.Status.ACTIVE, "2026-01-04")
    assert status["Mexicali"] == (P.Status.ACTIVE, "2025-08 (reported 2025-12-04)")
    assert status["Nueva Rosita"] == (P.Status.CLOSED, "reported 2025-12-04")
    assert status["Ojinaga"] == (P.Status.ACTIVE, "")  # the file gives no date: none
    assert status["El Carmen"] == ("", "2025-01")  # "status not found": not guessed
    not_designated = P.objects.filter(status=P.Status.NOT_DESIGNATED)
    assert sorted(not_designated.values_list("name", flat=True)) == [
        "Miguel Alemán / Camargo",
        "Puerto Palomas / Zaragoza / Porfirio Parra",
    ]


def test_each_point_in_its_own_zone():
    zones = dict(P.objects.values_list("mx_city", "timezone"))
    assert zones["Tapachula"] == zones["Villahermosa"] == "America/Mexico_City"
    assert zones["Ciudad Juárez"] == "America/Ciudad_Juarez"
    assert zones["Ojinaga"] == "America/Ojinaga"
    assert zones["Tijuana"] == zones["Mexicali"] == "America/Tijuana"
    assert zones["Nogales"] == zones["San Luis Río Colorado"] == "America/Hermosillo"
    for city in ("Matamoros", "Reynosa", "Nuevo Laredo", "Piedras Negras", "Ciudad Acuña"):
        assert zones[city] == "America/Matamoros"
    # a row naming towns in different zones gets none (the consulate's is used)
    assert P.objects.get(name__startswith="Puerto Palomas").timezone == ""
    for zone in set(zones.values()) - {""}:
        assert zone in zoneinfo.available_timezones()


def test_closed_and_not_designated_points_are_not_offered():
    assert set(P.objects.filter(offered=False).values_list("mx_city", flat=True)) == {
        "Nueva Rosita",
        "Puerto Palomas; Ciudad Juárez (Zaragoza); Porfirio Parra",
        "Miguel Alemán; Camargo",
    }
    assert P.objects.offered().filter(mx_city="Ciudad Juárez").exists()  # reduced, still receiving


def test_points_of_the_earlier_data_are_brought_in_line_or_kept_not_offered():
    """The earlier loader's points (names "Reynosa, Tamaulipas"...) become the file's rows, with the
    cases that name them; one the file does not list stays, no longer offered; a staff point stays."""
    reynosa = point("Reynosa")
    P.objects.filter(pk=reynosa.pk).update(
        name=FORMER_NAMES[reynosa.name], kind=P.Kind.LAND_PORT, timezone="", receivers=["inm"], status=""
    )
    old_only = P.objects.create(
        name="Sásabe, Sonora", kind=P.Kind.LAND_PORT, mx_city="Sásabe", mx_state="Sonora"
    )
    staff = P.objects.create(name="Punto del personal", kind=P.Kind.LAND_PORT, mx_city="X", mx_state="Y")
    mark_curated(staff)
    staff.save()

    report = network_load()

    reynosa.refresh_from_db()
    assert (reynosa.name, reynosa.timezone, reynosa.status) == (
        "Reynosa (Puente Reynosa-Hidalgo)",
        "America/Matamoros",
        P.Status.REDUCED,
    )
    assert P.objects.filter(mx_city="Reynosa").count() == 1
    old_only.refresh_from_db()
    staff.refresh_from_db()
    assert (old_only.offered, staff.offered) == (False, True)
    assert report.created["receptionpoint"] == 0
    assert network_load().lines() == []  # and again: nothing to do


def test_a_staff_edit_of_a_point_is_kept():
    tapachula = point("Tapachula")
    tapachula.status, tapachula.offered, tapachula.status_text = P.Status.CLOSED, False, "cerrado por obras"
    mark_curated(tapachula)
    tapachula.save()

    report = network_load()

    tapachula.refresh_from_db()
    assert (tapachula.status, tapachula.offered, tapachula.status_text) == (
        P.Status.CLOSED,
        False,
        "cerrado por obras",
    )
    assert report.kept_staff_edits["receptionpoint"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "closed", "offered": True}, "offered"),
        ({"status": "not_designated", "offered": True}, "offered"),
        ({"timezone": "Mexico/Tapachula"}, "timezone"),
        ({"hours_from": dt.time(8), "hours_to": None}, "hours_to"),
    ],
)
def test_a_point_that_cannot_be_saved(changes, field):
    p = point("Tapachula")
    for name, value in changes.items():
        setattr(p, name, value)
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert set(exc.value.message_dict) == {field}
