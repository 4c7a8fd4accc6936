"""Legal proceedings in the demo world (decision 0024): the bulk cases' hearings go into one removal
proceeding per case (as the migration does for existing data), and three Dallas cases get proceedings
through the services as an officer records them: a removal order with its BIA appeal deadline pending, a
grant of voluntary departure with its date to leave, and a habeas petition in the federal court in
Dallas with a docket number and a private attorney. Names and numbers are invented."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Hearing, Proceeding
from cases.models.case import Status
from consulates.courts import IMMIGRATION_KINDS
from consulates.models import ImmigrationCourt

IMMIGRATION_COURT = "Dallas Immigration Court"
FEDERAL_COURT = "Northern District of Texas, Dallas Division"


def _bulk_hearings_into_proceedings(cases) -> int:
    """One pending removal proceeding per seeded case with hearings, at the court of its hearing."""
    rows = (
        Hearing.objects.filter(case__in=cases, proceeding__isnull=True)
        .order_by("case_id", "starts_at", "pk")
        .values_list("pk", "case_id", "court_id", "court__kind")
    )
    by_case: dict[int, list] = {}
    for pk, case_id, court_id, kind in rows:
        by_case.setdefault(case_id, []).append((pk, court_id if kind in IMMIGRATION_KINDS else None))
    proceedings = Proceeding.objects.bulk_create(
        [
            Proceeding(case_id=case_id, kind="removal", court_id=next((c for _p, c in found if c), None))
            for case_id, found in by_case.items()
        ]
    )
    for proceeding in proceedings:
        Hearing.objects.filter(pk__in=[pk for pk, _c in by_case[proceeding.case_id]]).update(
            proceeding=proceeding
        )
    return len(proceedings)


@transaction.atomic
def proceedings_seed(*, cases) -> str:
    count = _bulk_hearings_into_proceedings(cases)
    officer = get_user_model().objects.filter(username="oficial.dallas").first()
    immigration = ImmigrationCourt.objects.filter(name=IMMIGRATION_COURT).first()
    federal = ImmigrationCourt.objects.filter(name=FEDERAL_COURT).first()
    if officer is None or immigration is None or federal is None:
        return f"{count} removal proceedings from the seeded hearings"
    chosen = list(
        cases.filter(
            consulate__slug="dallas", status__in=[Status.OPEN, Status.IN_PROGRESS], proceedings__isnull=True
        ).order_by("pk")[:3]
    )
    if len(chosen) < 3:
        return f"{count} removal proceedings from the seeded hearings"
    today = timezone.localdate()
    removal, departure, habeas = chosen
    ordered = services.proceeding_open(
        actor=officer,
        case=removal,
        kind="removal",
        court=immigration,
        started_on=today - dt.timedelta(days=200),
        notes="Aviso de comparecencia recibido; audiencia individual celebrada.",
    )
    services.proceeding_decide(
        actor=officer, proceeding=ordered, outcome="removal_ordered", decided_on=today - dt.timedelta(days=10)
    )
    granted = services.proceeding_open(
        actor=officer,
        case=departure,
        kind="voluntary_departure",
        court=immigration,
        started_on=today - dt.timedelta(days=90),
    )
    services.proceeding_decide(
        actor=officer,
        proceeding=granted,
        outcome="voluntary_departure_granted",
        decided_on=today - dt.timedelta(days=5),
        departure_by=today + dt.timedelta(days=55),
    )
    petition = services.proceeding_open(
        actor=officer,
        case=habeas,
        kind="habeas",
        court=federal,
        docket_number="3:26-cv-01874",
        started_on=today - dt.timedelta(days=12),
        counsel_kind="private",
        counsel_name="Lic. Daniela Ríos",
        counsel_firm="Ríos & Garza",
        g28_filed_on=today - dt.timedelta(days=12),
        notes="Recurso contra la detención prolongada sin audiencia de fianza.",
    )
    return (
        f"{count} removal proceedings from the seeded hearings; {removal.reference}: removal ordered, BIA appeal "
        f"due in 20 days; {departure.reference}: voluntary departure; {habeas.reference}: habeas petition "
        f"{petition.docket_number}"
    )
