"""cases/services/transfers.py: request, accept, reject, cancel, and the proposal that follows custody."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from cases import services
from cases.models import Case, EmergencyContact, Task, Transfer
from cases.models.case import Status
from cases.models.crossoffice import TransferStatus
from consulates.models import DetentionFacility
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events, row_xmin
from tests.factories.crossoffice import make_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the services' messages in English (the staff default is Spanish)."""
    with translation.override("en"):
        yield


PRAIRIELAND = "Prairieland Detention Center"  # Dallas's district
MONTGOMERY = "Montgomery ICE Processing Center"  # Houston's district
HOUSTON_CDF = "Houston Contract Detention Facility"  # Houston's district
EL_PASO_SPC = "El Paso Service Processing Center"  # El Paso's district


def facility(name: str) -> DetentionFacility:
    return DetentionFacility.objects.get(name=name)


def fresh(user):
    """The same user without the per-object access cache."""
    return type(user).objects.get(pk=user.pk)


def sees_case(user, case) -> bool:
    return Case.objects.visible_to(fresh(user)).filter(pk=case.pk).exists()


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def houston_supervisor():
    return f.supervisor("houston")


@pytest.fixture
def houston_officer():
    return f.officer("houston")


@pytest.fixture
def case(dallas_officer):
    case = f.make_case(dallas_officer)
    services.case_note_add(actor=dallas_officer, case=case, text="Primera visita")
    return Case.objects.get(pk=case.pk)  # in progress, so requests add no status event


@pytest.fixture
def transfer(dallas_officer, case):
    return make_transfer(dallas_officer, case, "houston")


def pending_transfers(case) -> list[tuple[str, bool]]:
    return [(t.to_consulate.code, t.automatic) for t in Transfer.objects.filter(case=case).pending()]


# --- transfer_request -----------------------------------------------------------------------------


def test_request_puts_the_transfer_on_the_timeline_and_keeps_the_case(dallas_officer, houston_officer, case):
    before = last_event_pk(case)
    transfer = services.transfer_request(
        actor=dallas_officer, case=case, to_consulate=f.consulate("houston"), reason="  Familia en Houston  "
    )
    transfer.refresh_from_db()
    assert (transfer.status, transfer.automatic, transfer.reason) == ("pending", False, "Familia en Houston")
    assert (transfer.from_consulate.code, transfer.to_consulate.code) == ("DAL", "HOU")
    assert (transfer.requested_by, transfer.decided_by, transfer.decided_at) == (dallas_officer, None, None)
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text) for e in events] == [
        ("transfer_requested", dallas_officer.pk, "Familia en Houston")
    ]
    assert events[0].payload == {
        "transfer_id": transfer.pk,
        "from_consulate": "DAL",
        "to_consulate": "HOU",
        "automatic": False,
    }
    stored = Case.objects.get(pk=case.pk)
    assert (stored.consulate.code, stored.version) == ("DAL", case.version + 1)
    assert row_xmin(events[0]) == row_xmin(stored)  # the row itself is written in a nested savepoint
    # Until Houston accepts, Dallas keeps working the case; Houston may read it.
    assert sees_case(dallas_officer, case)
    assert sees_case(houston_officer, case)
    assert not sees_case(f.officer("el_paso"), case)


@pytest.mark.parametrize(
    ("to_slug", "reason", "fields"),
    [
        ("dallas", "Familia en Dallas", {"to_consulate"}),
        ("houston", "   ", {"reason"}),
        ("houston", "", {"reason"}),
        ("dallas", "", {"to_consulate", "reason"}),
    ],
)
def test_request_is_validated(dallas_officer, case, to_slug, reason, fields):
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.transfer_request(
            actor=dallas_officer, case=case, to_consulate=f.consulate(to_slug), reason=reason
        )
    assert error_fields(exc.value) == fields
    assert not Transfer.objects.filter(case=case).exists()
    assert new_events(case, before) == []


def test_request_without_a_consulate_is_refused(dallas_officer, case):
    with pytest.raises(ValidationError) as exc:
        services.transfer_request(actor=dallas_officer, case=case, to_consulate=None, reason="Familia")
    assert error_fields(exc.value) == {"to_consulate"}


def test_a_closed_case_cannot_be_transferred(dallas_officer, case):
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    with pytest.raises(ValidationError) as exc:
        make_transfer(dallas_officer, case, "houston")
    assert error_codes(exc.value) == {"closed"}
    assert not Transfer.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: f.officer("houston"), id="receiving-officer"),
        pytest.param(lambda: f.supervisor("houston"), id="receiving-supervisor"),
        pytest.param(f.manager, id="manager"),
        pytest.param(f.partner_user, id="partner-user"),
    ],
)
def test_only_the_cases_consulate_can_request(case, make_user):
    with pytest.raises(PermissionDenied):
        make_transfer(make_user(), case, "el_paso")
    assert not Transfer.objects.filter(case=case).exists()


def test_only_one_pending_transfer_per_case(dallas_officer, case, transfer):
    with pytest.raises(ValidationError) as exc:
        make_transfer(dallas_officer, case, "el_paso")
    assert error_codes(exc.value) == {"pending"}
    assert pending_transfers(case) == [("HOU", False)]
    # Once the first is decided, a new request is possible.
    services.transfer_cancel(actor=dallas_officer, transfer=transfer)
    make_transfer(dallas_officer, case, "el_paso")
    assert pending_transfers(case) == [("ELP", False)]


def test_the_database_refuses_a_second_pending_transfer(dallas_officer, case, transfer):
    with pytest.raises(IntegrityError, match="transfer_one_pending_per_case"), transaction.atomic():
        Transfer.objects.create(
            case=case,
            from_consulate=f.consulate("dallas"),
            to_consulate=f.consulate("el_paso"),
            reason="Directo a la base",
            requested_by=dallas_officer,
        )
    # Decided transfers do not count: a cancelled row next to the pending one is fine.
    Transfer.objects.create(
        case=case,
        from_consulate=f.consulate("dallas"),
        to_consulate=f.consulate("el_paso"),
        reason="Historia",
        status=TransferStatus.CANCELLED,
    )
    assert pending_transfers(case) == [("HOU", False)]


def test_the_database_refuses_a_transfer_to_the_same_consulate(case):
    with pytest.raises(IntegrityError, match="transfer_between_two_consulates"), transaction.atomic():
        Transfer.objects.create(
            case=case, from_consulate=f.consulate("dallas"), to_consulate=f.consulate("dallas"), reason="x"
        )


# --- transfer_accept ------------------------------------------------------------------------------


def test_receiving_supervisor_accepts_and_the_case_moves(
    dallas_officer, houston_supervisor, houston_officer, case
):
    services.case_assign(actor=dallas_officer, case=case, assignee=dallas_officer)
    open_assigned = services.task_add(
        actor=dallas_officer, case=case, title="Visita", assignee=dallas_officer
    )
    open_unassigned = services.task_add(actor=dallas_officer, case=case, title="Llamar a la familia")
    done = services.task_add(actor=dallas_officer, case=case, title="Entrevista", assignee=dallas_officer)
    services.task_complete(actor=dallas_officer, task=done)
    transfer = make_transfer(dallas_officer, case, "houston")
    case = Case.objects.get(pk=case.pk)
    before = last_event_pk(case)

    services.transfer_accept(actor=houston_supervisor, transfer=transfer, note=" Recibido ")

    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.note) == (
        "accepted",
        houston_supervisor,
        "Recibido",
    )
    assert transfer.decided_at is not None
    stored = Case.objects.get(pk=case.pk)
    assert (stored.consulate.code, stored.reference, stored.assigned_to) == ("HOU", case.reference, None)
    assert stored.version == case.version + 1
    tasks = {t.pk: t.assignee_id for t in Task.objects.filter(case=case)}
    assert tasks == {open_assigned.pk: None, open_unassigned.pk: None, done.pk: dallas_officer.pk}
    events = new_events(case, before)
    assert [(e.kind, e.actor_id) for e in events] == [
        ("transfer_accepted", houston_supervisor.pk),
        ("assigned", houston_supervisor.pk),
    ]
    assert events[0].payload == {"transfer_id": transfer.pk, "from_consulate": "DAL", "to_consulate": "HOU"}
    assert events[0].text == "Recibido"
    assert (events[1].payload["assignee_id"], events[1].payload["previous"]) == (
        None,
        dallas_officer.username,
    )
    assert {row_xmin(e) for e in events} == {row_xmin(stored)} == {row_xmin(transfer)}
    # Dallas lost the case but keeps the record of where it went; Houston now owns it.
    assert not sees_case(dallas_officer, case)
    assert Transfer.objects.visible_to(fresh(dallas_officer)).filter(pk=transfer.pk).exists()
    assert sees_case(houston_officer, case)
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=fresh(dallas_officer), case=case, text="Sigo aquí")
    services.case_note_add(actor=houston_officer, case=case, text="Primera visita desde Houston")


def test_an_accepted_case_without_assignee_records_no_assignment(dallas_officer, houston_supervisor, case):
    transfer = make_transfer(dallas_officer, case, "houston")
    before = last_event_pk(case)
    services.transfer_accept(actor=houston_supervisor, transfer=transfer)
    assert [e.kind for e in new_events(case, before)] == ["transfer_accepted"]


def test_an_administrator_may_decide(dallas_officer, case, transfer):
    services.transfer_accept(actor=f.administrator(), transfer=transfer)
    assert Case.objects.get(pk=case.pk).consulate.code == "HOU"


DECIDERS_REFUSED = {
    "receiving-officer": lambda: f.officer("houston"),
    "sending-officer": lambda: f.officer("dallas"),
    "sending-supervisor": lambda: f.supervisor("dallas"),
    "third-consulate-supervisor": lambda: f.supervisor("el_paso"),
    "manager": f.manager,
    "partner-user": f.partner_user,
    "inactive-receiving-supervisor": lambda: f.supervisor("houston", is_active=False),
}

DECISIONS = {
    "accept": lambda actor, transfer: services.transfer_accept(actor=actor, transfer=transfer, note="Sí"),
    "reject": lambda actor, transfer: services.transfer_reject(actor=actor, transfer=transfer, note="No"),
}


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("role", DECIDERS_REFUSED)
def test_only_a_supervisor_of_the_receiving_consulate_decides(case, transfer, role, decision):
    version = Case.objects.get(pk=case.pk).version
    before = last_event_pk(case)
    with pytest.raises(PermissionDenied):
        DECISIONS[decision](DECIDERS_REFUSED[role](), transfer)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.decided_at) == ("pending", None, None)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.consulate.code, stored.version) == ("DAL", version)
    assert new_events(case, before) == []


def test_accept_refuses_when_the_case_already_moved(dallas_officer, houston_supervisor, case, transfer):
    """Defence in depth: a pending row whose case is no longer with the sending consulate."""
    Case.objects.filter(pk=case.pk).update(consulate=f.consulate("el_paso"))
    with pytest.raises(ValidationError, match="no longer with the consulate"):
        services.transfer_accept(actor=houston_supervisor, transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


# --- transfer_reject and transfer_cancel ----------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_reject_needs_a_note(houston_supervisor, transfer, note):
    with pytest.raises(ValidationError) as exc:
        services.transfer_reject(actor=houston_supervisor, transfer=transfer, note=note)
    assert error_fields(exc.value) == {"note"}
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_reject_leaves_the_case_where_it_is(
    dallas_officer, houston_supervisor, houston_officer, case, transfer
):
    before = last_event_pk(case)
    services.transfer_reject(actor=houston_supervisor, transfer=transfer, note=" No es de nuestro distrito ")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.note) == (
        "rejected",
        houston_supervisor,
        "No es de nuestro distrito",
    )
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text) for e in events] == [
        ("transfer_rejected", houston_supervisor.pk, "No es de nuestro distrito")
    ]
    assert events[0].payload == {"transfer_id": transfer.pk, "from_consulate": "DAL", "to_consulate": "HOU"}
    assert Case.objects.get(pk=case.pk).consulate.code == "DAL"
    assert sees_case(dallas_officer, case)
    assert not sees_case(houston_officer, case)  # the read access ended with the request
    assert Transfer.objects.visible_to(fresh(houston_officer)).filter(pk=transfer.pk).exists()


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: f.supervisor("houston"), id="receiving-supervisor"),
        pytest.param(lambda: f.officer("houston"), id="receiving-officer"),
        pytest.param(lambda: f.officer("el_paso"), id="third-consulate-officer"),
        pytest.param(f.manager, id="manager"),
        pytest.param(f.partner_user, id="partner-user"),
    ],
)
def test_only_the_sending_consulate_cancels(case, transfer, make_user):
    with pytest.raises(PermissionDenied, match="Only the consulate that asked"):
        services.transfer_cancel(actor=make_user(), transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


@pytest.mark.parametrize("make_user", [lambda: f.officer("dallas"), lambda: f.supervisor("dallas")])
def test_the_sending_consulate_cancels(houston_officer, case, transfer, make_user):
    actor = make_user()
    before = last_event_pk(case)
    services.transfer_cancel(actor=actor, transfer=transfer, note=" Ya no hace falta ")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.note) == ("cancelled", actor, "Ya no hace falta")
    assert [(e.kind, e.actor_id, e.text) for e in new_events(case, before)] == [
        ("transfer_cancelled", actor.pk, "Ya no hace falta")
    ]
    assert not sees_case(houston_officer, case)


ALL_DECISIONS = {
    "accept": lambda t: services.transfer_accept(actor=f.supervisor("houston"), transfer=t),
    "reject": lambda t: services.transfer_reject(actor=f.supervisor("houston"), transfer=t, note="No"),
    "cancel": lambda t: services.transfer_cancel(actor=f.supervisor("dallas"), transfer=t),
}


@pytest.mark.parametrize("second", ALL_DECISIONS)
@pytest.mark.parametrize("first", ALL_DECISIONS)
def test_a_decided_transfer_cannot_be_decided_again(case, transfer, first, second):
    ALL_DECISIONS[first](transfer)
    decided = Transfer.objects.get(pk=transfer.pk)
    consulate_after_first = Case.objects.get(pk=case.pk).consulate_id
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        ALL_DECISIONS[second](transfer)
    assert error_codes(exc.value) == {"decided"}
    again = Transfer.objects.get(pk=transfer.pk)
    assert (again.status, again.decided_by_id, again.decided_at) == (
        decided.status,
        decided.decided_by_id,
        decided.decided_at,
    )
    assert Case.objects.get(pk=case.pk).consulate_id == consulate_after_first
    assert new_events(case, before) == []


# --- automatic proposals when custody moves ------------------------------------------------------


@pytest.fixture
def detained(dallas_officer):
    """A Dallas case held in Dallas's own district: nothing to propose."""
    case = f.make_case(dallas_officer, facility=facility(PRAIRIELAND))
    assert not Transfer.objects.filter(case=case).exists()
    return case


def test_custody_in_another_district_proposes_a_transfer(dallas_officer, detained):
    before = last_event_pk(detained)
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    transfer = Transfer.objects.get(case=detained)
    assert (transfer.status, transfer.automatic, transfer.to_consulate.code) == ("pending", True, "HOU")
    assert transfer.requested_by == dallas_officer
    assert MONTGOMERY in transfer.reason
    events = new_events(detained, before)
    assert [e.kind for e in events] == ["custody", "status", "transfer_requested"]
    assert events[-1].payload["automatic"] is True
    assert events[-1].text == transfer.reason
    assert Case.objects.get(pk=detained.pk).consulate.code == "DAL"  # only proposed


def test_custody_moved_on_replaces_the_automatic_proposal(dallas_officer, detained):
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    first = Transfer.objects.get(case=detained)
    before = last_event_pk(detained)

    services.case_update(actor=dallas_officer, case=detained, facility=facility(EL_PASO_SPC))

    first.refresh_from_db()
    assert first.status == "cancelled"
    assert first.decided_at is not None
    assert "no longer applies" in first.note
    assert pending_transfers(detained) == [("ELP", True)]
    assert EL_PASO_SPC in Transfer.objects.get(case=detained, status="pending").reason
    events = new_events(detained, before)
    assert [e.kind for e in events] == ["custody", "transfer_cancelled", "transfer_requested"]
    assert events[1].payload["to_consulate"] == "HOU"
    assert events[2].payload["to_consulate"] == "ELP"


def test_custody_within_the_proposed_district_keeps_the_proposal(dallas_officer, detained):
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    first = Transfer.objects.get(case=detained)
    before = last_event_pk(detained)
    services.case_update(actor=dallas_officer, case=detained, facility=facility(HOUSTON_CDF))
    assert Transfer.objects.get(case=detained) == first
    assert pending_transfers(detained) == [("HOU", True)]
    assert [e.kind for e in new_events(detained, before)] == ["custody"]


def test_custody_back_in_the_own_district_cancels_the_proposal(dallas_officer, detained):
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    before = last_event_pk(detained)
    services.case_update(actor=dallas_officer, case=detained, facility=facility(PRAIRIELAND))
    assert pending_transfers(detained) == []
    assert Transfer.objects.get(case=detained).status == "cancelled"
    assert [e.kind for e in new_events(detained, before)] == ["custody", "transfer_cancelled"]


def test_release_cancels_the_proposal(dallas_officer, detained):
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    today = Case.objects.get(pk=detained.pk).opened_at.date()
    services.case_update(actor=dallas_officer, case=detained, released_on=today)
    assert pending_transfers(detained) == []
    assert Transfer.objects.get(case=detained).status == "cancelled"


def test_a_requested_transfer_is_left_alone_when_custody_moves(dallas_officer, detained):
    manual = make_transfer(dallas_officer, detained, "el_paso")
    before = last_event_pk(detained)
    services.case_update(actor=dallas_officer, case=detained, facility=facility(MONTGOMERY))
    assert pending_transfers(detained) == [("ELP", False)]
    assert Transfer.objects.get(case=detained) == manual
    assert [e.kind for e in new_events(detained, before)] == ["custody"]
    # ... and also when custody comes back to Dallas's district.
    services.case_update(actor=dallas_officer, case=detained, facility=facility(PRAIRIELAND))
    assert pending_transfers(detained) == [("ELP", False)]


# --- closure, and what the receiving consulate may do while a transfer is pending --------------


def test_closing_the_case_cancels_the_pending_transfer(dallas_officer, houston_officer, case, transfer):
    before = last_event_pk(case)
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.note) == (
        "cancelled",
        dallas_officer,
        "The case was closed.",
    )
    assert [e.kind for e in new_events(case, before)] == ["closed", "transfer_cancelled", "status"]
    assert not sees_case(houston_officer, case)
    with pytest.raises(ValidationError) as exc:
        services.transfer_accept(actor=f.supervisor("houston"), transfer=transfer)
    assert error_codes(exc.value) == {"decided"}


def test_a_closure_waiting_for_approval_keeps_the_transfer_until_approved(dallas_officer, transfer):
    urgent = f.make_case(dallas_officer, priority="urgent")
    pending = make_transfer(dallas_officer, urgent, "houston")
    services.case_close_request(actor=dallas_officer, case=urgent, outcome="released")
    assert Transfer.objects.get(pk=pending.pk).status == "pending"
    services.case_close_approve(actor=f.supervisor("dallas"), case=urgent)
    assert Transfer.objects.get(pk=pending.pk).status == "cancelled"


def test_while_pending_the_receiving_consulate_reads_but_does_not_write(case, transfer):
    houston_officer, houston_supervisor = f.officer("houston"), f.supervisor("houston")
    assert sees_case(houston_officer, case)
    assert sees_case(houston_supervisor, case)
    version = Case.objects.get(pk=case.pk).version
    for actor in (houston_officer, houston_supervisor):
        with pytest.raises(PermissionDenied):
            services.case_update(actor=actor, case=case, summary="Cambiado desde Houston")
        with pytest.raises(PermissionDenied):
            services.case_note_add(actor=actor, case=case, text="Nota desde Houston")
        with pytest.raises(PermissionDenied):
            services.task_add(actor=actor, case=case, title="Tarea desde Houston")
        with pytest.raises(PermissionDenied):
            services.case_close_request(actor=actor, case=case, outcome="released")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.summary, stored.version, stored.status) == ("", version, Status.IN_PROGRESS)


def test_the_receiving_consulate_reads_but_does_not_change_the_person(houston_officer, case, transfer):
    person = case.person
    assert sees_case(houston_officer, case)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=fresh(houston_officer), person=person, given_names="Otra")
    with pytest.raises(PermissionDenied):
        services.emergency_contact_save(
            actor=fresh(houston_officer), person=person, contact=EmergencyContact(name="Alguien")
        )
    person.refresh_from_db()
    assert person.given_names != "Otra"
    assert not person.emergency_contacts.exists()


def test_after_acceptance_the_receiving_consulate_changes_the_person(
    houston_supervisor, houston_officer, case, transfer
):
    services.transfer_accept(actor=houston_supervisor, transfer=transfer)
    services.person_update(actor=fresh(houston_officer), person=case.person, given_names="Otra")
    case.person.refresh_from_db()
    assert case.person.given_names == "Otra"


def test_a_case_waiting_for_closure_approval_is_not_taken_over(
    dallas_officer, houston_supervisor, case, transfer
):
    Case.objects.filter(pk=case.pk).update(priority="urgent")
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE
    with pytest.raises(ValidationError) as exc:
        services.transfer_accept(actor=houston_supervisor, transfer=transfer)
    assert "pending_closure" in error_codes(exc.value)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_a_superseded_automatic_proposal_names_who_moved_custody(dallas_officer, case):
    services.case_update(actor=dallas_officer, case=case, facility=facility(MONTGOMERY))
    first = Transfer.objects.get(case=case, status=TransferStatus.PENDING)
    services.case_update(actor=dallas_officer, case=case, facility=facility(EL_PASO_SPC))
    first.refresh_from_db()
    assert (first.status, first.decided_by_id) == (TransferStatus.CANCELLED, dallas_officer.pk)
