"""The inquiries' report: by channel, how many arrived in the period, how long locating the person and
answering the caller took (median and 90th percentile, in hours), and how many are open past their
deadline now. Counted over ``Inquiry.held_for`` (the consulate's; network-wide for managers, who may
choose one consulate). One query, on the index on ``received_at``.

Inquiries belong to no enforcement operation: with an operation chosen, the figures stay the
consulate's and the note says so (``not_for_operations``).

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
    not_for_operations,
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


def _figures(user, params: ReportParams, group: str):
    """The figures of the inquiries received in the range, grouped by ``group``: one query."""
    now = timezone.now()
    received = in_local_range(scoped_inquiries(user, params), "received_at", params)
    to_locate = _hours("located_at", "received_at")
    to_answer = _hours("answered_at", "received_at")
    located = Q(located_at__isnull=False)
    answered = Q(status=InquiryStatus.ANSWERED)
    return (
        received.values(group)
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
        .order_by(group)
    )


def _row(label_key: str, label, r) -> dict:
    return {
        label_key: label,
        "received": r["n"],
        "located": r["located"],
        "locate_median": rounded(r["locate_median"]),
        "locate_p90": rounded(r["locate_p90"]),
        "answered": r["answered"],
        "answer_median": rounded(r["answer_median"]),
        "answer_p90": rounded(r["answer_p90"]),
        "overdue": r["overdue"],
    }


def _columns(first):
    return [
        first,
        ("received", _("Received")),
        ("located", _("Located")),
        ("locate_median", _("Hours to locate (median)")),
        ("locate_p90", _("Hours to locate (90th percentile)")),
        ("answered", _("Answered")),
        ("answer_median", _("Hours to answer (median)")),
        ("answer_p90", _("Hours to answer (90th percentile)")),
        ("overdue", _("Open past the deadline now")),
    ]


def _note(params: ReportParams) -> str:
    note = _(
        "Inquiries received in the date range. Hours count from reception to the first search that "
        "said where the person is, and to the answer given to the caller."
    )
    # An inquiry comes before any case and belongs to no operation: all of them are counted.
    return not_for_operations(
        params,
        note,
        _(
            "The operation filter does not apply here: inquiries come from families and partners "
            "before there is any case, so all of them are counted."
        ),
    )


def inquiries_by_consulate(user, params: ReportParams) -> Report:
    """The same figures per consulate: the network side by side for managers, one row for a consulate."""
    rows = [_row("consulate", r["consulate__city"], r) for r in _figures(user, params, "consulate__city")]
    return Report(
        "inquiries_by_consulate",
        _("Inquiries by consulate"),
        _columns(("consulate", _("Consulate"))),
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["locate_median", "answer_median"]},
        note=_note(params),
    )


def inquiries_by_channel(user, params: ReportParams) -> Report:
    grouped = _figures(user, params, "channel")
    labels = dict(Channel.choices)
    rows = [_row("channel", str(labels.get(r["channel"], r["channel"])), r) for r in grouped]
    return Report(
        "inquiries_by_channel",
        _("Inquiries by channel"),
        _columns(("channel", _("Channel"))),
        rows,
        chart={"type": "bar", "label": "channel", "values": ["received", "answered"]},
        note=_note(params),
    )


def register() -> None:
    registry.register(
        gettext_lazy("Inquiries from families and partners"), [inquiries_by_channel, inquiries_by_consulate]
    )
