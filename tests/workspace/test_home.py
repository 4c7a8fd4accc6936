"""Each role's home: who lands where, the officer's queues (each count agrees with the list it links to),
the supervisor's closures and transfers decided in place, refusals shown on the row, and query counts
that do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Task, Transfer
from cases.models.case import Status
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import make_case
from tests.factories.crossoffice import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]

HOME = "/"


def signed_in(client, user):
    login_verified(client, user)
    return client


def html_of(response) -> str:
    html = response.content.decode()
    assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:160]
    return html


@pytest.mark.parametrize(
    ("role", "lands"),
    [
        ("officer_a", "queues"),
        ("supervisor_a", "supervisor"),
        ("administrator", "supervisor"),
        ("manager", "reports"),
        ("auditor", "audit"),
        ("partner", "login"),
        ("inactive", "login"),
    ],
)
def test_each_role_lands_on_its_home(client, world, role, lands):
    user = getattr(world, role)
    if role == "inactive":
        client.force_login(user)
    else:
        signed_in(client, user)
    response = client.get(HOME)
    if lands == "reports":
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:dashboard")
    elif lands == "login":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        html = html_of(response)
        assert response.status_code == 200
        assert ('id="closures"' in html) == (lands == "supervisor")
        assert ('id="my-cases"' in html) == (lands in ("queues", "supervisor"))
        assert ('id="access-title"' in html) == (lands == "audit")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_officers_queues_and_their_lists_agree(client, world):
    officer = world.officer_a
    case = make_case(officer, priority="urgent")
    services.case_assign(actor=officer, case=case, assignee=officer)
    today = timezone.localdate()
    overdue = services.task_add(actor=officer, case=case, title="Llamar al centro", assignee=officer,
                                due_date=today - dt.timedelta(days=2))  # fmt: skip
    services.task_add(actor=officer, case=case, title="Más adelante", assignee=officer,
                      due_date=today + dt.timedelta(days=3))  # fmt: skip
    signed_in(client, officer)
    response = client.get(HOME)
    html = html_of(response)
    queues = response.context["queues"]
    assert [c.pk for c in queues["cases"].rows][0] == case.pk  # urgent first
    assert "Llamar al centro" in html
    assert "Más adelante" not in html
    for key in ("cases", "tasks", "hearings", "art36", "referrals", "handoffs"):
        queue = queues[key]
        listed = client.get(queue.link)
        assert listed.status_code == 200, key
        assert listed.context["cl"].result_count == queue.count, key
    assert overdue.pk in {t.pk for t in queues["tasks"].rows}


def test_a_task_is_completed_from_the_home(client, world):
    signed_in(client, world.officer_a)
    task = world.task_a
    response = client.post(reverse("workspace:task_done", args=[task.pk]), {"anchor": "#tasks"})
    assert response.status_code == 302
    assert response["Location"] == "/#tasks"
    task.refresh_from_db()
    assert task.done
    assert task.completed_by == world.officer_a
    again = client.post(reverse("workspace:task_done", args=[task.pk]))
    assert again.status_code == 400
    assert "Esta tarea ya está completada." in html_of(again)


def test_another_consulates_task_is_not_found(client, world):
    signed_in(client, world.officer_a)
    assert client.post(reverse("workspace:task_done", args=[world.task_b.pk])).status_code == 404
    world.task_b.refresh_from_db()
    assert not world.task_b.done


def _pending_closure(world) -> Case:
    case = make_case(world.officer_a, priority="urgent")
    return services.case_close_request(
        actor=world.officer_a, case=case, outcome="released", outcome_notes="Salió bajo fianza el lunes."
    )


def test_the_supervisor_sees_the_proposed_closure_and_approves_it_in_place(client, world):
    case = _pending_closure(world)
    assert case.status == Status.PENDING_CLOSURE
    signed_in(client, world.supervisor_a)
    html = html_of(client.get(HOME))
    assert case.reference in html
    assert "Salió bajo fianza el lunes." in html
    assert "Alicia Dávila" in html  # who asked
    url = reverse("workspace:closure_decide", args=[case.pk])
    response = client.post(url, {"decision": "approve", "version": case.version, "anchor": "#closures"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_rejection_without_reason_is_refused_on_its_row_and_keeps_nothing(client, world):
    case = _pending_closure(world)
    signed_in(client, world.supervisor_a)
    url = reverse("workspace:closure_decide", args=[case.pk])
    response = client.post(url, {"decision": "reject", "reason": "  ", "version": case.version})
    assert response.status_code == 400
    html = html_of(response)
    assert 'role="alert"' in html
    case.refresh_from_db()
    assert case.status == Status.PENDING_CLOSURE


def test_a_stale_approval_is_refused_and_keeps_the_typed_reason(client, world):
    case = _pending_closure(world)
    signed_in(client, world.supervisor_a)
    url = reverse("workspace:closure_decide", args=[case.pk])
    response = client.post(
        url, {"decision": "reject", "reason": "Falta la constancia", "version": case.version - 1}
    )
    assert response.status_code == 400
    assert 'value="Falta la constancia"' in html_of(response)
    case.refresh_from_db()
    assert case.status == Status.PENDING_CLOSURE


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_only_supervisors_decide_closures(client, world, role):
    case = _pending_closure(world)
    signed_in(client, getattr(world, role))
    response = client.post(reverse("workspace:closure_decide", args=[case.pk]), {"decision": "approve"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.PENDING_CLOSURE


def test_an_incoming_transfer_is_accepted_from_the_queue(client, world):
    transfer = make_transfer(world.officer_b, world.case_b, "dallas")
    signed_in(client, world.supervisor_a)
    html = html_of(client.get(HOME))
    assert world.case_b.reference in html
    assert transfer.reason in html
    response = client.post(reverse("workspace:transfer_decide", args=[transfer.pk]), {"decision": "accept"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "accepted"
    assert Case.objects.get(pk=world.case_b.pk).consulate_id == world.case_a.consulate_id


def test_declining_a_transfer_needs_a_note(client, world):
    transfer = make_transfer(world.officer_b, world.case_b, "dallas")
    signed_in(client, world.supervisor_a)
    response = client.post(reverse("workspace:transfer_decide", args=[transfer.pk]), {"decision": "reject"})
    assert response.status_code == 400
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_the_supervisors_home_costs_the_same_queries_with_more_rows(
    client, world, django_assert_max_num_queries
):
    signed_in(client, world.supervisor_a)
    client.get(HOME)
    for _ in range(4):
        _pending_closure(world)
        case = make_case(world.officer_a)
        services.case_assign(actor=world.officer_a, case=case, assignee=world.supervisor_a)
        services.task_add(actor=world.officer_a, case=case, title="Revisar", assignee=world.supervisor_a,
                          due_date=timezone.localdate())  # fmt: skip
    with django_assert_max_num_queries(30):
        response = client.get(HOME)
    assert response.status_code == 200
    assert Task.objects.filter(assignee=world.supervisor_a).count() >= 4


def test_a_closure_wraps_up_the_open_work_it_was_asked_to_on_approval(client, world):
    officer = world.officer_a
    case = make_case(officer, priority="urgent")
    task = services.task_add(actor=officer, case=case, title="Pedir constancia", assignee=officer)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=timezone.now() + dt.timedelta(days=9),
        location="Dallas",
    )  # fmt: skip
    case = services.case_close_request(
        actor=officer, case=Case.objects.get(pk=case.pk), outcome="released", complete_tasks=True,
        cancel_hearings=True,
    )  # fmt: skip
    task.refresh_from_db()
    assert not task.done  # nothing happens until the case is closed
    signed_in(client, world.supervisor_a)
    assert "se cancelan sus audiencias programadas" in html_of(client.get(HOME))
    client.post(reverse("workspace:closure_decide", args=[case.pk]), {"decision": "approve"})
    task.refresh_from_db()
    hearing.refresh_from_db()
    assert task.done
    assert task.completed_by == world.supervisor_a
    assert hearing.status == "cancelled"


def test_a_wall_clock_time_without_zone_is_written_in_the_places_zone():
    import datetime as _dt

    from workspace.templatetags.workspace import when

    naive = _dt.datetime(2026, 3, 2, 14, 30)  # noqa: DTZ001 - the case under test: a time recorded without zone
    assert "14:30" in when(naive, "America/Chicago")
