"""Issue 20, error 1: a detained person's hearing reminders never reach their own phone (it is in the
facility's property). They go to an emergency contact the person agreed may be told, else to the attorney
of record (a legal representation referral on a consent covering hearings), else to nobody, and the
officer sees that nobody could be told. Decided again when each reminder is sent: a release before then
sends it to the person, a detention before then keeps it off their phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from cases import services
from cases.models import Case, CaseEvent, EmergencyContact, Reminder
from cases.models.crossoffice import DataCategory
from cases.models.work import EventKind
from cases.reminders.dispatch import deliver
from cases.reminders.person_messages import NOBODY_WHILE_DETAINED
from consulates.models import DetentionFacility
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.auth import login_verified
from tests.cases.reminders.conftest import CHICAGO, at
from tests.factories.crossoffice import make_consent, make_referral

pytestmark = pytest.mark.django_db

PERSON_PHONE, PERSON_NUMBER = "(214) 555-0142", "+12145550142"
CONTACT_PHONE, CONTACT_NUMBER = "(214) 555-0199", "+12145550199"
HEARING_AT = at(CHICAGO, "2026-05-12 09:30")
DUE_7D = at(CHICAGO, "2026-05-05 09:30")
DUE_OFFICER = at(CHICAGO, "2026-05-10 09:30")
FACILITY = "Prairieland Detention Center"  # in the Dallas district


@pytest.fixture
def sms(settings):
    fake = FakeProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_TOKEN = "test-token"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    yield fake
    fake.stop()


@pytest.fixture
def officer():
    return f.officer("dallas")


def detained_hearing(officer, *, detained=True, **person_fields):
    person = f.make_person(
        officer,
        given_names="Rosa",
        **{"phone": PERSON_PHONE, "contact_consent": True, "preferred_language": "es", **person_fields},
    )
    custody = (
        {"facility": DetentionFacility.objects.get(name=FACILITY), "detained_since": dt.date(2026, 5, 1)}
        if detained
        else {}
    )
    case = f.make_case(officer, person=person, **custody)
    services.case_assign(actor=officer, case=case, assignee=officer)
    return services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=HEARING_AT, location="Sala 3"
    )


def add_contact(officer, person, *, consent=True, phone=CONTACT_PHONE, email=""):
    contact = EmergencyContact(
        name="Lupe Bóxer", relationship="hermana", phone=phone, email=email, hearing_reminders_consent=consent
    )
    return services.emergency_contact_save(actor=officer, person=person, contact=contact)


def person_reminder(hearing, kind="hearing_person_7d") -> Reminder:
    return Reminder.objects.get(subject_type="hearing", subject_id=hearing.pk, kind=kind, status="pending")


def test_detained_with_nobody_to_tell_no_text_reaches_the_persons_phone(frozen, sms, officer):
    hearing = detained_hearing(officer)
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "skipped"
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("skipped", NOBODY_WHILE_DETAINED)
    assert sms.deliveries == []
    assert mail.outbox == []


def test_the_officer_is_told_that_nobody_could_be_told(frozen, sms, officer, client):
    hearing = detained_hearing(officer)
    frozen.move_to(DUE_OFFICER)
    officer_row = Reminder.objects.get(kind="hearing_officer_2d", subject_id=hearing.pk)
    assert deliver(officer_row.pk) == "sent"
    (email,) = mail.outbox
    assert email.to == [officer.email]
    assert "nadie recibe los recordatorios" in email.body
    # and the case page says it above the hearings
    login_verified(client, officer)
    page = client.get(reverse("workspace:case", args=[hearing.case_id]))
    assert page.status_code == 200
    notice = page.content.decode()
    assert 'id="hearing-reminders-custody"' in notice
    assert "nadie recibe los recordatorios" in notice


def test_a_consented_emergency_contact_is_texted_instead_of_the_person(frozen, sms, officer):
    hearing = detained_hearing(officer)
    add_contact(officer, hearing.case.person)
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    (delivery,) = sms.deliveries
    assert delivery["body"]["to"] == CONTACT_NUMBER
    body = delivery["body"]["body"]
    first_line = body.splitlines()[0]
    assert first_line == "Recordatorio de una cita importante."
    assert "Rosa tiene una audiencia el martes 12 de mayo de 2026 a las 09:30 en Sala 3" in body
    assert hearing.case.reference in body
    assert PERSON_NUMBER not in {d["body"]["to"] for d in sms.deliveries}
    (event,) = CaseEvent.objects.filter(case=hearing.case, kind=EventKind.REMINDER_SENT)
    assert event.payload == {
        "reminder_id": row.pk,
        "reminder_kind": "hearing_person_7d",
        "channel": "sms",
        "sent_to": "emergency_contact",
    }
    assert "555" not in str(event.payload)


def test_an_emergency_contact_without_the_persons_consent_is_not_told(frozen, sms, officer):
    hearing = detained_hearing(officer)
    add_contact(officer, hearing.case.person, consent=False)
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "skipped"
    assert sms.deliveries == []


def test_a_contact_with_only_an_email_gets_an_email(frozen, sms, officer):
    hearing = detained_hearing(officer, phone="")
    add_contact(officer, hearing.case.person, phone="", email="lupe@example.invalid")
    row = person_reminder(hearing)
    assert row.channel == "email"
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    (email,) = mail.outbox
    assert email.to == ["lupe@example.invalid"]
    assert email.subject == "Recordatorio de una cita"


def _attorney(officer, case, *, scope):
    partner = f.PartnerFactory(covers=["dallas"], contact_email="legal@aliada.example")
    make_consent(officer, case, partner, scope=scope)
    return make_referral(officer, case, partner, service="legal_representation")


def test_the_attorney_of_record_is_emailed_when_the_consent_covers_hearings(frozen, sms, officer):
    hearing = detained_hearing(officer)
    _attorney(officer, hearing.case, scope=[DataCategory.IDENTITY, DataCategory.HEARINGS])
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    emails = [m for m in mail.outbox if m.to == ["legal@aliada.example"]]
    (email,) = emails
    assert email.body.startswith("Recordatorio de una cita importante.\n")
    assert hearing.case.reference in email.body
    assert sms.deliveries == []


def test_no_attorney_is_told_without_consent_covering_hearings(frozen, sms, officer):
    hearing = detained_hearing(officer)
    _attorney(officer, hearing.case, scope=[DataCategory.IDENTITY, DataCategory.CUSTODY])
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "skipped"
    assert [m for m in mail.outbox if "legal@aliada.example" in m.to] == []
    assert sms.deliveries == []


def test_released_before_the_reminder_is_due_it_goes_to_the_person(frozen, sms, officer):
    hearing = detained_hearing(officer)
    add_contact(officer, hearing.case.person)
    row = person_reminder(hearing)
    # released, recorded without the services (an import, a fix in the database): decided when sent
    Case.objects.filter(pk=hearing.case_id).update(released_on=dt.date(2026, 5, 4))
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    (delivery,) = sms.deliveries
    assert delivery["body"]["to"] == PERSON_NUMBER
    assert "orden de deportación en ausencia" in delivery["body"]["body"]


def test_detained_after_the_reminder_was_scheduled_it_stays_off_the_persons_phone(frozen, sms, officer):
    hearing = detained_hearing(officer, detained=False)
    row = person_reminder(hearing)
    Case.objects.filter(pk=hearing.case_id).update(
        facility=DetentionFacility.objects.get(name=FACILITY), detained_since=dt.date(2026, 5, 4)
    )
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "skipped"
    assert sms.deliveries == []


def test_a_release_through_the_services_moves_the_reminders_back_to_the_person(frozen, officer):
    hearing = detained_hearing(officer, phone="", email="rosa@example.invalid")
    add_contact(officer, hearing.case.person)
    assert person_reminder(hearing).channel == "sms"  # the contact's phone
    services.case_update(actor=officer, case=hearing.case, released_on=dt.date(2026, 5, 4))
    assert person_reminder(hearing).channel == "email"  # the person's own address


def test_at_liberty_the_person_is_told_what_missing_it_means_and_how_to_reach_the_consulate(
    frozen, sms, officer
):
    hearing = detained_hearing(officer, detained=False)
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    (delivery,) = sms.deliveries
    assert delivery["body"]["to"] == PERSON_NUMBER
    body = delivery["body"]["body"]
    assert body.splitlines()[0] == "Recordatorio de una cita importante."
    assert "orden de deportación en ausencia" in body
    phone = hearing.case.consulate.phone
    assert phone
    assert phone in body
