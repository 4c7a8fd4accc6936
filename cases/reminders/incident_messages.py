"""The email telling a supervisor or a regional manager of a critical incident, built when it is sent, in
the recipient's language (``StaffMembership.language``). The subject says what and where with the case's
reference, never the person's name; the body when, how the consulate learnt of it and the link to the
case. Registered with ``messages.register`` at start-up (``CasesConfig.ready``)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from cases.incident_text import case_link, incident_summary, incident_when
from cases.models import CriticalIncident, Reminder
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.messages import _email, _staff
from consulates.policy import told


def _language(user) -> str:
    membership = getattr(user, "staff_membership", None)
    return getattr(membership, "language", "") or "es"


def build_incident(reminder: Reminder) -> Outgoing | Skip:
    recipients = _staff(reminder, None)
    if not recipients:
        return Skip("no recipient with an email address")
    incident = (
        CriticalIncident.objects.select_related("case__consulate", "facility__county")
        .filter(pk=reminder.subject_id)
        .first()
    )
    if incident is None:
        return Skip("the incident no longer exists")
    if not told("incident.told", incident.case.consulate_id).filter(pk=recipients[0].pk).exists():
        return Skip("the recipient is no longer a supervisor of the consulate or a manager")
    with translation.override(_language(recipients[0])):
        subject = _("Critical incident: %(summary)s") % {"summary": incident_summary(incident)}
        lines = [
            _("%(kind)s recorded on case %(reference)s of the %(consulate)s.")
            % {
                "kind": incident.get_kind_display(),
                "reference": incident.case.reference,
                "consulate": incident.case.consulate,
            },
            _("Where: %(where)s.") % {"where": incident.where},
            _("When: %(when)s.") % {"when": incident_when(incident)},
            _("How the consulate learnt of it: %(source)s.") % {"source": incident.get_source_display()},
            "",
            _("The case, its checklist and the description: %(link)s")
            % {"link": case_link(incident.case_id)},
        ]
        return _email(recipients, subject, "\n".join(lines), reminder)
