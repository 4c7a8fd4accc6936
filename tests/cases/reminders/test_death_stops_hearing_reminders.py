"""A death in custody recorded on a case: nobody is reminded of the person's hearing any more (neither the
person's phone nor the emergency contact: a family must never get one), and nothing brings those reminders
back; the officer is still reminded, to tell the court. Another incident changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models import Reminder
from cases.reminders import schedule
from tests import factories as f
from tests.cases.reminders.test_custody_recipients import add_contact, detained_hearing

pytestmark = pytest.mark.django_db


def _pending(hearing, prefix: str) -> set[str]:
    return set(
        Reminder.objects.filter(
            subject_type="hearing", subject_id=hearing.pk, status="pending", kind__startswith=prefix
        ).values_list("kind", flat=True)
    )


def _incident(officer, hearing, kind: str):
    return services.incident_record(
        actor=officer,
        case=hearing.case,
        kind=kind,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        place="Enfermería del centro",
        source="facility",
        description="Aviso del centro por teléfono.",
    )


def test_a_death_in_custody_ends_the_persons_hearing_reminders_but_not_the_officers(frozen):
    officer = f.officer("dallas")
    hearing = detained_hearing(officer)
    add_contact(officer, hearing.case.person)
    assert _pending(hearing, "hearing_person") == {"hearing_person_7d", "hearing_person_1d"}

    _incident(officer, hearing, "death")

    assert _pending(hearing, "hearing_person") == set()
    assert _pending(hearing, "hearing_officer") == {"hearing_officer_2d"}
    schedule.hearing_reminders_sync(hearing)  # a later change of the hearing resyncs: still nobody
    assert _pending(hearing, "hearing_person") == set()


def test_another_incident_keeps_them(frozen):
    officer = f.officer("dallas")
    hearing = detained_hearing(officer)
    add_contact(officer, hearing.case.person)

    _incident(officer, hearing, "hunger_strike")

    assert _pending(hearing, "hearing_person") == {"hearing_person_7d", "hearing_person_1d"}
