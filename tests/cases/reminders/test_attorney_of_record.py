"""The attorney of record of a proceeding receives a detained person's hearing reminders when it is a
partner organisation and the person's standing consent to that partner covers hearings (decision 0019's
rule kept: only with consent); never a private attorney's or an adviser's address, which the network
holds no consent for."""

from __future__ import annotations

import pytest
from django.core import mail

from cases import services
from cases.models.crossoffice import DataCategory
from cases.reminders.dispatch import deliver
from cases.reminders.recipients import ATTORNEY, custody_recipients
from tests import factories as f
from tests.cases.reminders.test_custody_recipients import DUE_7D, detained_hearing, person_reminder, sms  # noqa: F401
from tests.factories.crossoffice import make_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return f.officer("dallas")


def _of_record(officer, hearing, *, scope, consent=True):
    partner = f.PartnerFactory(covers=["dallas"], contact_email="abogada@defensa.example")
    if consent:
        make_consent(officer, hearing.case, partner, scope=scope)
    services.proceeding_update(
        actor=officer, proceeding=hearing.proceeding, counsel_kind="partner", counsel_partner=partner
    )
    return partner


def test_the_partner_of_record_with_consent_covering_hearings_is_emailed(frozen, sms, officer):  # noqa: F811
    hearing = detained_hearing(officer)
    partner = _of_record(officer, hearing, scope=[DataCategory.IDENTITY, DataCategory.HEARINGS])
    assert [(r.who, r.address) for r in custody_recipients(hearing.case)] == [
        (ATTORNEY, partner.contact_email)
    ]
    row = person_reminder(hearing)
    assert row.channel == "email"  # resynced when the attorney was recorded
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    (email,) = [m for m in mail.outbox if m.to == [partner.contact_email]]
    assert email.body.startswith("Recordatorio de una cita importante.\n")
    assert sms.deliveries == []


@pytest.mark.parametrize("consent", [False, True])
def test_without_consent_covering_hearings_the_partner_of_record_is_not_told(frozen, sms, officer, consent):  # noqa: F811
    hearing = detained_hearing(officer)
    _of_record(officer, hearing, scope=[DataCategory.IDENTITY, DataCategory.CUSTODY], consent=consent)
    assert custody_recipients(hearing.case) == []
    row = person_reminder(hearing)
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "skipped"
    assert mail.outbox == [] or all("abogada@defensa.example" not in m.to for m in mail.outbox)


def test_a_private_attorney_of_record_is_never_sent_the_persons_reminders(officer):
    hearing = detained_hearing(officer)
    services.proceeding_update(
        actor=officer, proceeding=hearing.proceeding, counsel_kind="private", counsel_name="Lic. Ana Torres"
    )
    assert custody_recipients(hearing.case) == []
