"""Timeliness and outcome reports."""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.categories import Category
from cases.models.case import NotifiedBy, Outcome, Status
from cases.models.crossoffice import ReferralStatus, TransferStatus
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.reports import of_operation
from cases.reports.common import (
    Percentile,
    Report,
    ReportParams,
    epoch_days,
    epoch_hours,
    in_local_range,
    local_range_bounds,
    operation_sql,
    rounded,
    scope_sql,
    scoped_cases,
    scoped_consulate,
    sql_rows,
)
from cases.reports.summary import daily_flow, vulnerable_counts


def _duration(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def days_to_closure(user, params: ReportParams) -> Report:
    closed = in_local_range(scoped_cases(user, params).filter(status=Status.CLOSED), "closed_at", params)
    days = epoch_days(_duration("closed_at", "opened_at"))
    grouped = closed.values("category").annotate(
        n=Count("pk"), median=Percentile(days, 0.5), p90=Percentile(days, 0.9)
    )
    labels = dict(Category.choices)
    rows = [
        {
            "category": str(labels.get(r["category"], r["category"])),
            "closed": r["n"],
            "median": rounded(r["median"]),
            "p90": rounded(r["p90"]),
        }
        for r in sorted(grouped, key=lambda r: r["category"])
    ]
    return Report(
        "days_to_closure",
        _("Days to closure by category"),
        [
            ("category", _("Category")),
            ("closed", pgettext("number of cases", "Closed")),
            ("median", _("Median days")),
            ("p90", _("90th percentile")),
        ],
        rows,
        chart={"type": "bar", "label": "category", "values": ["median", "p90"]},
        note=_("Cases closed in the date range."),
    )


def _art36(user, params: ReportParams, group: str, label: str, name: str, title: str, labels=None) -> Report:
    cases = in_local_range(
        scoped_cases(user, params).filter(consulate_notified_at__isnull=False),
        "consulate_notified_at",
        params,
    )
    notification = epoch_hours(_duration("consulate_notified_at", "arrested_at"))
    contact = epoch_hours(_duration("first_contact_at", "consulate_notified_at"))
    grouped = (
        cases.values(group)
        .annotate(
            n=Count("pk"),
            notification_median=Percentile(notification, 0.5, filter=Q(arrested_at__isnull=False)),
            contact_median=Percentile(contact, 0.5, filter=Q(first_contact_at__isnull=False)),
            no_contact=Count("pk", filter=Q(first_contact_at__isnull=True)),
        )
        .order_by(group)
    )
    rows = [
        {
            label: (labels or {}).get(r[group], r[group]) or "—",
            "cases": r["n"],
            "notification_median": rounded(r["notification_median"]),
            "contact_median": rounded(r["contact_median"]),
            "no_contact": r["no_contact"],
        }
        for r in grouped
    ]
    return Report(
        name,
        title,
        [
            (label, _("Facility") if label == "facility" else _("Notified by")),
            ("cases", _("Notifications")),
            ("notification_median", _("Arrest → notification (median h)")),
            ("contact_median", _("Notification → contact (median h)")),
            ("no_contact", _("No contact yet")),
        ],
        rows,
        chart={"type": "bar", "label": label, "values": ["notification_median", "contact_median"]},
        note=_("Consulate notified in the date range."),
    )


def art36_by_facility(user, params: ReportParams) -> Report:
    return _art36(
        user, params, "facility__name", "facility", "art36_by_facility", _("Art. 36 delays by facility")
    )


def art36_by_notifier(user, params: ReportParams) -> Report:
    labels = {k: str(v) for k, v in NotifiedBy.choices}
    return _art36(
        user,
        params,
        "notified_by",
        "notified_by",
        "art36_by_notifier",
        _("Art. 36 delays by who notified"),
        labels,
    )


# The two small reports below are written in SQL (``sql_rows``): their queries take 0.3-0.5 ms at a
# million cases and building them through the ORM took 1-1.5 ms more. The scope is ``scope_sql``, the
# rule of ``scoped_cases``; the local-date range is ``in_local_range``'s, written out.
_REFERRALS_SQL = """
    SELECT pa.name AS partner, count(*) AS n,
           count(*) FILTER (WHERE r.responded_at IS NOT NULL AND r.status <> %s) AS accepted,
           count(*) FILTER (WHERE r.status = %s) AS declined,
           count(*) FILTER (WHERE r.status = %s) AS pending,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', r.responded_at - r.referred_at)
               / 3600.0) FILTER (WHERE r.responded_at IS NOT NULL) AS median_response
    FROM cases_referral r
    JOIN cases_case c ON c.id = r.case_id
    JOIN consulates_consulate k ON k.id = c.consulate_id
    JOIN consulates_partner pa ON pa.id = r.partner_id
    WHERE r.referred_at >= %s AND r.referred_at < %s
      AND (r.referred_at >= %s AND r.referred_at < %s
           OR timezone(k.timezone, r.referred_at)::date BETWEEN %s AND %s)
      AND {scope} AND {operation}
    GROUP BY pa.name ORDER BY pa.name
"""


def referrals_by_partner(user, params: ReportParams) -> Report:
    # The referrals of the cases the report counts (``Referral.visible_to`` for staff, said directly).
    # Accepted: answered and not declined. The status alone would forget it: closing a case withdraws
    # its accepted referrals.
    scope, scope_params = scope_sql(user, params, "c.consulate_id")
    operation, operation_params = operation_sql(params, "c.id")
    b = local_range_bounds(params)
    declined, pending = ReferralStatus.DECLINED.value, ReferralStatus.PENDING.value
    grouped = sql_rows(
        _REFERRALS_SQL.format(scope=scope, operation=operation),
        [declined, declined, pending, b["lower"], b["upper"], b["inner_lower"], b["inner_upper"]]
        + [b["start"], b["end"], *scope_params, *operation_params],
    )
    rows = []
    for r in grouped:
        answered = r["accepted"] + r["declined"]
        rows.append(
            {
                "partner": r["partner"],
                "referrals": r["n"],
                "accepted": r["accepted"],
                "declined": r["declined"],
                "pending": r["pending"],
                "acceptance_rate": rounded(100 * r["accepted"] / answered) if answered else None,
                "median_response": rounded(r["median_response"]),
            }
        )
    return Report(
        "referrals_by_partner",
        _("Referrals by partner"),
        [
            ("partner", _("Partner")),
            ("referrals", _("Referrals")),
            ("accepted", _("Accepted")),
            ("declined", _("Declined")),
            ("pending", _("Awaiting answer")),
            ("acceptance_rate", _("Acceptance rate (%)")),
            ("median_response", _("Median response (h)")),
        ],
        rows,
        chart={"type": "bar", "label": "partner", "values": ["acceptance_rate"]},
        note=_("Referred in the date range; the rate counts answered referrals."),
    )


_PENDING_TRANSFERS_SQL = """
    SELECT k.city AS city, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.age) AS median_age,
           percentile_cont(1.0) WITHIN GROUP (ORDER BY d.age) AS oldest
    FROM (
        SELECT t.to_consulate_id, date_part('epoch', %s - t.requested_at) / 86400.0 AS age
        FROM cases_transfer t WHERE t.status = %s AND {scope} AND {operation}
    ) d JOIN consulates_consulate k ON k.id = d.to_consulate_id
    GROUP BY k.city ORDER BY k.city
"""


def pending_transfers(user, params: ReportParams) -> Report:
    # ``Transfer.visible_to`` (either end, or all for network-wide roles) narrowed to the consulate the
    # report keeps to is the same condition as the report scope on either end.
    scope, scope_params = scope_sql(user, params, "t.to_consulate_id", "t.from_consulate_id")
    operation, operation_params = operation_sql(params, "t.case_id")
    grouped = sql_rows(
        _PENDING_TRANSFERS_SQL.format(scope=scope, operation=operation),
        [timezone.now(), TransferStatus.PENDING.value, *scope_params, *operation_params],
    )
    rows = [
        {
            "to": r["city"],
            "pending": r["n"],
            "median_age": rounded(r["median_age"]),
            "oldest": rounded(r["oldest"]),
        }
        for r in grouped
    ]
    return Report(
        "pending_transfers",
        _("Pending transfers"),
        [
            ("to", _("To consulate")),
            ("pending", _("Pending")),
            ("median_age", _("Median age (days)")),
            ("oldest", _("Oldest (days)")),
        ],
        rows,
        chart={"type": "bar", "label": "to", "values": ["pending"]},
        note=_("Now (the date range does not apply)."),
    )


def _closed_in_range(user, params: ReportParams):
    """Cases closed in the range (local days), from the trigger-kept daily counts (``DailyFlow``)."""
    return daily_flow(user, scoped_consulate(user, params)).filter(
        kind="closed", day__gte=params.start, day__lte=params.end
    )


def closed_by_outcome(user, params: ReportParams) -> Report:
    labels = dict(Outcome.choices)
    if params.operation_id is not None:
        grouped = (
            of_operation.closed_in_range(user, params)
            .values("outcome")
            .annotate(n=Count("pk"))
            .order_by("-n", "outcome")
        )
    else:
        grouped = (
            _closed_in_range(user, params)
            .values("outcome")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
            .order_by("-n", "outcome")
        )
    rows = [{"outcome": str(labels.get(r["outcome"], r["outcome"])), "closed": r["n"]} for r in grouped]
    return Report(
        "closed_by_outcome",
        _("Closed cases by outcome"),
        [("outcome", _("Outcome")), ("closed", pgettext("number of cases", "Closed"))],
        rows,
        chart={"type": "doughnut", "label": "outcome", "values": ["closed"]},
        note=_("Cases closed in the date range."),
    )


def repatriations(user, params: ReportParams) -> Report:
    if params.operation_id is not None:
        grouped = (
            of_operation.closed_in_range(user, params)
            .filter(outcome=Outcome.REPATRIATED)
            .values("month", "reception_point__name")
            .annotate(n=Count("pk"))
            .order_by("month", "reception_point__name")
        )
    else:
        grouped = (
            _closed_in_range(user, params)
            .filter(outcome=Outcome.REPATRIATED)
            .annotate(month=TruncMonth("day"))
            .values("month", "reception_point__name")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
            .order_by("month", "reception_point__name")
        )
    rows = [
        {
            "month": r["month"].strftime("%Y-%m"),
            "reception_point": r["reception_point__name"] or _("Not recorded"),
            "repatriated": r["n"],
        }
        for r in grouped
    ]
    return Report(
        "repatriations",
        _("Repatriations by reception point and month"),
        [("month", _("Month")), ("reception_point", _("Reception point")), ("repatriated", _("Repatriated"))],
        rows,
        chart={"type": "bar", "label": "reception_point", "values": ["repatriated"], "stack_by": "month"},
        note=_("Cases closed as repatriated in the date range."),
    )


def vulnerable_open(user, params: ReportParams) -> Report:
    """Persons with open cases (each once), from the trigger-kept summary of their flags (an operation's
    from its open cases)."""
    if params.operation_id is not None:
        counts = of_operation.vulnerable_counts(user, params)
    else:
        counts = vulnerable_counts(user, scoped_consulate(user, params))
    rows = [
        {"flag": str(Person._meta.get_field(name).verbose_name), "persons": counts[name]}
        for name in VULNERABILITY_FIELDS
    ]
    rows.insert(0, {"flag": _("Any vulnerability"), "persons": counts["any_flag"]})
    rows.insert(0, {"flag": _("Persons with open cases"), "persons": counts["total"]})
    return Report(
        "vulnerable_open",
        _("Vulnerable persons among open cases"),
        [("flag", _("Vulnerability")), ("persons", _("Persons"))],
        rows,
        chart={"type": "bar", "label": "flag", "values": ["persons"], "horizontal": True},
        note=_("Now (the date range does not apply)."),
    )
