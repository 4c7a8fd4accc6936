"""Reception points in the staff UI (issue 20): their page shows and edits the sourced facts, the case
page offers only points that receive people (and the case's own), and the hand-off's deadline is shown
in the reception point's zone, named, where its clock differs from the consulate's."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from cases import services
from cases.models import Case
from consulates.models import ReceptionPoint
from consulates.services import network_load
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER, inline_management
from tests.factories import administrator, officer

pytestmark = pytest.mark.django_db

REMOVAL = dt.date(2027, 7, 10)  # summer: Dallas is UTC-5, Tapachula UTC-6


def _point(city: str) -> ReceptionPoint:
    return ReceptionPoint.objects.get(mx_city=city)


def _case_post(case: Case, **overrides) -> dict:
    case = Case.objects.get(pk=case.pk)
    return {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "summary": case.summary,
        "facility": case.facility_id or "",
        "expected_removal_date": case.expected_removal_date or "",
        "reception_point": case.reception_point_id or "",
        "expected_version": case.version,
        "note_kind": "note",
        "note_text": "",
        **inline_management("hearings"),
        **inline_management("tasks"),
        **inline_management("belongings"),
        **inline_management("documents"),
        **overrides,
    }


def test_case_page_offers_points_that_receive_and_keeps_the_cases_own(client, world, strict_templates):
    case = world.case_a
    piedras_negras = _point("Piedras Negras")
    services.case_update(actor=world.officer_a, case=case, reception_point=piedras_negras)
    ReceptionPoint.objects.filter(pk=piedras_negras.pk).update(offered=False, status="closed")
    login_verified(client, world.officer_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url)
    assert INVALID_MARKER not in page.content.decode()
    choices = {pk for pk, _label in page.context["adminform"].form.fields["reception_point"].choices if pk}
    offered = set(ReceptionPoint.objects.offered().values_list("pk", flat=True))
    assert {int(str(pk)) for pk in choices} == offered | {piedras_negras.pk}
    assert _point("Nueva Rosita").pk not in offered  # closed

    # the page saves with its own point kept
    response = client.post(url, _case_post(case, summary="Sigue detenido"))
    assert response.status_code == 302
    # a closed point the case does not already name is refused on its field; nothing is written
    response = client.post(url, _case_post(case, reception_point=_point("Nueva Rosita").pk))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["reception_point"]
    assert Case.objects.get(pk=case.pk).reception_point_id == piedras_negras.pk


@pytest.mark.parametrize(("city", "named"), [("Tapachula", True), ("Nuevo Laredo", False)])
def test_the_deadline_is_shown_in_the_points_zone_where_its_clock_differs(client, world, city, named):
    case = services.case_update(
        actor=world.officer_a, case=world.case_a, expected_removal_date=REMOVAL, reception_point=_point(city)
    )
    handoff = services.handoff_prepare(actor=world.officer_a, case=case)
    login_verified(client, world.officer_a)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    shown = page.context["repatriation"]["due_at_point"]
    if not named:
        assert shown == ""
        return
    at_point = handoff.confirmation_due_at().astimezone(zoneinfo.ZoneInfo("America/Mexico_City"))
    assert at_point.hour == 0  # midnight in Tapachula, one in the morning in Dallas
    with translation.override("es"):
        expected = f"{date_format(at_point, 'DATETIME_FORMAT')}, hora de Tapachula"
    assert shown == expected
    assert expected in page.content.decode()


def _point_post(point: ReceptionPoint, **changes) -> dict:
    fields = [
        "name", "kind", "mx_city", "mx_state", "us_counterpart", "timezone", "designated_2016",
        "designation_text", "status", "status_date", "status_text", "offered", "receives", "agreed_hours",
        "hours_from", "hours_to", "basis", "notes", "source",
    ]  # fmt: skip
    data = {k: ("" if v is None else v) for k, v in model_to_dict(point, fields=fields).items()}
    data["receivers"] = point.receivers
    if not data["offered"]:
        del data["offered"]
    data.update(changes)
    return data


def test_a_reception_points_page_shows_and_edits_the_sourced_facts(client):
    tapachula = _point("Tapachula")
    url = reverse("admin:consulates_receptionpoint_change", args=[tapachula.pk])
    login_verified(client, officer("dallas"))
    page = client.get(url).content.decode()
    for text in ("Aeropuerto", "America/Mexico_City", "2026-01-04", "Harlingen"):
        assert text in page
    login_verified(client, administrator())
    # closed and still offered: refused on the field, nothing written
    response = client.post(url, _point_post(tapachula, status="closed"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["offered"]
    response = client.post(
        url,
        _point_post(tapachula, status="closed", status_date="2027-01", receivers=["inm", "dif"], offered=""),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = ReceptionPoint.objects.get(pk=tapachula.pk)
    assert (stored.status, stored.offered, stored.receivers, stored.curated) == (
        "closed",
        False,
        ["inm", "dif"],
        True,
    )
    network_load()  # the staff's word stays
    assert ReceptionPoint.objects.get(pk=tapachula.pk).status_date == "2027-01"


@pytest.mark.parametrize(
    ("flags", "city", "expected"),
    [
        ({"is_unaccompanied_minor": True}, "Ojinaga", ["DIF"]),  # INM only: no DIF listed
        ({"is_minor": True}, "Ojinaga", []),  # a child travelling with family: DIF is for those alone
        ({"is_unaccompanied_minor": True}, "Nuevo Laredo", []),  # DIF CAMEF at the bridge
        ({"is_older_adult": True}, "Tapachula", ["2016"]),  # a 2025 airport, outside the arrangements
        ({"has_serious_medical_condition": True}, "Ciudad Acuña", []),
        ({}, "Ojinaga", []),
    ],
)
def test_the_handoff_form_warns_about_a_vulnerable_person_sent_to_a_point_not_designated_for_them(
    client, world, strict_templates, flags, city, expected
):
    type(world.person_a).objects.filter(pk=world.person_a.pk).update(**flags)
    case = services.case_update(
        actor=world.officer_a, case=world.case_a, expected_removal_date=REMOVAL, reception_point=_point(city)
    )
    login_verified(client, world.officer_a)
    url = reverse("admin:cases_case_handoff", args=[case.pk])
    page = client.get(url)
    warnings = page.context["warnings"]
    assert len(warnings) == len(expected)
    for warning, word in zip(warnings, expected, strict=True):
        assert city in warning.text
        assert word in warning.text
        assert warning.text in page.content.decode()
    # a warning only: the hand-off is prepared
    post = {"minors_travelling": "0", "destination": "Tlaxiaco, Oaxaca"}
    assert client.post(url, post).status_code == 302
    assert case.__class__.objects.get(pk=case.pk).handoff.reception_point == _point(city)
