"""Art. 36 as it works for Mexico (cases/services/cases.py, cases/models/case.py): the arresting agency, the
person advised of the right, the person's choice on notification (asked for, declined, not known), and an
express opposition to consular action (36(1)(c)). The 48-hour contact flag is the network's internal
target and never fires for a national who declined notification or opposes consular action."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CaseEvent, Reminder
from cases.models.work import EventKind
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified
from tests.cases.admin.helpers import inline_management

pytestmark = pytest.mark.django_db

OWN_DISTRICT = "Prairieland Detention Center"  # Johnson County, in the Dallas district


@pytest.fixture
def officer():
    return f.officer("dallas")


def _detained(officer, **overrides) -> Case:
    """In custody; arrested four days ago, the consulate notified three days ago, no contact yet."""
    now = timezone.now().replace(microsecond=0)
    values = {
        "facility": DetentionFacility.objects.get(name=OWN_DISTRICT),
        "detained_since": (now - dt.timedelta(days=4)).date(),
        "arrested_at": now - dt.timedelta(days=4),
        "consulate_notified_at": now - dt.timedelta(days=3),
        "notified_by": "facility",
    }
    values.update(overrides)
    return f.make_case(officer, **values)


def _errors(call, language: str = "es") -> dict[str, list[str]]:
    with translation.override(language), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- recording -------------------------------------------------------------------------------------------


def test_the_art36_record_is_kept_on_open_and_update(officer):
    now = timezone.now().replace(microsecond=0)
    arrested = now - dt.timedelta(days=2)
    case = f.make_case(
        officer,
        arrested_at=arrested,
        arresting_agency="sheriff_287g",
        advised_at=arrested + dt.timedelta(hours=2),
        notification_request="requested",
        notification_request_at=arrested + dt.timedelta(hours=3),
    )
    case.refresh_from_db()
    assert (case.arresting_agency, case.notification_request) == ("sheriff_287g", "requested")
    assert case.advice_delay == dt.timedelta(hours=2)
    assert case.opposes_consular_action is False
    assert case.opposition_recorded_at is None

    case = services.case_update(
        actor=officer, case=case, opposes_consular_action=True, opposition_note="Lo dijo en la visita"
    )
    case.refresh_from_db()
    assert case.opposes_consular_action
    assert case.opposition_recorded_at is not None
    event = CaseEvent.objects.filter(case=case, kind=EventKind.ART36).latest("pk")
    assert set(event.payload["changes"]) == {"opposes_consular_action", "opposition_note"}

    case = services.case_update(actor=officer, case=case, opposes_consular_action=False, opposition_note="")
    case.refresh_from_db()
    assert case.opposition_recorded_at is None  # withdrawn; the history keeps when it was recorded
    history = apps.get_model("cases", "CaseHistory").objects.filter(pgh_obj_id=case.pk)
    assert history.filter(opposes_consular_action=True, opposition_recorded_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("changes", "field", "spanish"),
    [
        (
            {"advised_at": -2 * 24},
            "advised_at",
            "No se puede informar a la persona de su derecho antes del arresto.",
        ),
        ({"advised_at": 48}, "advised_at", "Esta fecha y hora no puede ser posterior al momento actual."),
        (
            {"notification_request": "declined", "notification_request_at": 48},
            "notification_request_at",
            "Esta fecha y hora no puede ser posterior al momento actual.",
        ),
        (
            {"notification_request_at": -24},
            "notification_request",
            "Indique si en ese momento la persona pidió que se avisara al consulado o lo rechazó.",
        ),
        (
            {"notification_request": "declined", "notified_by": "person"},
            "notification_request",
            "La persona no puede rechazar la notificación y a la vez ser quien avisó al consulado: "
            "corrija uno de los dos datos.",
        ),
        (
            {"opposition_note": "Lo dijo por teléfono"},
            "opposition_note",
            "Describa cómo lo expresó la persona solo si se opone a la acción consular.",
        ),
        ({"arresting_agency": "fbi"}, "arresting_agency", "Elija la autoridad que hizo el arresto."),
    ],
)
def test_bad_art36_input_is_a_field_error_in_spanish_and_nothing_is_written(officer, changes, field, spanish):
    case = _detained(officer)
    now = timezone.now()
    values = {
        name: now + dt.timedelta(hours=value) if name.endswith("_at") else value
        for name, value in changes.items()
    }
    if "advised_at" in changes and changes["advised_at"] < 0:
        values["advised_at"] = case.arrested_at - dt.timedelta(hours=1)
    errors = _errors(lambda: services.case_update(actor=officer, case=case, **values))
    assert errors[field] == [spanish]
    english = _errors(lambda: services.case_update(actor=officer, case=case, **values), "en")
    assert english[field]
    assert english[field] != [spanish]
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == case.version
    assert all(getattr(stored, name) == getattr(case, name) for name in values)


def test_a_case_cannot_be_opened_with_the_right_advised_before_the_arrest(officer):
    now = timezone.now()
    errors = _errors(
        lambda: f.make_case(
            officer, arrested_at=now - dt.timedelta(hours=5), advised_at=now - dt.timedelta(hours=6)
        ),
        "en",
    )
    assert errors == {"advised_at": ["The person cannot be advised of the right before the arrest."]}


# --- the 48-hour flag: the network's internal target ----------------------------------------------------------


def _flag_everywhere(case: Case) -> dict[str, bool]:
    case = Case.objects.get(pk=case.pk)
    return {
        "queryset": Case.objects.art36_contact_overdue().filter(pk=case.pk).exists(),
        "property": case.art36_contact_overdue,
        "reminder": Reminder.objects.filter(
            subject_type="case-art36", subject_id=case.pk, status="pending"
        ).exists(),
    }


FLAG_ON = {"queryset": True, "property": True, "reminder": True}
FLAG_OFF = {"queryset": False, "property": False, "reminder": False}


def test_the_flag_fires_for_a_national_who_asked_for_notification(officer):
    case = _detained(officer, notification_request="requested")
    assert _flag_everywhere(case) == FLAG_ON


def test_no_flag_for_a_national_who_declined_notification(officer):
    case = _detained(officer)
    assert _flag_everywhere(case) == FLAG_ON
    case = services.case_update(actor=officer, case=case, notification_request="declined")
    assert _flag_everywhere(case) == FLAG_OFF
    declined_at_open = _detained(officer, notification_request="declined", notified_by="family")
    assert _flag_everywhere(declined_at_open) == FLAG_OFF


def test_no_flag_for_a_national_who_opposes_consular_action(officer):
    case = _detained(officer)
    case = services.case_update(actor=officer, case=case, opposes_consular_action=True)
    assert _flag_everywhere(case) == FLAG_OFF
    case = services.case_update(actor=officer, case=case, opposes_consular_action=False)
    assert _flag_everywhere(case) == FLAG_ON


def test_the_workspace_home_and_the_list_filter_leave_out_declined_and_opposed(client, officer):
    flagged = _detained(officer)
    declined = _detained(officer, notification_request="declined", notified_by="facility")
    opposed = _detained(officer, opposes_consular_action=True)
    login_verified(client, officer)
    with translation.override("es"):
        home = client.get(reverse("workspace:home"), HTTP_ACCEPT_LANGUAGE="es")
    queue = home.context["queues"]["art36"]
    listed = {case.pk for case in queue.rows}
    assert flagged.pk in listed
    assert not listed & {declined.pk, opposed.pk}
    assert "Meta interna de la red" in home.text
    changelist = client.get(reverse("admin:cases_case_changelist"), {"flag": "art36"})
    shown = {case.pk for case in changelist.context["cl"].result_list}
    assert flagged.pk in shown
    assert not shown & {declined.pk, opposed.pk}


# --- what staff see -----------------------------------------------------------------------------------------


def test_the_case_page_shows_an_opposition_prominently_in_spanish(client, officer):
    case = _detained(officer, opposes_consular_action=True, opposition_note="Lo dijo al oficial en la visita")
    login_verified(client, officer)
    page = client.get(reverse("workspace:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    html = page.text
    assert 'id="case-opposition"' in html
    assert "se ha opuesto expresamente" in html
    assert "Lo dijo al oficial en la visita" in html
    assert "Meta interna de la red" not in html  # no 48-hour flag for an opposed national


def test_the_case_page_labels_the_flag_as_an_internal_target(client, officer):
    case = _detained(officer, arresting_agency="sheriff_287g", notification_request="requested")
    login_verified(client, officer)
    html = client.get(reverse("workspace:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Meta interna de la red" in html
    assert "no es un plazo del tratado" in html
    assert "pidió que se avisara al consulado" in html
    assert "287(g)" in html


def test_the_admin_form_records_the_art36_fields(client, officer):
    case = _detained(officer)
    login_verified(client, officer)
    page = reverse("admin:cases_case_change", args=[case.pk])
    arrested = timezone.localtime(case.arrested_at, zoneinfo.ZoneInfo("America/Chicago"))
    data = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "facility": case.facility_id,
        "detained_since": case.detained_since.isoformat(),
        "arrested_at_0": arrested.strftime("%Y-%m-%d"),
        "arrested_at_1": arrested.strftime("%H:%M:%S"),
        "consulate_notified_at_0": timezone.localtime(case.consulate_notified_at).strftime("%Y-%m-%d"),
        "consulate_notified_at_1": timezone.localtime(case.consulate_notified_at).strftime("%H:%M:%S"),
        "notified_by": "facility",
        "arresting_agency": "sheriff_287g",
        "notification_request": "declined",
        "notification_request_at_0": arrested.strftime("%Y-%m-%d"),
        "notification_request_at_1": (arrested + dt.timedelta(minutes=30)).strftime("%H:%M:%S"),
        "opposes_consular_action": "on",
        "opposition_note": "Lo dijo en la visita del martes",
        "expected_version": case.version,
        "note_kind": "note",
        "note_text": "",
        **inline_management("hearings"),
        **inline_management("tasks"),
        **inline_management("belongings"),
        **inline_management("documents"),
    }
    response = client.post(page, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Case.objects.get(pk=case.pk)
    assert (stored.arresting_agency, stored.notification_request) == ("sheriff_287g", "declined")
    assert stored.opposes_consular_action
    assert stored.opposition_recorded_at is not None
    shown = client.get(page).text
    assert "Oposición registrada el" in client.get(reverse("workspace:case", args=[case.pk])).text
    assert "sheriff" in shown
