"""The demo's Panhandle case (issue 20): a man living in Lubbock County, Texas (Central time), whose
district is the Albuquerque consulate's (Mountain time), with a hearing at the federal court in Lubbock.
Its time is 09:30 on the court's clock, shown to Albuquerque's staff as "09:30 (hora del Centro)", and
his reminders respect Lubbock's night. Fictional data, made through the services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Person
from cases.models.work import HearingKind
from consulates.models import Consulate, County, ImmigrationCourt

PERSON = {"given_names": "Rogelio", "paternal_surname": "Saucedo", "maternal_surname": "Ibarra"}
COURT = "Northern District of Texas, Lubbock Division"
COURT_HOURS = (dt.time(8, 30), dt.time(9, 0), dt.time(9, 30), dt.time(10, 0), dt.time(13, 30), dt.time(14, 0))


def next_court_day(after: dt.date, days: int) -> dt.date:
    """``days`` after ``after``, moved to the Monday after when it falls on a weekend."""
    day = after + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@transaction.atomic
def panhandle_seed() -> str:
    albuquerque = Consulate.objects.get(slug="albuquerque")
    officer = get_user_model().objects.filter(username="oficial.albuquerque").first()
    court = ImmigrationCourt.objects.filter(name=COURT).first()
    if (
        officer is None
        or court is None
        or Person.objects.filter(registered_by=albuquerque, **PERSON).exists()
    ):
        return "already there"
    lubbock = County.objects.get(state="TX", name="Lubbock")
    person = services.person_register(
        actor=officer, consulate=albuquerque, date_of_birth=dt.date(1986, 7, 22), sex="H",
        state_of_birth="CH", phone="+1 806 555 0131", contact_consent=True, us_county=lubbock, **PERSON,
    )  # fmt: skip
    case = services.case_open(
        actor=officer, person=person, consulate=albuquerque, category="penal", subtype="debido_proceso",
        summary="Detenido en Lubbock; audiencia en la corte federal de Lubbock.",
    )  # fmt: skip
    services.case_assign(actor=officer, case=case, assignee=officer)
    zone = zoneinfo.ZoneInfo(court.timezone)
    day = next_court_day(timezone.now().astimezone(zone).date(), 9)
    services.hearing_schedule(
        actor=officer,
        case=case,
        kind=HearingKind.CRIMINAL,
        starts_at=dt.datetime.combine(day, dt.time(9, 30), tzinfo=zone),
        court=court,
        location=court.name,
    )
    return f"{case.reference}: hearing at 09:30 Central time in Lubbock"
