"""Formal requests in the reports (decision 0026): the requests sent to authorities and not answered,
by authority, with how many are past their due day. Counted from the consulate's own requests
(``FormalRequest.held_for``), in the consulate chosen; with an operation chosen, the requests about its
cases."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import FormalRequest
from cases.models.formal_request import AuthorityKind
from cases.reports.common import Report, ReportParams, scoped_consulate


def unanswered_requests(user, params: ReportParams) -> Report:
    """Sent requests still unanswered today (whenever sent), by authority; overdue: due before today."""
    requests = FormalRequest.objects.held_for(user).unanswered()
    consulate_id = scoped_consulate(user, params)
    if consulate_id is not None:
        requests = requests.filter(consulate_id=consulate_id)
    if params.operation_id is not None:
        requests = requests.filter(case__operation_id=params.operation_id)
    today = timezone.localdate()
    grouped = (
        requests.values("authority_kind", "authority_name")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)), oldest=Min("sent_on"))
        .order_by("-n", "authority_name")
    )
    kinds = dict(AuthorityKind.choices)
    rows = [
        {
            "authority": r["authority_name"],
            "kind": str(kinds.get(r["authority_kind"], r["authority_kind"])),
            "unanswered": r["n"],
            "overdue": r["overdue"],
            "on_time": r["n"] - r["overdue"],
            "oldest": r["oldest"].isoformat() if r["oldest"] else "",
        }
        for r in grouped
    ]
    return Report(
        "unanswered_requests",
        _("Unanswered requests by authority"),
        [
            ("authority", _("Authority")),
            ("kind", _("Kind of authority")),
            ("unanswered", _("Unanswered")),
            ("overdue", _("Past their due day")),
            ("on_time", _("Not yet due")),
            ("oldest", _("Oldest sent on")),
        ],
        rows,
        chart={"type": "bar", "label": "authority", "values": ["overdue", "on_time"], "horizontal": True},
        note=_(
            "Requests sent and not answered today, whenever they were sent; the date range does not apply."
        ),
    )
