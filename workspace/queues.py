"""The queues of the staff homes. Each is one queryset built from the model's visibility rule
(``visible_to``) and the same condition as the staff list it links to, so a count and its list agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Hearing, Referral, RepatriationHandoff, Task, Transfer
from cases.models.case import Priority, Status
from cases.models.crossoffice import TransferStatus
from cases.models.work import HearingStatus
from consulates.policy import home_consulate

OPEN = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE)
HEARING_DAYS = 7
SHOWN = 10  # rows of each queue on the home page; its list has the rest

# Urgent first, then high, normal, low.
URGENCY = When_(
    *[When(priority=value, then=Value(rank)) for rank, value in enumerate(
        (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
    )],
    output_field=IntegerField(),
)  # fmt: skip


@dataclass
class Queue:
    """One queue on a home page: its rows (the first ``SHOWN``), how many there are in all, and the staff
    list that shows all of them."""

    key: str
    rows: list
    count: int
    link: str
    extra: dict = field(default_factory=dict)


def _queue(key: str, queryset: QuerySet, link: str) -> Queue:
    rows = list(queryset[: SHOWN + 1])
    count = len(rows) if len(rows) <= SHOWN else queryset.count()
    return Queue(key=key, rows=rows[:SHOWN], count=count, link=link)


def _list(name: str, query: str) -> str:
    return f"{reverse(f'admin:cases_{name}_changelist')}?{query}"


def my_open_cases(user) -> Queue:
    cases = (
        Case.objects.visible_to(user)
        .filter(assigned_to=user, status__in=OPEN)
        .select_related("person", "facility")
        .annotate(urgency=URGENCY)
        .order_by("urgency", "-last_activity_at", "-pk")
    )
    return _queue("cases", cases, _list("case", "mine=me_open"))


def my_tasks_due(user, today: dt.date | None = None) -> Queue:
    """My open tasks due today or before (today in the user's consulate)."""
    today = today or timezone.localdate()
    tasks = (
        Task.objects.visible_to(user)
        .filter(assignee=user, done=False, due_date__lte=today)
        .select_related("case")
        .order_by("due_date", "pk")
    )
    queue = _queue("tasks", tasks, _list("task", "due=mine_due"))
    queue.extra["today"] = today
    return queue


def my_hearings(user, now: dt.datetime | None = None) -> Queue:
    """Scheduled hearings of my cases in the next seven days."""
    now = now or timezone.now()
    hearings = (
        Hearing.objects.visible_to(user)
        .filter(
            case__assigned_to=user,
            status=HearingStatus.SCHEDULED,
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=HEARING_DAYS),
        )
        .select_related("case__consulate", "case__facility__county__consulate", "court")
        .order_by("starts_at", "pk")
    )
    return _queue(
        "hearings", hearings, _list("hearing", f"when={HEARING_DAYS}&mine=me&status__exact=scheduled")
    )


def art36_flags(user) -> Queue:
    """Cases of the user's reach with no consular contact 48 hours after the consulate was notified (the
    network's internal target; never a national who declined notification or opposes consular action)."""
    cases = (
        Case.objects.visible_to(user)
        .art36_contact_overdue()
        .select_related("person", "facility", "assigned_to")
        .order_by("consulate_notified_at", "pk")
    )
    return _queue("art36", cases, _list("case", "flag=art36"))


def referrals_unanswered(user) -> Queue:
    referrals = (
        Referral.objects.visible_to(user)
        .awaiting_answer_overdue()
        .select_related("case", "partner")
        .order_by("referred_at", "pk")
    )
    return _queue("referrals", referrals, _list("referral", "overdue=1"))


def handoffs_unconfirmed(user) -> Queue:
    handoffs = (
        RepatriationHandoff.objects.visible_to(user)
        .unconfirmed_overdue()
        .select_related("case", "reception_point")
        .order_by("removal_date", "pk")
    )
    return _queue("handoffs", handoffs, _list("repatriationhandoff", "reception=overdue"))


def closures_awaiting(user) -> Queue:
    """Closures waiting for a supervisor, oldest request first, with what was proposed and by whom."""
    cases = (
        Case.objects.visible_to(user)
        .filter(status=Status.PENDING_CLOSURE)
        .select_related("person", "closure_requested_by", "assigned_to")
        .order_by("closure_requested_at", "pk")
    )
    return _queue("closures", cases, _list("case", f"status__exact={Status.PENDING_CLOSURE}"))


def transfers_incoming(user) -> Queue:
    consulate_id = home_consulate(user)
    transfers = Transfer.objects.visible_to(user).filter(status=TransferStatus.PENDING)
    if consulate_id is not None:
        transfers = transfers.filter(to_consulate_id=consulate_id)
    transfers = transfers.select_related(
        "case", "case__person", "case__facility", "from_consulate", "to_consulate", "requested_by"
    ).order_by("requested_at", "pk")
    return _queue("transfers", transfers, _list("transfer", "direction=incoming&status=pending"))


def team_overdue(user, today: dt.date | None = None) -> list[dict]:
    """Per officer of the user's reach: open cases, overdue tasks, hearings in the next seven days and
    art. 36 flags. Officers with nothing open are left out."""
    today = today or timezone.localdate()
    now = timezone.now()
    cases = Case.objects.visible_to(user).filter(status__in=OPEN, assigned_to__isnull=False)
    rows = (
        cases.values(
            "assigned_to", "assigned_to__first_name", "assigned_to__last_name", "assigned_to__username"
        )
        .annotate(open_cases=Count("pk"))
        .order_by("assigned_to__first_name", "assigned_to__username")
    )
    art36 = dict(
        Case.objects.visible_to(user)
        .art36_contact_overdue()
        .filter(assigned_to__isnull=False)
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values_list("assigned_to", "n")
    )
    overdue = dict(
        Task.objects.visible_to(user)
        .filter(done=False, due_date__lt=today, assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    hearings = dict(
        Hearing.objects.visible_to(user)
        .filter(
            status=HearingStatus.SCHEDULED,
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=HEARING_DAYS),
            case__assigned_to__isnull=False,
        )
        .values("case__assigned_to")
        .annotate(n=Count("pk"))
        .values_list("case__assigned_to", "n")
    )
    team = []
    for row in rows:
        officer = row["assigned_to"]
        name = " ".join(p for p in (row["assigned_to__first_name"], row["assigned_to__last_name"]) if p)
        team.append(
            {
                "id": officer,
                "name": name or row["assigned_to__username"],
                "open_cases": row["open_cases"],
                "overdue_tasks": overdue.get(officer, 0),
                "hearings": hearings.get(officer, 0),
                "art36": art36.get(officer, 0),
                "cases_link": _list("case", f"assignee={officer}"),
            }
        )
    return team


# Issue 19: the open possible duplicates the user may decide (the count on the officer's and supervisor's
# home; the list is intake.reviews' queue, built from the same visibility rule).
def duplicates_open(user) -> int:
    from cases.models import DuplicateReview

    return DuplicateReview.objects.visible_to(user).open().count()


# Inquiries (issue 19): the open and overdue inquiries of the user's consulate, and those assigned to the
# user, for the home's links to the queue (``intake.inquiries.selectors.home_counts``: one query).
def inquiry_counts(user) -> dict:
    from intake.inquiries.selectors import home_counts

    counts = home_counts(user)
    counts["link"] = reverse("inquiries:list")
    return counts
