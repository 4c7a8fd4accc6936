"""The inquiries' report: by channel, how many arrived in the period, how long locating the person and
answering the caller took (median and 90th percentile, in hours), and how many are open past their
deadline now. Counted over ``Inquiry.held_for`` (the consulate's; network-wide for managers, who may
choose one consulate). One query, on the index on ``received_at``.

Registered with the reports from here (``register``, called by ``IntakeConfig.ready``): ``cases`` does
not know the intake app.
"""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.reports import registry
from cases.reports.common import (
    Percentile,
    Report,
    ReportParams,
    epoch_hours,
    in_local_range,
    rounded,
    scoped_consulate,
)
from intake.models import Channel, Inquiry, InquiryStatus


def _hours(later: str, earlier: str):
    return epoch_hours(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()))


def scoped_inquiries(user, params: ReportParams):
    inquiries = Inquiry.objects.held_for(user)
    consulate_id = scoped_consulate(user, params)
    if consulate_id is not None:
        inquiries = inquiries.filter(consulate_id=consulate_id)
    return inquiries


def inquiries_by_channel(user, params: ReportParams) -> Report:
    now = timezone.now()
    received = in_local_range(scoped_inquiries(user, params), "received_at", params)
    to_locate = _hours("located_at", "received_at")
    to_answer = _hours("answered_at", "received_at")
    located = Q(located_at__isnull=False)
    answered = Q(status=InquiryStatus.ANSWERED)
    grouped = (
        received.values("channel")
        .annotate(
            n=Count("pk"),
            located=Count("pk", filter=located),
            locate_median=Percentile(to_locate, 0.5, filter=located),
            locate_p90=Percentile(to_locate, 0.9, filter=located),
            answered=Count("pk", filter=answered),
            answer_median=Percentile(to_answer, 0.5, filter=answered),
            answer_p90=Percentile(to_answer, 0.9, filter=answered),
            overdue=Count("pk", filter=Q(status=InquiryStatus.OPEN, respond_by__lt=now)),
        )
        .order_by("channel")
    )
    labels = dict(Channel.choices)
    rows = [
        {
            "channel": str(labels.get(r["channel"], r["channel"])),
            "received": r["n"],
            "located": r["located"],
            "locate_median": rounded(r["locate_median"]),
            "locate_p90": rounded(r["locate_p90"]),
            "answered": r["answered"],
            "answer_median": rounded(r["answer_median"]),
            "answer_p90": rounded(r["answer_p90"]),
            "overdue": r["overdue"],
        }
        for r in grouped
    ]
    return Report(
        "inquiries_by_channel",
        _("Inquiries by channel"),
        [
            ("channel", _("Channel")),
            ("received", _("Received")),
            ("located", _("Located")),
            ("locate_median", _("Hours to locate (median)")),
            ("locate_p90", _("Hours to locate (90th percentile)")),
            ("answered", _("Answered")),
            ("answer_median", _("Hours to answer (median)")),
            ("answer_p90", _("Hours to answer (90th percentile)")),
            ("overdue", _("Open past the deadline now")),
        ],
        rows,
        chart={"type": "bar", "label": "channel", "values": ["received", "answered"]},
        note=_(
            "Inquiries received in the date range. Hours count from reception to the first search that "
            "said where the person is, and to the answer given to the caller."
        ),
    )


def register() -> None:
    registry.register(gettext_lazy("Inquiries from families and partners"), [inquiries_by_channel])
