"""cases/migrations/0019_hearings_into_proceedings.py on rows of the old shape: hearings without a
proceeding (as every hearing was before proceedings existed)."""

from __future__ import annotations

import datetime as dt
import importlib
import zoneinfo

import pytest
from django.apps import apps

from cases import services
from cases.models import Hearing, Proceeding
from consulates.models import ImmigrationCourt
from tests import factories as f

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0019_hearings_into_proceedings")


def _old_shape():
    """What the database held before: the hearings, no proceedings."""
    Hearing.objects.update(proceeding=None)
    Proceeding.objects.all().delete()


def test_each_cases_hearings_go_into_one_removal_proceeding_pending_or_decided_from_their_outcomes():
    officer = f.officer("dallas")
    dallas = ImmigrationCourt.objects.get(name="Dallas Immigration Court")
    federal = ImmigrationCourt.objects.get(name="Northern District of Texas, Dallas Division")
    # 23:30 UTC is 17:30 in Dallas: the decision's day is the court's, not UTC's next day.
    past = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
    future = dt.datetime(2027, 3, 2, 16, 0, tzinfo=dt.UTC)

    def hearing(case, starts, court=None, outcome=None, kind="master_calendar"):
        h = services.hearing_schedule(
            actor=officer,
            case=case,
            kind=kind,
            starts_at=starts,
            court=court,
            location="" if court else "Sala 3",
        )
        if outcome:
            services.hearing_outcome_record(actor=officer, hearing=h, outcome=outcome)
        return h

    pending_case, decided_case, unclear_case, none_case = (f.make_case(officer) for _ in range(4))
    pending = [hearing(pending_case, past, dallas, "Se pospuso"), hearing(pending_case, future, dallas)]
    decided = [
        hearing(decided_case, past - dt.timedelta(days=30), None, "Audiencia preliminar"),
        hearing(decided_case, past, dallas, "El juez dictó ORDEN DE DEPORTACIÓN."),
        hearing(decided_case, past - dt.timedelta(days=60), federal, "Comparecencia", kind="criminal"),
    ]
    unclear = [hearing(unclear_case, past, None, "Se celebró la audiencia")]
    _old_shape()

    migration.gather(apps, None)

    by_case = {p.case_id: p for p in Proceeding.objects.all()}
    assert set(by_case) == {pending_case.pk, decided_case.pk, unclear_case.pk}
    assert none_case.pk not in by_case
    p = by_case[pending_case.pk]
    assert (p.kind, p.status, p.court, p.outcome, p.started_on) == ("removal", "pending", dallas, "", None)
    assert {h.proceeding_id for h in Hearing.objects.filter(pk__in=[h.pk for h in pending])} == {p.pk}
    d = by_case[decided_case.pk]
    assert (d.status, d.outcome, d.court) == (
        "decided",
        "removal_ordered",
        dallas,
    )  # the federal court is not one
    assert d.decided_on == past.astimezone(zoneinfo.ZoneInfo("America/Chicago")).date() == dt.date(2026, 3, 2)
    assert Hearing.objects.filter(pk__in=[h.pk for h in decided], proceeding=d).count() == 3
    assert not d.deadlines.exists()  # no deadline invented from words
    u = by_case[unclear_case.pk]
    assert (u.status, u.court, u.outcome) == ("pending", None, "")
    assert Hearing.objects.get(pk=unclear[0].pk).proceeding == u
    # Hearings keep what they had.
    assert Hearing.objects.get(pk=decided[1].pk).outcome == "El juez dictó ORDEN DE DEPORTACIÓN."
    # Run again: nothing left without a proceeding, nothing doubled.
    migration.gather(apps, None)
    assert Proceeding.objects.count() == 3


@pytest.mark.parametrize(
    ("typed", "decision"),
    [
        ("Ordenada la deportación en ausencia", "ordered_in_absence"),
        ("Removal ordered in absentia", "ordered_in_absence"),
        ("Se concedió salida voluntaria", "voluntary_departure_granted"),
        ("Caso terminado por el juez", "terminated"),
        ("Asilo concedido", "relief_granted"),
        ("Orden de deportación", "removal_ordered"),
        ("Se pospuso para mayo", ""),
        ("", ""),
    ],
)
def test_decisions_named_in_the_typed_outcome(typed, decision):
    assert migration.outcome_of(typed) == decision
