"""What a person's hearing reminder says, and to whom it goes when it is sent (issue 20, error 1).

Every text meant for a person (or, while they are detained, for the contact or attorney who receives it
instead) opens with a neutral first line: a phone's lock screen or an inbox shows the first line or the
first few dozen characters, and someone else may be looking at it. No "consulate", "hearing", "court",
"deportation" or "immigration" there (``PREVIEW_WORDS``, checked by a test over every such text in both
languages); the details come after.

At liberty, the person is told plainly that missing the hearing can bring a removal order in their
absence, and how to reach the consulate (its phone, from the network data). While detained, the
reminder goes to the first of ``recipients.custody_recipients`` (never the person's own phone).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, Hearing, Reminder
from cases.models.reminder import ReminderChannel
from cases.models.work import HearingKind
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.recipients import ATTORNEY, EMERGENCY_CONTACT, PERSON, custody_recipients, person_channel

# Words that never appear in the preview of a person-facing text (first line, first 40 characters).
PREVIEW_WORDS = (
    "consulado",
    "consulate",
    "audiencia",
    "hearing",
    "deportación",
    "deportation",
    "corte",
    "court",
    "migración",
    "inmigración",
    "immigration",
)
PREVIEW_CHARS = 40

# Hearings before an immigration judge: missing one can end in a removal order in absentia.
IMMIGRATION_COURT = {HearingKind.MASTER, HearingKind.INDIVIDUAL, HearingKind.BOND, HearingKind.CREDIBLE_FEAR}

NOBODY_WHILE_DETAINED = "the person is detained and nobody they agreed to may be told of the hearing"


def preview_line() -> str:
    """The neutral first line of every person-facing text."""
    return _("Reminder of an important appointment.")


def email_subject() -> str:
    return _("Reminder of an appointment")


def person_text(case: Case, hearing: Hearing, when: str) -> str:
    """To the person at liberty: when and where; what missing it means; how to reach the consulate."""
    values = {
        "when": when,
        "where": hearing.location,
        "city": case.consulate.city,
        "reference": case.reference,
    }
    details = _("You have a hearing on %(when)s at %(where)s.") % values
    if hearing.kind in IMMIGRATION_COURT:
        warning = _(
            "Go even if you have no lawyer: if you miss it, the immigration judge can order your "
            "deportation in your absence."
        )
    else:
        warning = _("Go: missing it can have serious consequences for you.")
    if case.consulate.phone:
        help_line = _(
            "If you cannot go or need help, call the Consulate of Mexico in %(city)s at %(phone)s. "
            "Case %(reference)s."
        ) % {**values, "phone": case.consulate.phone}
    else:  # a consulate whose number the network data does not give (until staff enter it)
        help_line = (
            _(
                "If you cannot go or need help, contact the Consulate of Mexico in %(city)s. Case %(reference)s."
            )
            % values
        )
    return f"{preview_line()}\n{details} {warning} {help_line}"


def proxy_text(case: Case, hearing: Hearing, when: str) -> str:
    """To the emergency contact or attorney told instead of the detained person."""
    values = {
        "name": case.person.given_names,
        "when": when,
        "where": hearing.location,
        "city": case.consulate.city,
        "reference": case.reference,
    }
    details = (
        _(
            "%(name)s has a hearing on %(when)s at %(where)s (case %(reference)s). You receive this message "
            "because %(name)s agreed that you be told while they cannot receive messages."
        )
        % values
    )
    if case.consulate.phone:
        help_line = _("For questions, call the Consulate of Mexico in %(city)s at %(phone)s.") % {
            **values,
            "phone": case.consulate.phone,
        }
    else:
        help_line = _("For questions, contact the Consulate of Mexico in %(city)s.") % values
    return f"{preview_line()}\n{details} {help_line}"


def build_person_hearing(reminder: Reminder, hearing: Hearing, local_time, textable) -> Outgoing | Skip:
    """The person's reminder as things stand now: to the person at liberty (by the row's channel when
    the person still has that address, else by the one they have now), or to whoever may be told while
    they are detained. ``local_time(moment, case)`` writes the time out; ``textable(phone)`` is the
    number normalised, or None when it asked for no texts."""
    case = hearing.case
    reference = f"reminder-{reminder.pk}"
    if case.in_custody:
        for recipient in custody_recipients(case):
            to = recipient.address
            if recipient.channel == ReminderChannel.SMS:
                to = textable(to)
                if to is None:
                    continue
            language = "es" if recipient.who == ATTORNEY else translation.get_language()
            with translation.override(language):
                when = local_time(hearing.starts_at, case)
                return Outgoing(
                    to=[to],
                    subject=email_subject(),
                    body=proxy_text(case, hearing, when),
                    reference=reference,
                    channel=recipient.channel,
                    sent_to=recipient.who,
                )
        return Skip(NOBODY_WHILE_DETAINED)
    person = reminder.person
    if person is None or not person.contact_consent:
        return Skip("the person does not consent to messages")
    channel = reminder.channel
    if not (person.phone if channel == ReminderChannel.SMS else person.email):
        channel = person_channel(person) or channel  # scheduled for a contact, or the address changed
    text = person_text(case, hearing, local_time(hearing.starts_at, case))
    if channel == ReminderChannel.SMS:
        if not person.phone:
            return Skip("no phone number")
        number = textable(person.phone)
        if number is None:
            return Skip("the number opted out")
        return Outgoing(
            to=[number],
            subject=email_subject(),
            body=text,
            reference=reference,
            channel=channel,
            sent_to=PERSON,
        )
    if not person.email:
        return Skip("no email address")
    return Outgoing(
        to=[person.email],
        subject=email_subject(),
        body=text,
        reference=reference,
        channel=channel,
        sent_to=PERSON,
    )


def custody_note(case: Case) -> str:
    """For staff (the officer's two-day email, the case page): who the detained person's hearing
    reminders reach, or that nobody may be told."""
    recipients = custody_recipients(case)
    if not recipients:
        return _(
            "The person is detained and has no emergency contact or attorney of record who may be told of "
            "hearings: nobody is reminded of them. Tell the person yourself, and ask whom they agree we tell."
        )
    first = recipients[0]
    if first.who == EMERGENCY_CONTACT:
        return _(
            "The person is detained: their hearing reminders go to their emergency contact %(name)s."
        ) % {"name": first.name}
    return _("The person is detained: their hearing reminders go to the attorney of record, %(name)s.") % {
        "name": first.name
    }
