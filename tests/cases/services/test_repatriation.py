"""cases/services/repatriation.py: the hand-off to the reception point, its overdue flag, belongings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Belonging, RepatriationHandoff
from cases.models.repatriation import BelongingStatus
from consulates.models import ReceptionPoint
from tests import factories as f
from tests.dbchecks import error_fields, last_event_pk, new_events, row_xmin

pytestmark = pytest.mark.django_db

REMOVAL = dt.date(2026, 2, 10)


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def points() -> list[ReceptionPoint]:
    return list(ReceptionPoint.objects.order_by("pk")[:2])


@pytest.fixture
def case(dallas_officer):
    return f.make_case(dallas_officer)


@pytest.fixture
def ready_case(dallas_officer, case, points):
    """A case with an expected removal date and a reception point."""
    return services.case_update(
        actor=dallas_officer, case=case, expected_removal_date=REMOVAL, reception_point=points[0]
    )


@pytest.fixture
def handoff(dallas_officer, ready_case):
    return services.handoff_prepare(actor=dallas_officer, case=ready_case)


# --- handoff_prepare ------------------------------------------------------------------------------


def test_prepare_needs_removal_date_and_reception_point(dallas_officer, case):
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.handoff_prepare(actor=dallas_officer, case=case)
    assert error_fields(exc.value) == {"expected_removal_date", "reception_point"}
    assert not RepatriationHandoff.objects.filter(case=case).exists()
    assert new_events(case, after=before) == []


def test_prepare_needs_the_reception_point_too(dallas_officer, case):
    services.case_update(actor=dallas_officer, case=case, expected_removal_date=REMOVAL)
    with pytest.raises(ValidationError) as exc:
        services.handoff_prepare(actor=dallas_officer, case=case)
    assert error_fields(exc.value) == {"reception_point"}


def test_prepare_copies_date_and_point_and_records_the_event(dallas_officer, ready_case, points):
    before = last_event_pk(ready_case)
    handoff = services.handoff_prepare(
        actor=dallas_officer,
        case=ready_case,
        medication="  Metformina 850 mg  ",
        needs_shelter=True,
        documents_held=["matricula", "curp"],
    )
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.removal_date, stored.reception_point, stored.prepared_by) == (
        REMOVAL,
        points[0],
        dallas_officer,
    )
    assert stored.medication == "Metformina 850 mg"
    assert stored.needs_shelter is True
    assert stored.documents_held == ["curp", "matricula"]  # in the order of the list of documents
    (event,) = new_events(ready_case, after=before)
    assert (event.kind, event.actor) == ("handoff_prepared", dallas_officer)
    assert event.payload["handoff_id"] == handoff.pk
    assert event.payload["removal_date"] == "2026-02-10"
    assert event.payload["reception_point"] == points[0].name
    assert row_xmin(event) == row_xmin(stored)


def test_a_second_prepare_is_refused(dallas_officer, handoff):
    with pytest.raises(ValidationError) as exc:
        services.handoff_prepare(actor=dallas_officer, case=handoff.case)
    assert exc.value.code == "exists"
    assert RepatriationHandoff.objects.filter(case=handoff.case).count() == 1


def test_prepare_on_a_closed_case_is_refused(dallas_officer, ready_case):
    services.case_close_request(actor=dallas_officer, case=ready_case, outcome="released")
    with pytest.raises(ValidationError) as exc:
        services.handoff_prepare(actor=dallas_officer, case=ready_case)
    assert exc.value.code == "closed"
    assert not RepatriationHandoff.objects.filter(case=ready_case).exists()


# --- handoff_update -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"documents_held": ["curp", "passport"], "documents_missing": ["passport"]}, "documents_missing"),
        ({"minors_travelling": 2, "minors_details": "  "}, "minors_details"),
        ({"minors_travelling": 31, "minors_details": "31 niños"}, "minors_travelling"),
        ({"documents_missing": ["curp", "driving_licence"]}, "documents_missing"),
        ({"documents_held": ["tarjeta"]}, "documents_held"),
    ],
    ids=["held-and-missing", "minors-without-details", "too-many-minors", "unknown-missing", "unknown-held"],
)
def test_update_validation(dallas_officer, handoff, values, field):
    before = last_event_pk(handoff.case)
    with pytest.raises(ValidationError) as exc:
        services.handoff_update(actor=dallas_officer, handoff=handoff, **values)
    assert field in error_fields(exc.value)
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.documents_held, stored.documents_missing, stored.minors_travelling) == ([], [], 0)
    assert new_events(handoff.case, after=before) == []


def test_minors_details_already_on_the_handoff_suffice(dallas_officer, handoff):
    services.handoff_update(actor=dallas_officer, handoff=handoff, minors_details="Hija de 7 años")
    updated = services.handoff_update(actor=dallas_officer, handoff=handoff, minors_travelling=1)
    assert (updated.minors_travelling, updated.minors_details) == (1, "Hija de 7 años")


def test_update_records_field_names_only(dallas_officer, handoff):
    before = last_event_pk(handoff.case)
    services.handoff_update(
        actor=dallas_officer,
        handoff=handoff,
        family_contact_name="Rosa Martínez",
        family_contact_phone="+52 951 555 0199",
        medical_needs="Diabetes tipo 2",
        destination="Tlaxiaco, Oaxaca",
    )
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert stored.family_contact_phone == "+52 951 555 0199"
    (event,) = new_events(handoff.case, after=before)
    assert event.kind == "handoff_updated"
    assert sorted(event.payload["changes"]["fields"]) == [
        "destination",
        "family_contact_name",
        "family_contact_phone",
        "medical_needs",
    ]
    written = f"{event.text} {event.payload}"
    for secret in ("555 0199", "Rosa", "Diabetes", "Tlaxiaco"):
        assert secret not in written


def test_update_without_a_change_writes_nothing(dallas_officer, handoff):
    services.handoff_update(actor=dallas_officer, handoff=handoff, notes="Llega en autobús")
    before = last_event_pk(handoff.case)
    services.handoff_update(actor=dallas_officer, handoff=handoff, notes="Llega en autobús")
    assert new_events(handoff.case, after=before) == []


def test_update_follows_the_removal_date_and_point_of_the_case(dallas_officer, handoff, points):
    moved = REMOVAL + dt.timedelta(days=5)
    services.case_update(
        actor=dallas_officer, case=handoff.case, expected_removal_date=moved, reception_point=points[1]
    )
    before = last_event_pk(handoff.case)
    services.handoff_update(actor=dallas_officer, handoff=handoff, notes="Nueva fecha de ICE")
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.removal_date, stored.reception_point) == (moved, points[1])
    (event,) = new_events(handoff.case, after=before)
    assert sorted(event.payload["changes"]["fields"]) == ["notes", "reception_point", "removal_date"]
    assert event.payload["removal_date"] == moved.isoformat()


def test_update_after_confirmation_is_refused(dallas_officer, handoff):
    services.handoff_confirm(actor=dallas_officer, handoff=handoff, received_by_name="Lic. Pérez (INM)")
    with pytest.raises(ValidationError):
        services.handoff_update(actor=dallas_officer, handoff=handoff, notes="tarde")
    assert RepatriationHandoff.objects.get(pk=handoff.pk).notes == ""


def test_update_on_a_closed_case_is_refused(dallas_officer, handoff):
    services.case_close_request(actor=dallas_officer, case=handoff.case, outcome="repatriated")
    with pytest.raises(ValidationError) as exc:
        services.handoff_update(actor=dallas_officer, handoff=handoff, notes="tarde")
    assert exc.value.code == "closed"


# --- handoff_confirm ------------------------------------------------------------------------------


def test_confirm_needs_who_received_the_person(dallas_officer, handoff):
    with pytest.raises(ValidationError) as exc:
        services.handoff_confirm(actor=dallas_officer, handoff=handoff, received_by_name="   ")
    assert error_fields(exc.value) == {"received_by_name"}
    assert RepatriationHandoff.objects.get(pk=handoff.pk).confirmed_at is None


def test_confirm_in_the_future_is_refused(dallas_officer, handoff):
    with pytest.raises(ValidationError) as exc:
        services.handoff_confirm(
            actor=dallas_officer,
            handoff=handoff,
            received_by_name="Lic. Pérez",
            received_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert error_fields(exc.value) == {"received_at"}


def test_confirm_records_reception_and_event(dallas_officer, handoff):
    received = timezone.now() - dt.timedelta(hours=3)
    before = last_event_pk(handoff.case)
    services.handoff_confirm(
        actor=dallas_officer,
        handoff=handoff,
        received_by_name=" Lic. Pérez (INM) ",
        received_at=received,
        notes="Recibido en buen estado",
    )
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.confirmed_at, stored.received_by_name, stored.confirmation_recorded_by) == (
        received,
        "Lic. Pérez (INM)",
        dallas_officer,
    )
    assert stored.confirmation_overdue is False
    (event,) = new_events(handoff.case, after=before)
    assert (event.kind, event.text) == ("handoff_confirmed", "Recibido en buen estado")
    assert row_xmin(event) == row_xmin(stored)


def test_confirm_twice_is_refused(dallas_officer, handoff):
    services.handoff_confirm(actor=dallas_officer, handoff=handoff, received_by_name="Lic. Pérez")
    first = RepatriationHandoff.objects.get(pk=handoff.pk).confirmed_at
    with pytest.raises(ValidationError) as exc:
        services.handoff_confirm(actor=dallas_officer, handoff=handoff, received_by_name="Otra persona")
    assert exc.value.code == "confirmed"
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.confirmed_at, stored.received_by_name) == (first, "Lic. Pérez")


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, lambda: f.partner_user()],
    ids=["officer-of-another-consulate", "manager", "partner"],
)
def test_strangers_cannot_touch_the_handoff(make_user, dallas_officer, ready_case):
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        services.handoff_prepare(actor=stranger, case=ready_case)
    handoff = services.handoff_prepare(actor=dallas_officer, case=ready_case)
    with pytest.raises(PermissionDenied):
        services.handoff_update(actor=stranger, handoff=handoff, notes="x")
    with pytest.raises(PermissionDenied):
        services.handoff_confirm(actor=stranger, handoff=handoff, received_by_name="x")
    with pytest.raises(PermissionDenied):
        services.belonging_record(actor=stranger, case=ready_case, kind="phone")
    belonging = services.belonging_record(actor=dallas_officer, case=ready_case, kind="phone")
    with pytest.raises(PermissionDenied):
        services.belonging_resolve(actor=stranger, belonging=belonging, status="returned")
    stored = RepatriationHandoff.objects.get(pk=handoff.pk)
    assert (stored.notes, stored.confirmed_at) == ("", None)
    assert Belonging.objects.get(pk=belonging.pk).status == BelongingStatus.HELD


def test_a_supervisor_and_an_administrator_may_work_the_handoff(ready_case):
    handoff = services.handoff_prepare(actor=f.supervisor("dallas"), case=ready_case)
    confirmed = services.handoff_confirm(actor=f.administrator(), handoff=handoff, received_by_name="INM")
    assert confirmed.confirmed_at is not None


# --- the overdue flag -----------------------------------------------------------------------------


def zoneless_point() -> ReceptionPoint:
    """A point whose zone is not recorded: the deadline counts in the consulate's zone (the points
    loaded all carry their own: tests/cases/services/test_handoff_zones.py)."""
    point, _created = ReceptionPoint.objects.get_or_create(
        name="Punto sin zona registrada",
        defaults={"kind": "land_port", "mx_city": "Ciudad", "mx_state": "Estado", "curated": True},
    )
    return point


def _handoff_for(slug: str, removal: dt.date, point: ReceptionPoint | None = None) -> RepatriationHandoff:
    officer = f.officer(slug)
    case = f.make_case(officer)
    services.case_update(
        actor=officer,
        case=case,
        expected_removal_date=removal,
        reception_point=point or zoneless_point(),
    )
    return services.handoff_prepare(actor=officer, case=case)


@pytest.fixture
def dallas_and_el_paso():
    """The same removal date in Central (Dallas) and Mountain (El Paso) time, at a point without a zone."""
    return _handoff_for("dallas", REMOVAL), _handoff_for("el_paso", REMOVAL)


def _local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz))


def test_due_at_is_midnight_two_days_after_the_removal_date_in_the_consulates_time(dallas_and_el_paso):
    dallas, el_paso = dallas_and_el_paso
    assert dallas.confirmation_due_at() == _local("America/Chicago", 2026, 2, 13)
    assert el_paso.confirmation_due_at() == _local("America/Denver", 2026, 2, 13)
    assert el_paso.confirmation_due_at() - dallas.confirmation_due_at() == dt.timedelta(hours=1)


def _overdue(now: dt.datetime, *handoffs) -> set[str]:
    found = RepatriationHandoff.objects.unconfirmed_overdue(now).filter(pk__in=[h.pk for h in handoffs])
    return {h.case.consulate.slug for h in found.select_related("case__consulate")}


def _flag(monkeypatch, now: dt.datetime, *handoffs) -> set[str]:
    monkeypatch.setattr(timezone, "now", lambda: now)
    flagged = {
        h.case.consulate.slug
        for h in RepatriationHandoff.objects.filter(pk__in=[h.pk for h in handoffs]).select_related(
            "case__consulate"
        )
        if h.confirmation_overdue
    }
    monkeypatch.undo()
    return flagged


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_local("America/Chicago", 2026, 2, 12, 23, 59), set()),
        (_local("America/Chicago", 2026, 2, 13, 0, 0), {"dallas"}),
        (_local("America/Denver", 2026, 2, 12, 23, 59), {"dallas"}),
        (_local("America/Denver", 2026, 2, 13, 0, 0), {"dallas", "el_paso"}),
    ],
    ids=["dallas-minute-before", "dallas-due", "el-paso-minute-before", "el-paso-due"],
)
def test_overdue_exactly_at_the_boundary_in_both_timezones(monkeypatch, dallas_and_el_paso, now, expected):
    assert _overdue(now, *dallas_and_el_paso) == expected
    assert _flag(monkeypatch, now, *dallas_and_el_paso) == expected


def test_boundary_across_the_spring_clock_change(monkeypatch):
    """Removal on the Saturday before daylight saving time starts (8 March 2026): still due at midnight."""
    handoff = _handoff_for("el_paso", dt.date(2026, 3, 7))
    assert handoff.confirmation_due_at() == _local("America/Denver", 2026, 3, 10)
    minute_before = _local("America/Denver", 2026, 3, 9, 23, 59)
    due = _local("America/Denver", 2026, 3, 10)
    assert (_overdue(minute_before, handoff), _overdue(due, handoff)) == (set(), {"el_paso"})
    assert (_flag(monkeypatch, minute_before, handoff), _flag(monkeypatch, due, handoff)) == (
        set(),
        {"el_paso"},
    )


def test_a_confirmed_handoff_is_never_overdue(monkeypatch, dallas_and_el_paso):
    dallas, el_paso = dallas_and_el_paso
    services.handoff_confirm(actor=f.officer("dallas"), handoff=dallas, received_by_name="INM")
    later = _local("America/Chicago", 2026, 3, 1)
    assert _overdue(later, dallas, el_paso) == {"el_paso"}
    assert _flag(monkeypatch, later, dallas, el_paso) == {"el_paso"}


def test_the_overdue_lookup_does_not_fetch_a_row_per_case(dallas_and_el_paso):
    """The timezones come from the consulates and reception points; through the cases, the default ordering on ``opened_at``
    would make the DISTINCT return one row per case of the network."""
    with CaptureQueriesContext(connection) as queries:
        assert _overdue(_local("America/Denver", 2026, 3, 1), *dallas_and_el_paso) == {"dallas", "el_paso"}
    lookups = [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    assert lookups
    assert not any('"cases_case"' in sql or "handoff" in sql for sql in lookups)


# --- belongings -----------------------------------------------------------------------------------


def test_record_a_belonging(dallas_officer, case):
    before = last_event_pk(case)
    belonging = services.belonging_record(
        actor=dallas_officer, case=case, kind="cash", amount=Decimal("123.45"), description=" cartera "
    )
    stored = Belonging.objects.get(pk=belonging.pk)
    assert (stored.kind, stored.amount, stored.description, stored.status, stored.recorded_by) == (
        "cash",
        Decimal("123.45"),
        "cartera",
        BelongingStatus.HELD,
        dallas_officer,
    )
    event, status_event = new_events(case, after=before)  # the open case moves into progress too
    assert status_event.payload == {"old": "open", "new": "in_progress"}
    assert (event.kind, event.payload["belonging_id"], event.payload["status"]) == (
        "belonging_recorded",
        belonging.pk,
        "held",
    )
    assert row_xmin(event) == row_xmin(stored)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "cash"}, "amount"),
        ({"kind": "cash", "amount": Decimal("-1")}, "amount"),
        ({"kind": "phone", "amount": Decimal("-0.01")}, "amount"),
        ({"kind": "other", "description": "  "}, "description"),
        ({"kind": "jewels", "description": "anillo"}, "kind"),
    ],
    ids=["cash-without-amount", "negative-cash", "negative-amount", "other-without-description", "kind"],
)
def test_record_validation(dallas_officer, case, values, field):
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.belonging_record(actor=dallas_officer, case=case, **values)
    assert error_fields(exc.value) == {field}
    assert not Belonging.objects.filter(case=case).exists()
    assert new_events(case, after=before) == []


def test_record_on_a_closed_case_is_refused(dallas_officer, case):
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    with pytest.raises(ValidationError):
        services.belonging_record(actor=dallas_officer, case=case, kind="phone")


@pytest.fixture
def belonging(dallas_officer, case):
    return services.belonging_record(actor=dallas_officer, case=case, kind="passport")


def test_resolve_returned(dallas_officer, belonging):
    before = last_event_pk(belonging.case)
    services.belonging_resolve(actor=dallas_officer, belonging=belonging, status="returned")
    stored = Belonging.objects.get(pk=belonging.pk)
    assert (stored.status, stored.resolved_by) == (BelongingStatus.RETURNED, dallas_officer)
    assert stored.resolved_at is not None
    (event,) = new_events(belonging.case, after=before)
    assert (event.kind, event.payload["status"]) == ("belonging_resolved", "returned")


def test_missing_needs_a_note(dallas_officer, belonging):
    with pytest.raises(ValidationError) as exc:
        services.belonging_resolve(actor=dallas_officer, belonging=belonging, status="missing", note=" ")
    assert error_fields(exc.value) == {"resolution_note"}
    assert Belonging.objects.get(pk=belonging.pk).status == BelongingStatus.HELD
    services.belonging_resolve(
        actor=dallas_officer, belonging=belonging, status="missing", note="La instalación no lo encuentra"
    )
    stored = Belonging.objects.get(pk=belonging.pk)
    assert (stored.status, stored.resolution_note) == (
        BelongingStatus.MISSING,
        "La instalación no lo encuentra",
    )
    event = new_events(belonging.case)[-1]
    assert (event.kind, event.text) == ("belonging_resolved", "La instalación no lo encuentra")


def test_resolve_only_to_returned_or_missing(dallas_officer, belonging):
    with pytest.raises(ValidationError) as exc:
        services.belonging_resolve(actor=dallas_officer, belonging=belonging, status="held")
    assert error_fields(exc.value) == {"status"}


def test_resolve_twice_is_refused(dallas_officer, belonging):
    services.belonging_resolve(actor=dallas_officer, belonging=belonging, status="returned")
    before = last_event_pk(belonging.case)
    with pytest.raises(ValidationError):
        services.belonging_resolve(actor=dallas_officer, belonging=belonging, status="missing", note="x")
    assert Belonging.objects.get(pk=belonging.pk).status == BelongingStatus.RETURNED
    assert new_events(belonging.case, after=before) == []
