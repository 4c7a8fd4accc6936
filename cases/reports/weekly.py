"""The weekly caseload email: Monday 08:00 Central, to regional managers (whole network) and each
consulate's supervisors (their consulate), with the key figures in the text and every report in an
XLSX attachment. Scheduled as outbox rows (one per recipient and week), so it is sent exactly once
through the email channel, with the same retries as any reminder."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Reminder
from cases.models.reminder import ReminderChannel, ReminderKind
from cases.reminders.channels import Outgoing, Skip
from cases.reports import exports
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from consulates.policy import can, holders

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
SEND_AT = dt.time(8, 0)
LATEST = dt.time(12, 0)


def schedule_weekly_reports(now: dt.datetime | None = None) -> int:
    """On Monday morning (Central), one row per regional manager and supervisor, due 08:00."""
    now = now or timezone.now()
    local = now.astimezone(CENTRAL)
    if local.weekday() != 0 or not (SEND_AT <= local.time() < LATEST):
        return 0
    due = dt.datetime.combine(local.date(), SEND_AT, tzinfo=CENTRAL).astimezone(dt.UTC)
    users = holders("report.weekly").exclude(email="")
    rows = [
        Reminder(
            kind=ReminderKind.WEEKLY_REPORT,
            channel=ReminderChannel.EMAIL,
            subject_type="weekly-report",
            subject_id=user_id,
            recipient_key=f"user:{user_id}",
            user_id=user_id,
            due_at=due,
        )
        for user_id in users.values_list("pk", flat=True)
    ]
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))


def build_weekly_report(reminder: Reminder) -> Outgoing | Skip:

    user = reminder.user
    if user is None or not user.is_active or not user.email or not can(user, "report.view"):
        return Skip("no recipient with an email address")
    monday = reminder.due_at.astimezone(CENTRAL).date()
    params = ReportParams(start=monday - dt.timedelta(days=7), end=monday - dt.timedelta(days=1))
    with translation.override("es"):
        reports = [function(user, params) for function in REPORTS.values()]
        by_name = {report.name: report for report in reports}
        opened = sum(row["opened"] for row in by_name["weekly_flow"].rows)
        closed = sum(row["closed"] for row in by_name["weekly_flow"].rows)
        open_now = sum(row["total"] for row in by_name["open_cases"].rows)
        unassigned = sum(row["unassigned"] for row in by_name["attention"].rows)
        inactive = sum(row["inactive"] for row in by_name["attention"].rows)
        hearings = sum(row["next_7"] for row in by_name["upcoming_hearings"].rows)
        transfers = sum(row["pending"] for row in by_name["pending_transfers"].rows)
        lines = [
            _("Caseload, week of %(start)s to %(end)s:") % {"start": params.start, "end": params.end},
            "",
            _("Cases opened: %(n)d") % {"n": opened},
            _("Cases closed: %(n)d") % {"n": closed},
            _("Open cases now: %(n)d (unassigned: %(u)d; no activity for 14+ days: %(i)d)")
            % {"n": open_now, "u": unassigned, "i": inactive},
            _("Hearings in the next 7 days: %(n)d") % {"n": hearings},
            _("Transfers awaiting a decision: %(n)d") % {"n": transfers},
            "",
            _("Every report is in the attached spreadsheet."),
        ]
        subject = _("Weekly caseload report %(start)s – %(end)s") % {"start": params.start, "end": params.end}
        content = exports.to_xlsx(reports, params)
    return Outgoing(
        to=[user.email],
        subject=subject,
        body="\n".join(lines),
        reference=f"reminder-{reminder.pk}",
        attachments=[(f"informes-{params.start}-{params.end}.xlsx", content, exports.XLSX_CONTENT_TYPE)],
    )
