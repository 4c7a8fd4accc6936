"""Art. 36 as it works for Mexico, counted from the arrest: how long until the person was advised of the
right, until the consulate was notified, and from notification to the first consular contact, per
arresting agency and per facility; how many declined notification and how many oppose consular action
(art. 36(1)(c)). Cases arrested in the date range (local date at the case's consulate)."""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext as _

from cases.models.case import NotificationRequest
from cases.models.identity import ArrestingAgency
from cases.reports.common import (
    Percentile,
    Report,
    ReportParams,
    epoch_hours,
    in_local_range,
    rounded,
    scoped_cases,
)

# (column, later time, earlier time): the delays in hours, each over the cases with both times recorded.
DELAYS = (
    ("advised", "advised_at", "arrested_at"),
    ("notification", "consulate_notified_at", "arrested_at"),
    ("contact", "first_contact_at", "consulate_notified_at"),
)


def _hours(later: str, earlier: str):
    return epoch_hours(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()))


def _art36_sequence(user, params: ReportParams, *, group: str, label: str, heading: str, labels=None):
    cases = in_local_range(
        scoped_cases(user, params).filter(arrested_at__isnull=False), "arrested_at", params
    )
    aggregates = {"n": Count("pk")}
    for name, later, earlier in DELAYS:
        hours = _hours(later, earlier)
        present = Q(**{f"{later}__isnull": False, f"{earlier}__isnull": False})
        aggregates[f"{name}_median"] = Percentile(hours, 0.5, filter=present)
        aggregates[f"{name}_p90"] = Percentile(hours, 0.9, filter=present)
    aggregates["declined"] = Count("pk", filter=Q(notification_request=NotificationRequest.DECLINED))
    aggregates["opposed"] = Count("pk", filter=Q(opposes_consular_action=True))
    grouped = cases.values(group).annotate(**aggregates).order_by(group)
    rows = []
    for r in grouped:
        row = {label: (labels or {}).get(r[group], r[group]) or "—", "arrests": r["n"]}
        for name, _later, _earlier in DELAYS:
            row[f"{name}_median"] = rounded(r[f"{name}_median"])
            row[f"{name}_p90"] = rounded(r[f"{name}_p90"])
        row["declined"] = r["declined"]
        row["opposed"] = r["opposed"]
        rows.append(row)
    columns = [
        (label, heading),
        ("arrests", _("Arrests")),
        ("advised_median", _("Arrest → advised of the right (median h)")),
        ("advised_p90", _("Arrest → advised (90th percentile h)")),
        ("notification_median", _("Arrest → consulate notified (median h)")),
        ("notification_p90", _("Arrest → notified (90th percentile h)")),
        ("contact_median", _("Notified → first contact (median h)")),
        ("contact_p90", _("Notified → first contact (90th percentile h)")),
        ("declined", _("Declined notification")),
        ("opposed", _("Oppose consular action")),
    ]
    return rows, columns


def art36_by_agency(user, params: ReportParams) -> Report:
    labels = {key: str(value) for key, value in ArrestingAgency.choices}
    rows, columns = _art36_sequence(
        user, params, group="arresting_agency", label="agency", heading=_("Arresting agency"), labels=labels
    )
    return Report(
        "art36_by_agency",
        _("Art. 36 from arrest, by arresting agency"),
        columns,
        rows,
        chart={"type": "bar", "label": "agency", "values": ["advised_median", "notification_median"]},
        note=_(
            "Cases whose arrest falls in the date range; each delay over the cases with both times recorded."
        ),
    )


def art36_sequence_by_facility(user, params: ReportParams) -> Report:
    rows, columns = _art36_sequence(
        user, params, group="facility__name", label="facility", heading=_("Facility")
    )
    return Report(
        "art36_sequence_by_facility",
        _("Art. 36 from arrest, by facility"),
        columns,
        rows,
        chart={"type": "bar", "label": "facility", "values": ["advised_median", "notification_median"]},
        note=_(
            "Cases whose arrest falls in the date range; each delay over the cases with both times recorded."
        ),
    )
