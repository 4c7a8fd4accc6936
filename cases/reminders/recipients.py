"""Who a hearing reminder meant for the person actually reaches (issue 20, error 1).

A detained person's phone is in the facility's property: a text on its lock screen can harm them. So
while the case's person is in custody (``Case.in_custody``: a facility and no release date), the
person's hearing reminders go instead to, in this order:

1. an emergency contact the person agreed may be told of hearings while detained
   (``EmergencyContact.hearing_reminders_consent``): a text to their phone, else an email;
2. the attorney of record: the partner organisation named as attorney of record of one of the case's
   open proceedings (``Proceeding.counsel_partner``) to which the person's standing consent covers
   hearings (``DataCategory.HEARINGS``); then any partner with an active legal representation referral
   on the case that rests on such a consent (the attorney before proceedings were recorded): an email to
   the partner's contact address;

and to nobody when neither exists (the reminder is skipped with that reason, and the officer's case page
and two-day email say nobody could be told). Never to the person's own phone while in custody.

Decided twice: when the reminders are scheduled (which channel the row gets) and again when each one is
sent, so a release or a new detention between the two is honoured: the row is the person's reminder,
whoever receives it at the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from cases.models import Case, Consent, EmergencyContact, Proceeding, Referral
from cases.models.crossoffice import DataCategory
from cases.models.proceeding import OPEN_STATUSES, CounselKind
from cases.models.reminder import ReminderChannel
from consulates.models import PartnerService

PERSON = "person"
EMERGENCY_CONTACT = "emergency_contact"
ATTORNEY = "attorney"


@dataclass(frozen=True)
class Recipient:
    who: str  # PERSON, EMERGENCY_CONTACT or ATTORNEY
    channel: str
    address: str  # a phone number as typed, or an email address
    name: str = ""  # the contact's or partner's name (shown to staff, never logged)


def _phone_or_email(phone: str, email: str) -> tuple[str, str] | None:
    """SMS to a phone, else email; with SMS turned off, email when there is one (as for the person)."""
    if phone and (settings.SMS_BACKEND != "off" or not email):
        return ReminderChannel.SMS, phone
    if email:
        return ReminderChannel.EMAIL, email
    return None


def person_channel(person) -> str | None:
    """SMS when the person has a phone, else email; none without consent or any address. With SMS turned
    off (``SMS_BACKEND=off``) email is preferred; a person with only a phone still gets an SMS reminder,
    which then fails with that reason, so staff see that the person was not reminded."""
    if not person.contact_consent:
        return None
    found = _phone_or_email(person.phone, person.email)
    return found[0] if found else None


def custody_recipients(case: Case) -> list[Recipient]:
    """Everyone who may be told of the detained person's hearings, in the order they are tried."""
    found: list[Recipient] = []
    contacts = EmergencyContact.objects.filter(person_id=case.person_id, hearing_reminders_consent=True)
    for contact in contacts.order_by("pk"):
        reachable = _phone_or_email(contact.phone, contact.email)
        if reachable:
            found.append(Recipient(EMERGENCY_CONTACT, *reachable, name=contact.name))
    consented = (
        Consent.objects.active()
        .filter(case_id=case.pk, scope__contains=[DataCategory.HEARINGS])
        .values("partner_id")
    )
    of_record = (
        Proceeding.objects.filter(
            case_id=case.pk,
            status__in=OPEN_STATUSES,
            counsel_kind=CounselKind.PARTNER,
            counsel_partner__active=True,
            counsel_partner__in=consented,
        )
        .exclude(counsel_partner__contact_email="")
        .select_related("counsel_partner")
        .order_by("-started_on", "-pk")
    )
    told = set()
    for proceeding in of_record:
        partner = proceeding.counsel_partner
        if partner.pk not in told:
            told.add(partner.pk)
            found.append(Recipient(ATTORNEY, ReminderChannel.EMAIL, partner.contact_email, name=partner.name))
    attorneys = (
        Referral.objects.active()
        .filter(
            case_id=case.pk,
            service=PartnerService.LEGAL,
            consent__withdrawn_at__isnull=True,
            consent__scope__contains=[DataCategory.HEARINGS],
            partner__active=True,
        )
        .exclude(partner__contact_email="")
        .select_related("partner")
        .order_by("referred_at", "pk")
    )
    for referral in attorneys:
        if referral.partner_id in told:
            continue
        told.add(referral.partner_id)
        found.append(
            Recipient(
                ATTORNEY, ReminderChannel.EMAIL, referral.partner.contact_email, name=referral.partner.name
            )
        )
    return found


def hearing_recipients(case: Case) -> list[Recipient]:
    """Who the person's hearing reminders may go to now, in order: the person (at liberty, with consent
    and an address), or the custody recipients; empty when nobody may be told."""
    if case.in_custody:
        return custody_recipients(case)
    person = case.person
    channel = person_channel(person)
    if channel is None:
        return []
    address = person.phone if channel == ReminderChannel.SMS else person.email
    return [Recipient(PERSON, channel, address)]
