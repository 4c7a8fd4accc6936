"""The staff UI's sensitive reads write exactly one access-log row each (person and case pages, their
lists, the hand-off sheet); a denied read writes none. The audit pages (access log, audit trail) are for
administrators and auditors, filter by person, case, user and dates, and show no personal data to
auditors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import AccessLog
from cases.models.access import AccessAction
from consulates.models import ReceptionPoint
from tests.auth import login_verified
from tests.factories import make_person

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def _get(client, url, **params):
    return client.get(url, params, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Navegador de prueba")


def _only_row() -> AccessLog:
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1, [(r.action, r.what) for r in rows]
    return rows[0]


def test_person_page_writes_one_row(client, world):
    login_verified(client, world.officer_a)
    response = _get(client, reverse("admin:cases_person_change", args=[world.person_a.pk]))
    assert response.status_code == 200
    row = _only_row()
    assert (row.user_id, row.action, row.person_id, row.case_id) == (
        world.officer_a.pk,
        AccessAction.VIEW,
        world.person_a.pk,
        None,
    )
    assert row.ip_address == ADDRESS
    assert row.user_agent == "Navegador de prueba"
    assert row.what == "admin: person"


def test_case_page_writes_one_row_with_the_case_and_its_person(client, world):
    login_verified(client, world.manager)
    response = _get(client, reverse("admin:cases_case_change", args=[world.case_b.pk]))
    assert response.status_code == 200
    row = _only_row()
    assert (row.user_id, row.action, row.case_id, row.person_id) == (
        world.manager.pk,
        AccessAction.VIEW,
        world.case_b.pk,
        world.person_b.pk,
    )
    assert row.ip_address == ADDRESS


@pytest.mark.parametrize("url_name", ["admin:cases_case_change", "admin:cases_person_change"])
def test_a_record_the_user_may_not_see_writes_nothing(client, world, url_name):
    login_verified(client, world.officer_a)
    pk = world.case_b.pk if url_name == "admin:cases_case_change" else world.person_b.pk
    response = _get(client, reverse(url_name, args=[pk]))
    assert response.status_code == 302  # "does not exist": the admin sends the user back
    assert AccessLog.objects.count() == 0


def test_auditors_do_not_open_case_pages_and_leave_no_read(client, world):
    login_verified(client, world.auditor)
    for url in (
        reverse("admin:cases_case_change", args=[world.case_a.pk]),
        reverse("admin:cases_person_change", args=[world.person_a.pk]),
        reverse("admin:cases_person_changelist"),
    ):
        assert _get(client, url).status_code == 403
    assert AccessLog.objects.count() == 0


def test_a_page_shown_again_after_a_failed_save_is_not_a_read(client, world):
    login_verified(client, world.officer_a)
    url = reverse("admin:cases_person_change", args=[world.person_a.pk])
    response = client.post(url, {"given_names": ""}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200  # shown again with errors
    assert AccessLog.objects.count() == 0


def test_lists_write_one_row_naming_the_filters_but_not_the_search(client, world):
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("admin:cases_person_changelist"),
        {"q": "Núñez", "vulnerable": "yes"},
        follow=True,
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    row = _only_row()
    assert row.action == AccessAction.LIST
    assert row.person_id is None
    assert row.what == "admin: person list ?qs&vulnerable"
    assert "Núñez" not in row.what
    # A declared filter: the list refuses any other (staffsite.admin_lookups).
    _get(client, reverse("admin:cases_case_changelist"), custody="in")
    assert (
        AccessLog.objects.filter(action=AccessAction.LIST, what="admin: case list ?custody=in").count() == 1
    )


def test_handoff_sheet_writes_one_row(client, world):
    case = services.case_update(
        actor=world.officer_a,
        case=world.case_a,
        expected_removal_date=timezone.localdate() + dt.timedelta(days=7),
        reception_point=ReceptionPoint.objects.order_by("pk").first(),
    )
    services.handoff_prepare(actor=world.officer_a, case=case)
    login_verified(client, world.officer_a)
    response = _get(client, reverse("admin:cases_case_handoff_print", args=[case.pk]))
    assert response.status_code == 200
    row = _only_row()
    assert (row.action, row.case_id, row.person_id, row.what) == (
        AccessAction.VIEW,
        case.pk,
        world.person_a.pk,
        "admin: hand-off sheet",
    )
    login_verified(client, world.officer_b)
    assert _get(client, reverse("admin:cases_case_handoff_print", args=[case.pk])).status_code == 404
    assert AccessLog.objects.count() == 1


# --- "Who looked at this record" ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"), [("administrator", True), ("officer_a", False), ("manager", False)]
)
def test_who_looked_link_on_person_and_case_pages(client, world, role, shown):
    login_verified(client, getattr(world, role))
    person_page = client.get(reverse("admin:cases_person_change", args=[world.person_a.pk])).content.decode()
    case_page = client.get(reverse("admin:cases_case_change", args=[world.case_a.pk])).content.decode()
    log = reverse("admin:cases_accesslog_changelist")
    assert (f'href="{log}?person={world.person_a.pk}"' in person_page) is shown
    assert (f'href="{log}?case={world.case_a.pk}"' in case_page) is shown


def test_the_access_log_answers_who_looked_at_a_person(client, world):
    for user in (world.officer_a, world.manager):
        login_verified(client, user)
        client.get(reverse("admin:cases_person_change", args=[world.person_a.pk]))
    login_verified(client, world.officer_b)
    client.get(reverse("admin:cases_person_change", args=[world.person_b.pk]))

    login_verified(client, world.auditor)
    response = client.get(reverse("admin:cases_accesslog_changelist"), {"person": world.person_a.pk})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert {row.user_id for row in rows} == {world.officer_a.pk, world.manager.pk}
    html = response.content.decode()
    assert world.officer_a.username in html
    assert world.manager.username in html
    # No personal data of the person on the page: names, CURP, A-number stay in the records.
    for datum in (world.person_a.given_names, world.person_a.paternal_surname, world.person_a.curp):
        assert datum not in html


def test_access_log_filters_by_case_reference_user_and_dates(client, world):
    login_verified(client, world.officer_a)
    client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    login_verified(client, world.manager)
    client.get(reverse("admin:cases_case_change", args=[world.case_b.pk]))
    login_verified(client, world.administrator)
    log = reverse("admin:cases_accesslog_changelist")

    def listed(**params):
        response = client.get(log, params)
        assert response.status_code == 200
        return {(row.user_id, row.case_id) for row in response.context["cl"].result_list if row.case_id}

    assert listed(case=world.case_a.reference) == {(world.officer_a.pk, world.case_a.pk)}
    assert listed(case=world.case_b.pk) == {(world.manager.pk, world.case_b.pk)}
    assert listed(user=world.manager.username) == {(world.manager.pk, world.case_b.pk)}
    today = timezone.localdate()
    assert len(listed(since=today.isoformat(), until=today.isoformat())) == 2
    assert listed(until=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert listed(since=(today + dt.timedelta(days=1)).isoformat()) == set()
    assert listed(case="XXX-2026-999999") == set()
    # A date that is not one: the admin's "invalid filter" answer, never a 500.
    assert client.get(log, {"since": "mañana"}).status_code in (200, 302)


@pytest.mark.parametrize("role", ["officer_a", "supervisor_a", "manager"])
def test_the_audit_pages_are_refused_to_case_staff(client, world, role):
    login_verified(client, getattr(world, role))
    assert client.get(reverse("admin:cases_accesslog_changelist")).status_code == 403
    assert client.get(reverse("admin:pghistory_middlewareevents_changelist")).status_code == 403


# --- The audit trail ----------------------------------------------------------------------------------


def test_audit_trail_by_person_shows_auditors_fields_not_values(client, world):
    services.person_update(actor=world.officer_a, person=world.person_a, phone="+1 214 555 0199")
    events = reverse("admin:pghistory_middlewareevents_changelist")

    login_verified(client, world.auditor)
    response = client.get(events, {"person": world.person_a.pk})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    assert {row.pgh_obj_model for row in rows} >= {"cases.Person", "cases.Case"}
    html = response.content.decode()
    assert "teléfono" in html.lower()  # which field changed, in the reader's language
    for datum in ("+1 214 555 0199", world.person_a.curp, world.person_a.given_names):
        assert datum not in html  # but not what it holds
    other = make_person(world.officer_b)
    assert other.pk not in {int(row.pgh_obj_id) for row in rows if row.pgh_obj_model == "cases.Person"}

    login_verified(client, world.administrator)
    html = client.get(events, {"person": world.person_a.pk}).content.decode()
    assert "+1 214 555 0199" in html  # administrators see the values


def test_audit_trail_by_user_and_dates(client, world):
    import pghistory

    # A write through the staff UI or the API carries its user in pghistory's context, as here.
    with pghistory.context(user=world.officer_a.pk, url="/admin/cases/case/"):
        services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    events = reverse("admin:pghistory_middlewareevents_changelist")
    login_verified(client, world.auditor)
    today = timezone.localdate().isoformat()

    def listed(**params):
        response = client.get(events, params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    mine = listed(user=world.officer_a.username, since=today, until=today)
    # The change and the timeline entry its service wrote, nothing else.
    assert sorted((row.pgh_obj_model, row.pgh_label) for row in mine) == [
        ("cases.Case", "update"),
        ("cases.CaseEvent", "insert"),
    ]
    assert world.officer_a.username in client.get(events, {"user": world.officer_a.pk}).content.decode()
    assert listed(user=world.officer_b.username) == []
    assert listed(case=world.case_a.reference, until="2000-01-01") == []
    assert len(listed(case=world.case_a.reference)) >= 2  # its insert and this update, at least


def test_the_audit_trail_of_a_record_is_titled_by_id_for_auditors(client, world):
    url = reverse("admin:pghistory_middlewareevents_changelist")
    query = {"obj": f"cases.person:{world.person_a.pk}", "method": "references"}
    login_verified(client, world.auditor)
    html = client.get(url, query).content.decode()
    assert f"cases.person:{world.person_a.pk}" in html
    assert world.person_a.given_names not in html
    assert world.person_a.paternal_surname not in html
    login_verified(client, world.administrator)
    assert world.person_a.given_names in client.get(url, query).content.decode()


def test_the_audit_trail_without_a_filter_shows_the_last_day(client, world):
    """Its cost follows the events in view, so the unfiltered page keeps to the last 24 hours and says
    so; dates (or a person, case or user) reach older events."""
    import pghistory.models as pm

    from cases.history import rewriting_history
    from cases.models import CaseHistory

    services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    old = CaseHistory.objects.filter(pgh_obj_id=world.case_a.pk).order_by("pgh_id").first()
    long_ago = timezone.now() - dt.timedelta(days=3)
    with rewriting_history():
        CaseHistory.objects.filter(pk=old.pk).update(pgh_created_at=long_ago)
    events = reverse("admin:pghistory_middlewareevents_changelist")
    login_verified(client, world.administrator)

    response = client.get(events)
    assert response.status_code == 200
    shown = {(row.pgh_model, row.pgh_id) for row in response.context["cl"].result_list}
    assert shown
    assert ("cases.CaseHistory", old.pk) not in shown
    assert "Las últimas 24 horas" in response.content.decode()
    assert all(
        row.pgh_created_at >= timezone.now() - dt.timedelta(hours=24)
        for row in response.context["cl"].result_list
    )

    day = timezone.localtime(long_ago).date()
    older = client.get(events, {"since": day.isoformat(), "until": day.isoformat()})
    assert ("cases.CaseHistory", old.pk) in {(r.pgh_model, r.pgh_id) for r in older.context["cl"].result_list}
    assert "Las últimas 24 horas" not in older.content.decode()
    assert pm.MiddlewareEvents.objects.filter(pgh_created_at__lt=long_ago + dt.timedelta(seconds=1)).exists()


def test_the_audit_trail_speaks_spanish(client, world):
    services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    login_verified(client, world.administrator)
    html = client.get(reverse("admin:pghistory_middlewareevents_changelist")).content.decode()
    for label in ("Fecha", "Qué ocurrió", "Tipo de registro", "Registro", "Quién", "Por tabla de historial"):
        assert label in html
    assert "Pgh " not in html
    assert "PGH " not in html


def test_an_event_older_than_the_default_window_still_opens(client, world):
    """The last-24-hours default is the list's, not the event page's: an older event found by dates
    opens from its link."""
    from cases.history import rewriting_history
    from cases.models import CaseHistory

    services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    old = CaseHistory.objects.filter(pgh_obj_id=world.case_a.pk).order_by("pgh_id").first()
    with rewriting_history():
        CaseHistory.objects.filter(pk=old.pk).update(pgh_created_at=timezone.now() - dt.timedelta(days=3))
    login_verified(client, world.administrator)
    page = reverse("admin:pghistory_middlewareevents_change", args=[f"cases.CaseHistory:{old.pk}"])
    response = client.get(page)
    assert response.status_code == 200
    assert response.context["original"].pgh_id == old.pk
