"""Hearing reminders in the zone of the place (issue 20, error 2): days are counted on the court's clock,
a person's quiet hours are those of where the person is (their county, else their place of custody,
else the consulate), and the text gives the time on the court's clock, naming its zone when the
reader's differs. Albuquerque (Mountain) serves Lubbock County (Central)."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Case, Reminder
from cases.reminders.dispatch import deliver
from cases.reminders.messages import build
from cases.reminders.scans import schedule_digests
from cases.zones import hearing_zone_name, person_zone_name
from consulates.models import County, DetentionFacility, ImmigrationCourt
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, DENVER, NOW, at, rows
from tests.cases.reminders.test_deliver import provider, sms_http  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PHONE = "(806) 555-0142"


def panhandle_case(*, county: str | None):
    """An Albuquerque case; its person lives in ``county`` (TX) when given."""
    officer = f.officer("albuquerque")
    person = f.make_person(officer, phone=PHONE, contact_consent=True)
    if county:
        person = services.person_update(
            actor=officer, person=person, us_county=County.objects.get(state="TX", name=county)
        )
    return officer, f.make_case(officer, person=person)


def court(name: str = "Dallas Immigration Court") -> ImmigrationCourt:
    return ImmigrationCourt.objects.get(name=name)


def hearing_at(officer, case, starts_at, **extra):
    return services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=starts_at, **extra
    )


def test_a_hearing_is_in_its_courts_zone_else_the_place_of_custodys_else_the_consulates():
    officer, case = panhandle_case(county=None)
    hearing = hearing_at(officer, case, at(CHICAGO, "2026-05-12 10:00"), court=court())
    assert hearing.location == "Dallas Immigration Court"  # no place typed: the court's name
    assert hearing_zone_name(hearing) == "America/Chicago"
    loose = hearing_at(officer, case, at(DENVER, "2026-05-12 10:00"), location="Sala 2")
    assert hearing_zone_name(loose) == "America/Denver"  # the consulate's
    dallas_officer = f.officer("dallas")
    dallas_case = f.make_case(dallas_officer)
    el_paso_spc = DetentionFacility.objects.get(name="El Paso Service Processing Center")
    Case.objects.filter(pk=dallas_case.pk).update(facility=el_paso_spc)
    dallas_case.refresh_from_db()
    held = hearing_at(dallas_officer, dallas_case, at(DENVER, "2026-05-12 10:00"), location="Sala 2")
    assert hearing_zone_name(held) == "America/Denver"  # the facility's county, not Dallas' Central
    assert person_zone_name(dallas_case.person, dallas_case) == "America/Denver"


def test_days_before_count_on_the_courts_clock_and_quiet_hours_are_the_persons():
    officer, case = panhandle_case(county="Lubbock")
    assert person_zone_name(case.person, case) == "America/Chicago"
    hearing = hearing_at(officer, case, at(CHICAGO, "2026-05-12 08:30"), court=court())
    person = f"person:{case.person_id}"
    # 08:30 Central is 07:30 in Albuquerque: on the consulate's clock the person's reminders would wait
    # until 08:00 Mountain (09:00 in Lubbock); in Lubbock 08:30 is daytime.
    assert rows("hearing", hearing.pk, CHICAGO) == {
        ("hearing_person_7d", "sms", person, "2026-05-05 08:30"),
        ("hearing_person_1d", "sms", person, "2026-05-11 08:30"),
        ("hearing_officer_2d", "email", "case-officer", "2026-05-10 08:30"),
    }


def test_a_person_without_a_known_county_keeps_the_consulates_night():
    officer, case = panhandle_case(county=None)
    hearing = hearing_at(officer, case, at(CHICAGO, "2026-05-12 08:30"), court=court())
    due = {r.kind: r.due_at for r in Reminder.objects.filter(subject_type="hearing", subject_id=hearing.pk)}
    assert due["hearing_person_7d"] == at(DENVER, "2026-05-05 08:00")
    assert due["hearing_officer_2d"] == at(CHICAGO, "2026-05-10 08:30")


@pytest.mark.parametrize(
    ("county", "outcome", "zone_named"),
    [("Lubbock", "sent", False), (None, "deferred", True)],
)
def test_a_late_reminder_waits_out_the_night_where_the_person_is(
    frozen,
    sms_http,  # noqa: F811 - the fixture imported above
    county,
    outcome,
    zone_named,
):
    officer, case = panhandle_case(county=county)
    hearing_at(officer, case, at(CHICAGO, "2026-05-12 10:00"), court=court())
    frozen.move_to(at(DENVER, "2026-05-06 07:30"))  # 08:30 in Lubbock; still night in Albuquerque
    row = Reminder.objects.get(kind="hearing_person_7d", case=case)
    assert deliver(row.pk) == outcome
    if outcome == "deferred":
        row.refresh_from_db()
        assert row.lease_until == at(DENVER, "2026-05-06 08:00")
        frozen.move_to(at(DENVER, "2026-05-06 08:01"))
        assert deliver(row.pk) == "sent"
    (delivery,) = sms_http.deliveries
    body = delivery["body"]["body"]
    assert "10:00" in body  # the court's wall clock, not Albuquerque's 09:00
    assert ("(hora del Centro)" in body) is zone_named


def test_a_county_recorded_later_moves_the_persons_reminders_out_of_their_night():
    officer, case = panhandle_case(county=None)
    hearing = hearing_at(officer, case, at(CHICAGO, "2026-05-12 08:30"), court=court())
    services.person_update(
        actor=officer, person=case.person, us_county=County.objects.get(state="TX", name="Potter")
    )
    due = {
        r.kind: r.due_at
        for r in Reminder.objects.filter(subject_type="hearing", subject_id=hearing.pk, status="pending")
    }
    assert due["hearing_person_7d"] == at(CHICAGO, "2026-05-05 08:30")  # Amarillo's morning, not 09:00


def test_the_daily_digest_gives_a_hearing_on_its_courts_clock():
    officer, case = panhandle_case(county="Lubbock")
    services.case_assign(actor=officer, case=case, assignee=officer)
    hearing_at(officer, case, at(CHICAGO, "2026-05-04 14:00"), court=court())  # 13:00 in Albuquerque
    schedule_digests(NOW)  # 09:00 in Albuquerque: its morning digest is due
    message = build(Reminder.objects.get(kind="digest", user=officer))
    assert f"14:00 (hora del Centro) {case.reference}" in message.body
