"""The daily digest of an officer or supervisor, built when sent: today's hearings, due and overdue
tasks, pending referrals, incoming transfers and (for supervisors) closures awaiting approval.
An empty digest is not sent."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, Hearing, Referral, Reminder, Task, Transfer
from cases.models.case import Status
from cases.models.crossoffice import ReferralStatus
from cases.models.work import HearingStatus
from cases.reminders.channels import Outgoing, Skip
from consulates.models import Consulate
from consulates.policy import can, home_consulate
from consulates.zones import zone_after_time


def build_digest(reminder: Reminder) -> Outgoing | Skip:
    user = reminder.user
    if user is None or not user.is_active or not user.email:
        return Skip("no recipient with an email address")
    consulate_id = home_consulate(user)
    if consulate_id is None:
        return Skip("not an officer or supervisor")
    consulate = Consulate.objects.get(pk=consulate_id)
    tz = zoneinfo.ZoneInfo(consulate.timezone)
    today = reminder.due_at.astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
    mine = Case.objects.filter(consulate_id=consulate.pk, assigned_to=user).exclude(status=Status.CLOSED)
    hearings = list(
        Hearing.objects.filter(
            case__in=mine.values("pk"),
            status=HearingStatus.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        )
        .select_related("case__consulate", "case__facility__county__consulate", "court")
        .order_by("starts_at")
    )
    tasks = list(
        Task.objects.filter(assignee=user, done=False, due_date__lte=today)
        .exclude(case__status=Status.CLOSED)  # a closed case reminds nobody of anything
        .select_related("case")
        .order_by("due_date")
    )
    referrals = list(
        Referral.objects.filter(case__in=mine.values("pk"), status=ReferralStatus.PENDING).select_related(
            "case", "partner"
        )
    )
    transfers = (
        list(Transfer.objects.pending().filter(to_consulate_id=consulate.pk).select_related("case"))
        if can(user, "transfer.decide")
        else []
    )
    approvals = (
        list(Case.objects.filter(consulate_id=consulate.pk, status=Status.PENDING_CLOSURE))
        if can(user, "case.close.approve")
        else []
    )
    if not (hearings or tasks or referrals or transfers or approvals):
        return Skip("nothing to report today")
    with translation.override("es"):
        lines = [
            _("Good morning. Your day at the %(consulate)s, %(date)s:")
            % {"consulate": consulate, "date": today.isoformat()},
            "",
        ]
        if hearings:
            lines.append(_("Hearings today:"))
            lines += [f"  - {_court_time(h, tz)} {h.case.reference} · {h.location}" for h in hearings]
        if tasks:
            lines.append(_("Tasks due or overdue:"))
            lines += [f"  - {t.due_date.isoformat()} {t.case.reference} · {t.title}" for t in tasks]
        if referrals:
            lines.append(_("Referrals awaiting a partner's answer:"))
            lines += [f"  - {r.case.reference} · {r.partner}" for r in referrals]
        if transfers:
            lines.append(_("Transfers awaiting your decision:"))
            lines += [f"  - {t.case.reference}" for t in transfers]
        if approvals:
            lines.append(_("Closures awaiting your approval:"))
            lines += [f"  - {c.reference}" for c in approvals]
        subject = _("Daily digest %(date)s") % {"date": today.isoformat()}
    return Outgoing(
        to=[user.email], subject=subject, body="\n".join(lines), reference=f"reminder-{reminder.pk}"
    )


def _court_time(hearing, tz: zoneinfo.ZoneInfo) -> str:
    """The hearing's time on the court's clock, its zone named where the consulate's clock differs."""
    zone = hearing.zone_name
    local = hearing.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
    if local.utcoffset() == hearing.starts_at.astimezone(tz).utcoffset():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} ({zone_after_time(zone) or local.tzname()})"
