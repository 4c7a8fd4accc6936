"""The "verify custody" task (cases/services/verification.py) and the locate history (cases/services/locate.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CaseLocateAttempt, Task
from cases.models.custody import CustodySource
from cases.models.work import TaskKind
from cases.services.verification import verify_custody_scan
from consulates.models import DetentionFacility
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db

PRAIRIELAND = "Prairieland Detention Center"
MONTGOMERY = "Montgomery ICE Processing Center"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def facility(name: str) -> DetentionFacility:
    return DetentionFacility.objects.get(name=name)


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def detained(officer):
    case = f.make_case(officer, facility=facility(PRAIRIELAND))
    services.case_assign(actor=officer, case=case, assignee=officer)
    return Case.objects.get(pk=case.pk)


def verify_tasks(case):
    return Task.objects.filter(case=case, kind=TaskKind.VERIFY_CUSTODY)


LATER = timezone.now() + dt.timedelta(days=8)


def test_the_scan_asks_to_verify_custody_after_7_days_once(detained):
    assert verify_custody_scan(timezone.now()) == 0  # just recorded: verified
    assert verify_custody_scan(LATER) == 1
    assert verify_custody_scan(LATER) == 0  # idempotent: one open task per case
    task = verify_tasks(detained).get()
    assert (task.done, task.assignee_id) == (False, detained.assigned_to_id)
    with translation.override("es"):
        assert task.title.startswith("Verificar")


def test_recording_custody_completes_the_task(officer, detained):
    verify_custody_scan(LATER)
    services.custody_verify(actor=officer, case=detained)
    task = verify_tasks(detained).get()
    assert (task.done, task.completed_by) == (True, officer)
    assert Case.objects.get(pk=detained.pk).custody_verified_at is not None
    assert detained.events.filter(kind="custody_verified").exists()


def test_no_task_for_a_released_or_closed_case(officer, detained):
    services.custody_release(actor=officer, case=detained, on=timezone.localdate())
    assert verify_custody_scan(LATER) == 0


def test_a_search_that_found_the_person_elsewhere_records_the_move_in_one_step(officer, detained):
    verify_custody_scan(LATER)
    attempt = services.locate_attempt_record(
        actor=officer, case=detained, where="ice_locator", result="found",
        facility=facility(MONTGOMERY), searched_for="A-number", record_custody=True,
    )  # fmt: skip
    case = Case.objects.get(pk=detained.pk)
    assert case.facility.name == MONTGOMERY
    assert case.custody_episodes.last().source == CustodySource.ICE_LOCATOR
    assert verify_tasks(case).get().done
    assert case.events.filter(kind="locate_attempt", payload__attempt_id=attempt.pk).exists()
    assert case.transfers.filter(status="pending", automatic=True).exists()


def test_a_search_that_found_the_person_where_the_case_says_verifies_custody(officer, detained):
    verify_custody_scan(LATER)
    services.locate_attempt_record(
        actor=officer, case=detained, where="facility", result="found", facility=facility(PRAIRIELAND)
    )
    assert verify_tasks(detained).get().done
    assert Case.objects.get(pk=detained.pk).custody_episodes.count() == 1


def test_a_search_without_result_changes_no_custody(officer, detained):
    services.locate_attempt_record(actor=officer, case=detained, where="ice_locator", result="not_found")
    case = Case.objects.get(pk=detained.pk)
    assert case.facility.name == PRAIRIELAND
    assert CaseLocateAttempt.objects.filter(case=case).count() == 1


def test_a_found_result_needs_the_facility(officer, detained):
    with pytest.raises(ValidationError) as error:
        services.locate_attempt_record(actor=officer, case=detained, where="ice_locator", result="found")
    assert error_fields(error.value) == {"facility"}
