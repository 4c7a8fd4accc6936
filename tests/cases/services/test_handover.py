"""cases/services/handover.py: the hand-over to a Mexican consulate outside the network closes the case as
transferred out, with the person export of the case stored and access-logged; the receipt comes later."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import AccessLog, CaseEvent, Handover, Hearing, Reminder, Task
from cases.models.access import AccessAction
from cases.models.case import Outcome, Status
from cases.models.crossoffice import TransferStatus
from cases.models.reminder import EVENT_TYPES, ReminderStatus
from cases.models.work import EventKind, HearingStatus
from cases.selectors.handover import held_outside_network
from consulates.models import ConsularPost, Consulate, DetentionFacility
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def atlanta():
    return ConsularPost.objects.get(city="Atlanta")


@pytest.fixture
def case(officer):
    return f.make_case(officer)


def hand_over(actor, case, post, **extra):
    values = {"reason": "moved", "method": "email", **extra}
    return services.handover_record(actor=actor, case=case, post=post, **values)


def test_a_supervisor_hands_a_case_over_and_it_closes_as_transferred_out(supervisor, case, atlanta):
    handover = hand_over(supervisor, case, atlanta, method_notes="proteccion@atlanta")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.TRANSFERRED_OUT)
    assert "Atlanta" in case.outcome_notes
    assert case.closed_at is not None
    assert (handover.post, handover.sent_by, handover.method_notes) == (
        atlanta,
        supervisor,
        "proteccion@atlanta",
    )
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.HANDOVER_SENT, EventKind.CLOSED, EventKind.STATUS]


def test_what_was_sent_is_the_person_export_of_this_case_stored_and_access_logged(supervisor, case, atlanta):
    other_consulate_case = f.make_case(
        f.administrator(), person=case.person, consulate=f.consulate("houston")
    )
    handover = hand_over(supervisor, case, atlanta)
    with handover.export_file.open("rb") as fh:
        content = fh.read()
    assert len(content) == handover.export_size
    assert hashlib.sha256(content).hexdigest() == handover.export_sha256
    with zipfile.ZipFile(handover.export_file.path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["person"]["id"] == case.person_id
    # The case handed over, not the person's case at another consulate of the network.
    assert [c["id"] for c in data["cases"]] == [case.pk]
    assert other_consulate_case.pk not in [c["id"] for c in data["cases"]]
    log = AccessLog.objects.get(action=AccessAction.HANDOVER_EXPORT)
    assert (log.user, log.person_id, log.case_id, log.what) == (
        supervisor, case.person_id, case.pk, f"hand-over #{handover.pk}"
    )  # fmt: skip


def test_an_in_network_consulate_is_refused_it_is_a_transfer(supervisor, case):
    houston = ConsularPost.objects.get(city="Houston")
    with pytest.raises(ValidationError) as exc:
        hand_over(supervisor, case, houston)
    assert error_fields(exc.value) == {"post"}
    assert houston.name in exc.value.message_dict["post"][0]
    case.refresh_from_db()
    assert case.status != Status.CLOSED
    assert not Handover.objects.exists()
    assert not AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT).exists()


def test_an_officer_cannot_hand_over_nor_another_consulates_supervisor(officer, case, atlanta):
    for actor in (officer, f.supervisor("houston"), f.manager()):
        with pytest.raises(PermissionDenied):
            hand_over(actor, case, atlanta)
    assert not Handover.objects.exists()
    assert not AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT).exists()


def test_an_administrator_may_without_the_export_grant(case, atlanta):
    admin = f.administrator(can_export=False)
    hand_over(admin, case, atlanta)
    case.refresh_from_db()
    assert case.outcome == Outcome.TRANSFERRED_OUT


def test_field_errors_say_what_is_missing(supervisor, case, atlanta):
    with pytest.raises(ValidationError) as exc:
        services.handover_record(actor=supervisor, case=case, post=None, reason="", method="")
    assert error_fields(exc.value) == {"post", "reason", "method"}
    with pytest.raises(ValidationError) as exc:
        hand_over(supervisor, case, atlanta, reason="other", method="other")
    assert error_fields(exc.value) == {"reason_notes", "method_notes"}
    with pytest.raises(ValidationError) as exc:
        hand_over(supervisor, case, atlanta, sent_at=timezone.now() + dt.timedelta(hours=2))
    assert error_fields(exc.value) == {"sent_at"}
    assert not Handover.objects.exists()


def test_a_closed_case_is_not_handed_over(supervisor, case, atlanta):
    services.case_close_request(actor=supervisor, case=case, outcome="released")
    with pytest.raises(ValidationError) as exc:
        hand_over(supervisor, case, atlanta)
    assert exc.value.code == "transition"


def test_a_stale_version_is_refused(supervisor, case, atlanta):
    with pytest.raises(ValidationError) as exc:
        hand_over(supervisor, case, atlanta, expected_version=case.version - 1)
    assert exc.value.code == "stale"


def test_open_work_ends_like_other_closures_and_hearings_stay_for_the_other_consulate(
    officer, supervisor, case, atlanta
):
    starts = timezone.now() + dt.timedelta(days=10)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=starts, location="Dallas"
    )
    task = services.task_add(actor=officer, case=case, title="Visit", due_date=timezone.localdate())
    houston = Consulate.objects.get(slug="houston")
    transfer = services.transfer_request(actor=officer, case=case, to_consulate=houston, reason="Moved")
    assert Reminder.objects.filter(case=case, status=ReminderStatus.PENDING).exists()
    hand_over(supervisor, case, atlanta)
    assert (
        not Reminder.objects.filter(case=case, status=ReminderStatus.PENDING)
        .exclude(kind__in=EVENT_TYPES)
        .exists()
    )
    assert Task.objects.get(pk=task.pk).done
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.SCHEDULED
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED


def test_reopening_works_as_for_other_closures(officer, supervisor, case, atlanta):
    hand_over(supervisor, case, atlanta)
    case = services.case_reopen(actor=officer, case=case, reason="Returned to Texas")
    assert (case.status, case.outcome) == (Status.IN_PROGRESS, "")
    reopened = CaseEvent.objects.filter(case=case, kind=EventKind.REOPENED).get()
    assert reopened.payload["previous_outcome"] == Outcome.TRANSFERRED_OUT
    # and it can be handed over again
    hand_over(supervisor, case, ConsularPost.objects.get(city="Chicago"))
    assert Handover.objects.filter(case=case).count() == 2


def test_transferred_out_cannot_be_chosen_for_an_ordinary_closure(officer, case):
    with pytest.raises(ValidationError) as exc:
        services.case_close_request(actor=officer, case=case, outcome=Outcome.TRANSFERRED_OUT)
    assert error_fields(exc.value) == {"outcome"}


def test_the_receipt_is_recorded_once_after_the_case_closed(officer, supervisor, case, atlanta):
    handover = hand_over(supervisor, case, atlanta)
    with pytest.raises(ValidationError) as exc:
        services.handover_acknowledge(actor=officer, handover=handover, acknowledged_by_name="  ")
    assert error_fields(exc.value) == {"acknowledged_by_name"}
    with pytest.raises(PermissionDenied):
        services.handover_acknowledge(actor=f.officer("houston"), handover=handover, acknowledged_by_name="X")
    handover = services.handover_acknowledge(
        actor=officer, handover=handover, acknowledged_by_name="Lic. Ana Ruiz", notes="Received by email"
    )
    assert handover.acknowledged_at is not None
    assert handover.acknowledgement_recorded_by == officer
    assert CaseEvent.objects.filter(case=case, kind=EventKind.HANDOVER_ACKNOWLEDGED).count() == 1
    with pytest.raises(ValidationError) as exc:
        services.handover_acknowledge(actor=officer, handover=handover, acknowledged_by_name="Again")
    assert exc.value.code == "acknowledged"


def test_a_receipt_before_the_sending_is_refused(officer, supervisor, case, atlanta):
    handover = hand_over(supervisor, case, atlanta)
    with pytest.raises(ValidationError) as exc:
        services.handover_acknowledge(
            actor=officer,
            handover=handover,
            acknowledged_by_name="X",
            acknowledged_at=handover.sent_at - dt.timedelta(days=1),
        )
    assert error_fields(exc.value) == {"acknowledged_at"}


def test_a_person_held_outside_the_network_is_suggested_for_a_hand_over(case):
    assert not held_outside_network(case)  # not in custody
    inside = DetentionFacility.objects.get(name="Prairieland Detention Center")
    case.facility, case.released_on = inside, None
    assert not held_outside_network(case)
    # As the custody work records them: a facility in another state, without a county of the network.
    case.facility = DetentionFacility(name="Stewart Detention Center", state="GA", county=None)
    assert held_outside_network(case)
    case.released_on = timezone.localdate()
    assert not held_outside_network(case)
