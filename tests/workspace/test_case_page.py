"""The staff case page (``/case/<pk>/``): who sees it, what it logs, and its quick actions, each written
through its service and shown on the timeline, with and without the page's script (JSON or a redirect)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.models import AccessLog, CaseEvent, Hearing, Task
from cases.models.case import Status
from cases.models.work import EventKind
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]
JSON = {"HTTP_ACCEPT": "application/json"}


def page_url(case) -> str:
    return reverse("workspace:case", args=[case.pk])


def signed_in(client, user):
    login_verified(client, user)
    return client


# --- Who sees the page -----------------------------------------------------------------------------

# role -> (status of the Dallas case's page, quick forms shown)
MATRIX = {
    "officer_a": (200, True),
    "supervisor_a": (200, True),
    "administrator": (200, True),
    "manager": (200, False),  # reads every consulate's cases, changes none
    "officer_b": (404, False),  # another consulate's case: not told it exists
    "auditor": (403, False),  # the audit pages only, no case data
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_the_page_by_role(client, world, role):
    status, forms = MATRIX[role]
    response = signed_in(client, getattr(world, role)).get(page_url(world.case_a))
    assert response.status_code == status
    if status != 200:
        assert world.person_a.full_name not in response.content.decode()
        return
    html = response.content.decode()
    assert INVALID_MARKER not in html
    assert world.case_a.reference in html
    assert world.person_a.full_name in html
    assert ('id="note-form"' in html) is forms
    assert ('id="task-form"' in html) is forms
    assert ('id="hearing-form"' in html) is forms
    assert (f'id="task-{world.task_a.pk}-form"' in html) is forms
    assert reverse("admin:cases_case_change", args=[world.case_a.pk]) in html  # the full record


@pytest.mark.parametrize("who", ["partner", "inactive", "anonymous"])
def test_the_page_is_refused_outside_the_staff(client, world, who):
    if who != "anonymous":
        signed_in(client, getattr(world, who))
    response = client.get(page_url(world.case_a))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_each_view_is_one_access_log_row_and_a_quick_action_none(client, world):
    signed_in(client, world.officer_a)
    rows = AccessLog.objects.filter(case_id=world.case_a.pk, action="view")
    before = rows.count()
    client.get(page_url(world.case_a))
    assert rows.count() == before + 1
    row = rows.latest("pk")
    assert (row.user_id, row.person_id, row.what) == (
        world.officer_a.pk,
        world.person_a.pk,
        "workspace: case",
    )
    # The parts re-rendered after the user's own write are not a new read (see workspace.case_views).
    client.post(reverse("workspace:case_note", args=[world.case_a.pk]), note("Llamada"), **JSON)
    assert rows.count() == before + 1
    signed_in(client, world.officer_b).get(page_url(world.case_a))  # 404: nothing read, nothing logged
    assert rows.count() == before + 1


def test_the_header_tells_the_case_at_a_glance(client, world):
    case = world.case_a
    notified = timezone.now() - dt.timedelta(hours=60)
    services.case_update(
        actor=world.officer_a,
        case=case,
        facility=_facility(case),
        detained_since=timezone.localdate(),
        consulate_notified_at=notified,
        notified_by="ice",
        arrested_at=notified - dt.timedelta(hours=5),
    )
    html = signed_in(client, world.officer_a).get(page_url(case)).content.decode()
    start = html.index('id="case-header"')
    header = html[start : html.index("</header>", start)]
    assert _facility(case).name in header
    assert "ws-badge-alert" in header
    assert "ws-fact-alert" in header
    assert "Dallas" in header  # the next hearing's place
    for action in ("close", "transfer", "refer"):  # offered by the policy to the case's officer
        assert f"ws-action-{action}" in header


def _facility(case):
    from consulates.models import DetentionFacility

    return (
        DetentionFacility.objects.filter(county__consulate=case.consulate_id, active=True)
        .order_by("pk")
        .first()
    )


# --- Quick actions ---------------------------------------------------------------------------------


def note(text: str, kind: str = EventKind.NOTE, **extra) -> dict:
    return {"note-kind": kind, "note-text": text, "note-occurred_at": "", **extra}


def test_a_call_logged_without_script_redirects_back_with_a_message(client, world):
    signed_in(client, world.officer_a)
    url = reverse("workspace:case_note", args=[world.case_a.pk])
    response = client.post(url, note("Llamé a la familia", EventKind.CALL, show="contact"))
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(world.case_a)}?show=contact#timeline"
    event = world.case_a.events.latest("pk")
    assert (event.kind, event.text, event.actor_id) == (
        EventKind.CALL,
        "Llamé a la familia",
        world.officer_a.pk,
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Llamé a la familia" in html
    assert [str(m) for m in page.context["messages"]]  # the confirmation
    assert world.officer_a.get_full_name() in html  # the actor by name


def test_a_note_logged_with_the_script_answers_with_the_changed_parts(client, world):
    signed_in(client, world.officer_a)
    url = reverse("workspace:case_note", args=[world.case_a.pk])
    response = client.post(url, note("Visita al centro", EventKind.VISIT), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert set(body["parts"]) == {"timeline", "log"}  # the header did not change
    assert "Visita al centro" in body["parts"]["timeline"]
    assert "Visita al centro" not in body["parts"]["log"]  # an empty form for the next entry
    assert body["message"]


def test_the_first_work_on_an_open_case_renders_its_header_again(client, world):
    case = make_case(world.officer_a, person=world.person_a)
    assert case.status == Status.OPEN
    signed_in(client, world.officer_a)
    response = client.post(reverse("workspace:case_note", args=[case.pk]), note("Primera llamada"), **JSON)
    header = response.json()["parts"]["case-header"]
    with translation.override("es"):
        assert f'ws-status-{Status.IN_PROGRESS}">{Status.IN_PROGRESS.label}<' in header


@pytest.mark.parametrize("accept", [{}, JSON])
def test_an_empty_note_is_a_field_error_and_saves_nothing(client, world, accept):
    signed_in(client, world.officer_a)
    events = world.case_a.events.count()
    response = client.post(
        reverse("workspace:case_note", args=[world.case_a.pk]), note("  ", EventKind.CALL), **accept
    )
    assert response.status_code == 400
    html = response.json()["forms"]["note"] if accept else response.content.decode()
    assert 'id="note-errors"' in html
    assert 'role="alert"' in html
    assert 'id="id_note-text-error"' in html
    assert 'aria-invalid="true"' in html
    with translation.override("es"):
        assert "Escriba qué ocurrió." in html
    assert re.search(r'<input[^>]*value="call"[^>]*checked', html)  # the kind chosen is kept
    assert world.case_a.events.count() == events


def test_a_hearing_is_scheduled_and_rescheduled(client, world):
    signed_in(client, world.officer_a)
    url = reverse("workspace:case_hearing_add", args=[world.case_a.pk])
    data = {
        "hearing-kind": "bond",
        "hearing-starts_at": "2027-02-03T09:30",
        "hearing-location": "Corte de Dallas, sala 4",
        "hearing-notes": "",
    }
    response = client.post(url, data, **JSON)
    assert response.status_code == 200, response.content
    hearing = Hearing.objects.get(case=world.case_a, location="Corte de Dallas, sala 4")
    local = timezone.localtime(hearing.starts_at, dt.timezone(dt.timedelta(hours=-6)))
    assert (local.hour, local.minute) == (9, 30)  # in Dallas' time (Central, standard time in February)
    assert "Corte de Dallas, sala 4" in response.json()["parts"]["hearings"]
    assert "Corte de Dallas, sala 4" in response.json()["parts"]["timeline"]

    token = services.hearing_state(hearing)
    edit = reverse("workspace:case_hearing_edit", args=[world.case_a.pk, hearing.pk])
    key = f"hearing-{hearing.pk}"
    moved = {
        f"{key}-kind": "bond",
        f"{key}-starts_at": "2027-02-04T11:00",
        f"{key}-location": "Corte de Dallas, sala 4",
        f"{key}-notes": "",
        f"{key}-seen": token,
    }
    response = client.post(edit, moved)
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert timezone.localtime(hearing.starts_at, dt.timezone(dt.timedelta(hours=-6))).day == 4

    # Someone else moved it meanwhile: the page's reschedule (with the old token) is refused, nothing
    # is written, and what was typed is kept.
    stale = {**moved, f"{key}-starts_at": "2027-02-05T08:00", f"{key}-location": "Sala 9"}
    response = client.post(edit, stale, **JSON)
    assert response.status_code == 400
    html = response.json()["forms"][key]
    assert 'value="Sala 9"' in html
    assert 'role="alert"' in html
    hearing.refresh_from_db()
    assert hearing.location == "Corte de Dallas, sala 4"
    # The form now knows the hearing as it stands: saving again (having seen it) replaces it.
    assert "Corte de Dallas, sala 4" in html  # what it is now is said
    assert f'value="{services.hearing_state(hearing)}"' in html
    response = client.post(edit, {**stale, f"{key}-seen": services.hearing_state(hearing)}, **JSON)
    assert response.status_code == 200
    hearing.refresh_from_db()
    assert hearing.location == "Sala 9"


def test_a_hearing_without_a_place_is_refused(client, world):
    signed_in(client, world.officer_a)
    count = Hearing.objects.count()
    data = {"hearing-kind": "bond", "hearing-starts_at": "2027-02-03T09:30", "hearing-location": ""}
    response = client.post(reverse("workspace:case_hearing_add", args=[world.case_a.pk]), data)
    assert response.status_code == 400
    assert 'id="id_hearing-location-error"' in response.content.decode()
    assert Hearing.objects.count() == count


def test_a_task_is_added_and_done_in_place(client, world):
    signed_in(client, world.officer_a)
    data = {
        "task-title": "Pedir el expediente",
        "task-due_date": "2027-01-10",
        "task-assignee": world.officer_a.pk,
    }
    response = client.post(reverse("workspace:case_task_add", args=[world.case_a.pk]), data, **JSON)
    assert response.status_code == 200
    task = Task.objects.get(case=world.case_a, title="Pedir el expediente")
    assert (task.due_date, task.assignee_id) == (dt.date(2027, 1, 10), world.officer_a.pk)
    assert "Pedir el expediente" in response.json()["parts"]["tasks"]

    done = reverse("workspace:case_task_done", args=[world.case_a.pk, task.pk])
    response = client.post(done, **JSON)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.done
    assert task.completed_by_id == world.officer_a.pk
    assert f'id="task-{task.pk}"' not in response.json()["parts"]["tasks"]
    assert world.case_a.events.filter(kind=EventKind.TASK_COMPLETED, payload__task_id=task.pk).exists()
    response = client.post(done)  # twice: the service says it is already done
    assert response.status_code == 400


def test_a_task_without_a_title_is_refused(client, world):
    signed_in(client, world.officer_a)
    count = Task.objects.count()
    response = client.post(
        reverse("workspace:case_task_add", args=[world.case_a.pk]), {"task-title": ""}, **JSON
    )
    assert response.status_code == 400
    assert 'id="id_task-title-error"' in response.json()["forms"]["task"]
    assert Task.objects.count() == count


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("officer_b", 404), ("auditor", 403)])
def test_a_quick_action_of_who_may_not_work_the_case_writes_nothing(client, world, role, status):
    signed_in(client, getattr(world, role))
    events = CaseEvent.objects.count()
    response = client.post(reverse("workspace:case_note", args=[world.case_a.pk]), note("No"))
    assert response.status_code == status
    assert CaseEvent.objects.count() == events


def test_a_closed_case_offers_no_quick_action_and_refuses_one(client, world):
    case = services.case_close_request(actor=world.officer_a, case=world.case_a, outcome="released")
    assert case.status == Status.CLOSED
    signed_in(client, world.officer_a)
    html = client.get(page_url(case)).content.decode()
    assert 'id="note-form"' not in html
    assert 'id="task-form"' not in html
    assert "ws-action-reopen" in html  # what the policy still allows
    events = case.events.count()
    response = client.post(reverse("workspace:case_note", args=[case.pk]), note("Tarde"))
    assert response.status_code == 400
    assert case.events.count() == events


# --- The timeline ------------------------------------------------------------------------------------


def test_the_timeline_reads_as_words_and_filters_by_kind(client, world):
    case = world.case_a
    services.case_note_add(actor=world.officer_a, case=case, kind=EventKind.CALL, text="Una llamada")
    services.case_note_add(actor=world.officer_a, case=case, kind=EventKind.NOTE, text="Una nota")
    signed_in(client, world.officer_a)
    with translation.override("es"):
        html = client.get(page_url(case)).content.decode()
        # The case moved from open to in progress with its first work: said with the statuses' labels.
        assert f"{Status.OPEN.label}: " not in html
        assert f'{Status.OPEN.label} <span aria-hidden="true">→</span>' in html
        assert str(Status.IN_PROGRESS.label) in html
        assert "diciembre" in html or "de 20" in html  # dates in words
    assert html.index("Una nota") < html.index("Una llamada")  # newest first
    calls = client.get(page_url(case), {"show": "contact"}).content.decode()
    assert "Una llamada" in calls
    assert "Una nota" not in calls
    assert 'aria-current="page"' in calls


def test_the_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = world.case_a
    signed_in(client, world.officer_a)
    client.get(page_url(case))

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(case)).status_code == 200
        return len(captured)

    def work(i: int) -> None:
        services.case_note_add(actor=world.officer_a, case=case, kind=EventKind.CALL, text=f"Llamada {i}")
        services.task_add(actor=world.officer_a, case=case, title=f"Tarea {i}", assignee=world.supervisor_a)
        services.hearing_schedule(
            actor=world.officer_a,
            case=case,
            kind="bond",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            location=f"Sala {i}",
        )
        services.case_assign(
            actor=world.officer_a, case=case, assignee=world.supervisor_a if i % 2 else world.officer_a
        )

    work(0)  # one of each kind: the names an assignment needs are read once for all of them
    few = measure()
    for i in range(1, 13):
        work(i)
    assert measure() == few
    with django_assert_max_num_queries(few):
        client.get(page_url(case))


# --- Links to the page -------------------------------------------------------------------------------


def test_the_workspace_and_the_admin_page_link_to_the_case_page(client, world):
    services.case_assign(actor=world.officer_a, case=world.case_a, assignee=world.officer_a)  # "my cases"
    signed_in(client, world.officer_a)
    home = client.get(reverse("workspace:home")).content.decode()
    assert page_url(world.case_a) in home
    assert reverse("admin:cases_case_change", args=[world.case_a.pk]) not in home
    search = client.get(reverse("workspace:search"), {"q": world.case_a.reference}).content.decode()
    assert page_url(world.case_a) in search
    admin_page = client.get(reverse("admin:cases_case_change", args=[world.case_a.pk])).content.decode()
    assert f'href="{page_url(world.case_a)}"' in admin_page


def test_the_removal_plan_and_its_warnings_are_on_the_page(client, world):
    """Issue 20: the removal in words on the point's clock, with its mode; a warning about a vulnerable
    person's removal, and once seen, who saw it and why the removal goes ahead."""
    from consulates.models import ReceptionPoint

    type(world.person_a).objects.filter(pk=world.person_a.pk).update(is_unaccompanied_minor=True)
    case = services.case_update(
        actor=world.officer_a,
        case=world.case_a,
        expected_removal_date=dt.date(2031, 3, 12),
        expected_removal_time=dt.time(9, 30),
        reception_point=ReceptionPoint.objects.get(name="Ojinaga"),
        removal_mode="on_foot",
    )
    with translation.override("es"):
        html = (
            signed_in(client, world.officer_a).get(page_url(case), HTTP_ACCEPT_LANGUAGE="es").content.decode()
        )
    assert INVALID_MARKER not in html
    assert "12 de marzo de 2031 a las 09:30, hora de Ojinaga · A pie por un puerto fronterizo" in html
    assert "el DIF reciba a niñas, niños y adolescentes en Ojinaga" in html
    assert "vista por" not in html
    services.removal_warnings_acknowledge(
        actor=world.officer_a, case=case, reason="Su tío lo recibe en Ojinaga."
    )
    html = client.get(page_url(case), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "vista por" in html
    assert "Su tío lo recibe en Ojinaga." in html
