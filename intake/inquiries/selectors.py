"""Reading inquiries: the open queue by deadline (with its filters), one inquiry with what its page
shows, and the counts on the staff homes. Always through ``Inquiry.objects.visible_to``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from consulates.policy import reach
from intake.models import Channel, Inquiry, InquiryStatus, LocateAttempt, Urgency

FILTERS = ("mine", "urgent", "overdue", "channel")


@dataclass(frozen=True)
class QueueFilters:
    mine: bool = False
    urgent: bool = False
    overdue: bool = False
    channel: str = ""

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        channel = query.get("channel", "")
        return cls(
            mine=query.get("mine") == "1",
            urgent=query.get("urgent") == "1",
            overdue=query.get("overdue") == "1",
            channel=channel if channel in Channel.values else "",
        )


def working_on(user):
    """The inquiries a user's consulate holds now (not those it forwarded: it only keeps a record)."""
    return Inquiry.objects.visible_to(user).filter(reach(user).q("consulate_id"))


def open_queue(user, filters: QueueFilters | None = None, now=None):
    filters = filters or QueueFilters()
    now = now or timezone.now()
    inquiries = working_on(user).open()
    if filters.mine:
        inquiries = inquiries.filter(assigned_to=user)
    if filters.urgent:
        inquiries = inquiries.filter(urgency=Urgency.URGENT)
    if filters.overdue:
        inquiries = inquiries.filter(respond_by__lt=now)
    if filters.channel:
        inquiries = inquiries.filter(channel=filters.channel)
    return inquiries.select_related("consulate", "assigned_to").order_by("respond_by", "pk")


def forwarded_by_us(user):
    """What the user's consulate forwarded to another: the record it keeps."""
    return (
        Inquiry.objects.visible_to(user)
        .filter(reach(user).q("forwarded_from_id"))
        .exclude(reach(user).q("consulate_id"))
        .select_related("consulate", "forwarded_from")
        .order_by("-forwarded_at", "-pk")
    )


def home_counts(user, now=None) -> dict:
    """Open, overdue and mine (open): one query."""
    now = now or timezone.now()
    return (
        working_on(user)
        .open()
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(respond_by__lt=now)),
            mine=Count("pk", filter=Q(assigned_to=user)),
        )
    )


def inquiry_for(user, pk: int) -> Inquiry:
    inquiry = (
        Inquiry.objects.visible_to(user)
        .select_related(
            "consulate",
            "assigned_to",
            "created_by",
            "answered_by",
            "person",
            "case",
            "forwarded_from",
            "partner",
        )
        .filter(pk=pk)
        .first()
    )
    if inquiry is None:
        raise Http404
    return inquiry


def attempts_of(inquiry: Inquiry):
    return LocateAttempt.objects.filter(inquiry=inquiry).select_related("facility", "officer")


def is_open(inquiry: Inquiry) -> bool:
    return inquiry.status == InquiryStatus.OPEN
