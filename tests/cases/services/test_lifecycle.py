"""cases/services/lifecycle.py: closing (with or without approval), approving, rejecting, reopening."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import Case
from cases.models.case import Status
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events, row_xmin

pytestmark = pytest.mark.django_db


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def dallas_supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def case(dallas_officer):
    case = f.make_case(dallas_officer)
    services.case_note_add(actor=dallas_officer, case=case, text="Primera visita")
    return Case.objects.get(pk=case.pk)  # in progress, version 2


@pytest.fixture
def urgent_case(dallas_officer):
    return f.make_case(dallas_officer, priority="urgent")


@pytest.fixture
def pending(dallas_officer, urgent_case):
    return services.case_close_request(actor=dallas_officer, case=urgent_case, outcome="repatriated")


@pytest.fixture
def closed(dallas_officer, case):
    return services.case_close_request(actor=dallas_officer, case=case, outcome="released")


def assert_transition(case, before: int, *, status: str, kinds: list[str], version: int) -> Case:
    """Status and version changed, and the timeline rows were written in the same transaction."""
    stored = Case.objects.get(pk=case.pk)
    events = new_events(case, before)
    assert (stored.status, stored.version) == (status, version)
    assert [e.kind for e in events] == kinds
    assert {row_xmin(e) for e in events} == {row_xmin(stored)}
    return stored


# --- case_close_request ---------------------------------------------------------------------------


def test_officer_closes_an_ordinary_case_directly(dallas_officer, case):
    before = last_event_pk(case)
    services.case_close_request(
        actor=dallas_officer, case=case, outcome="released", outcome_notes=" Liberado ", expected_version=2
    )
    stored = assert_transition(case, before, status=Status.CLOSED, kinds=["closed", "status"], version=3)
    assert (stored.outcome, stored.outcome_notes) == ("released", "Liberado")
    assert stored.closed_at is not None
    assert stored.closure_requested_by == dallas_officer
    assert new_events(case, before)[1].payload == {"old": "in_progress", "new": "closed"}


def test_a_case_never_worked_can_be_closed_from_open(dallas_officer):
    case = f.make_case(dallas_officer)
    before = last_event_pk(case)
    services.case_close_request(actor=dallas_officer, case=case, outcome="no_longer_needed")
    assert_transition(case, before, status=Status.CLOSED, kinds=["closed", "status"], version=2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": ""}, "outcome"),
        ({"outcome": "vanished"}, "outcome"),
        ({"outcome": "other", "outcome_notes": "  "}, "outcome_notes"),
    ],
)
def test_closing_needs_an_outcome(dallas_officer, case, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        services.case_close_request(actor=dallas_officer, case=case, **kwargs)
    assert error_fields(excinfo.value) == {field}
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_other_outcome_with_notes_is_accepted(dallas_officer, case):
    services.case_close_request(
        actor=dallas_officer, case=case, outcome="other", outcome_notes="Regresó solo"
    )
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


@pytest.mark.parametrize(
    "vulnerability", ["is_minor", "is_pregnant", "has_disability", "fears_return", "is_older_adult"]
)
def test_vulnerable_persons_case_waits_for_a_supervisor(dallas_officer, vulnerability):
    person = f.make_person(dallas_officer, **{vulnerability: True})
    case = f.make_case(dallas_officer, person=person)
    before = last_event_pk(case)
    services.case_close_request(actor=dallas_officer, case=case, outcome="repatriated")
    stored = assert_transition(
        case, before, status=Status.PENDING_CLOSURE, kinds=["closure_requested", "status"], version=2
    )
    assert stored.outcome == "repatriated"
    assert stored.closed_at is None


def test_urgent_case_waits_for_a_supervisor(urgent_case, pending):
    assert Case.objects.get(pk=urgent_case.pk).status == Status.PENDING_CLOSURE


@pytest.mark.parametrize(
    "make_closer", [lambda: f.supervisor("dallas"), f.administrator], ids=["supervisor", "administrator"]
)
def test_supervisor_closes_an_urgent_or_vulnerable_case_directly(dallas_officer, make_closer):
    urgent = f.make_case(dallas_officer, priority="urgent")
    minor = f.make_case(dallas_officer, person=f.make_person(dallas_officer, is_minor=True))
    closer = make_closer()
    for case in (urgent, minor):
        before = last_event_pk(case)
        services.case_close_request(actor=closer, case=case, outcome="released")
        assert_transition(case, before, status=Status.CLOSED, kinds=["closed", "status"], version=2)


def test_supervisor_of_another_consulate_cannot_close(urgent_case):
    with pytest.raises(PermissionDenied):
        services.case_close_request(actor=f.supervisor("houston"), case=urgent_case, outcome="released")


@pytest.mark.parametrize("make_user", [f.manager, f.partner_user], ids=["manager", "partner"])
def test_readers_cannot_close(case, make_user):
    with pytest.raises(PermissionDenied):
        services.case_close_request(actor=make_user(), case=case, outcome="released")
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_pending_or_closed_case_cannot_be_closed_again(dallas_officer, pending, closed):
    for case in (pending, closed):
        with pytest.raises(ValidationError) as excinfo:
            services.case_close_request(actor=dallas_officer, case=case, outcome="released")
        assert error_codes(excinfo.value) == {"transition"}


# --- approve / reject -----------------------------------------------------------------------------


def test_supervisor_approves_a_pending_closure(dallas_supervisor, pending):
    before = last_event_pk(pending)
    services.case_close_approve(actor=dallas_supervisor, case=pending, expected_version=2)
    stored = assert_transition(
        pending, before, status=Status.CLOSED, kinds=["closure_approved", "status"], version=3
    )
    assert stored.outcome == "repatriated"
    assert stored.closed_at is not None


def test_supervisor_rejects_a_pending_closure_with_a_reason(dallas_supervisor, pending):
    with pytest.raises(ValidationError) as excinfo:
        services.case_close_reject(actor=dallas_supervisor, case=pending, reason=" ")
    assert error_fields(excinfo.value) == {"reason"}
    before = last_event_pk(pending)
    services.case_close_reject(actor=dallas_supervisor, case=pending, reason="Falta confirmar la entrega")
    stored = assert_transition(
        pending, before, status=Status.IN_PROGRESS, kinds=["closure_rejected", "status"], version=3
    )
    assert (stored.outcome, stored.closure_requested_by) == ("", None)
    assert new_events(pending, before)[0].text == "Falta confirmar la entrega"


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: f.officer("dallas"),
        lambda: f.supervisor("houston"),
        f.manager,
        f.partner_user,
        lambda: f.supervisor("dallas", is_active=False),
    ],
    ids=["officer", "foreign-supervisor", "manager", "partner", "inactive-supervisor"],
)
def test_only_a_supervisor_of_the_consulate_decides(pending, make_user):
    user = make_user()
    with pytest.raises(PermissionDenied):
        services.case_close_approve(actor=user, case=pending)
    with pytest.raises(PermissionDenied):
        services.case_close_reject(actor=user, case=pending, reason="No")
    assert Case.objects.get(pk=pending.pk).status == Status.PENDING_CLOSURE


def test_administrator_may_approve(pending):
    services.case_close_approve(actor=f.administrator(), case=pending)
    assert Case.objects.get(pk=pending.pk).status == Status.CLOSED


def test_approve_and_reject_need_a_pending_closure(dallas_supervisor, case, closed):
    for target in (case, closed):
        with pytest.raises(ValidationError) as excinfo:
            services.case_close_approve(actor=dallas_supervisor, case=target)
        assert error_codes(excinfo.value) == {"transition"}
        with pytest.raises(ValidationError) as excinfo:
            services.case_close_reject(actor=dallas_supervisor, case=target, reason="x")
        assert error_codes(excinfo.value) == {"transition"}


# --- reopen ---------------------------------------------------------------------------------------


def test_reopen_needs_a_reason_and_keeps_the_old_outcome_on_the_timeline(dallas_officer, closed):
    with pytest.raises(ValidationError) as excinfo:
        services.case_reopen(actor=dallas_officer, case=closed, reason="")
    assert error_fields(excinfo.value) == {"reason"}
    before = last_event_pk(closed)
    services.case_reopen(actor=dallas_officer, case=closed, reason="Nueva detención", expected_version=3)
    stored = assert_transition(
        closed, before, status=Status.IN_PROGRESS, kinds=["reopened", "status"], version=4
    )
    assert (stored.outcome, stored.closed_at) == ("", None)
    assert new_events(closed, before)[0].payload == {"previous_outcome": "released"}
    services.case_note_add(actor=dallas_officer, case=closed, text="Trabajo tras reabrir")


def test_only_a_closed_case_can_be_reopened(dallas_officer, case, pending):
    for target in (case, pending):
        with pytest.raises(ValidationError) as excinfo:
            services.case_reopen(actor=dallas_officer, case=target, reason="x")
        assert error_codes(excinfo.value) == {"transition"}


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, f.partner_user],
    ids=["foreign", "manager", "partner"],
)
def test_reopen_is_refused_to_others(closed, make_user):
    with pytest.raises(PermissionDenied):
        services.case_reopen(actor=make_user(), case=closed, reason="x")
    assert Case.objects.get(pk=closed.pk).status == Status.CLOSED


# --- optimistic locking ---------------------------------------------------------------------------


def test_every_transition_refuses_a_stale_version(dallas_officer, dallas_supervisor, case, pending, closed):
    attempts = [
        lambda: services.case_close_request(
            actor=dallas_officer, case=case, outcome="released", expected_version=1
        ),
        lambda: services.case_close_approve(actor=dallas_supervisor, case=pending, expected_version=1),
        lambda: services.case_close_reject(
            actor=dallas_supervisor, case=pending, reason="x", expected_version=1
        ),
        lambda: services.case_reopen(actor=dallas_officer, case=closed, reason="x", expected_version=2),
        lambda: services.case_assign(actor=dallas_officer, case=case, assignee=None, expected_version=1),
    ]
    snapshot = {c.pk: (c.status, c.version) for c in Case.objects.all()}
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert error_codes(excinfo.value) == {"stale"}
    assert {c.pk: (c.status, c.version) for c in Case.objects.all()} == snapshot
