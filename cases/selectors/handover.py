"""Reads for the hand-overs to consulates outside the network. Every selector starts from
``Handover.objects.visible_to(user)``: a hand-over the user may not see is not found."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from cases.models import Case, Handover
from consulates.choices import State
from consulates.models import ConsularPost

_RELATED = ("post", "sent_by", "acknowledgement_recorded_by")


def case_handovers(*, user, case: Case) -> list[Handover]:
    """The case's hand-overs, the latest first (a case reopened and handed over again has several)."""
    handovers = list(Handover.objects.visible_to(user).filter(case=case).select_related(*_RELATED))
    for handover in handovers:
        handover.case = case  # the caller's case object, with what it already loaded
    return handovers


def case_handover(*, user, case: Case, pk: int) -> Handover | None:
    handover = Handover.objects.visible_to(user).filter(case=case, pk=pk).select_related(*_RELATED).first()
    if handover is not None:
        handover.case = case
    return handover


def handover_posts() -> QuerySet[ConsularPost]:
    """The posts a case can be handed over to: the Mexican consulates in the US outside the network, by
    state and city."""
    return ConsularPost.objects.outside_network().order_by("state", "city", "pk")


def handover_posts_by_state() -> list[tuple[str, list[ConsularPost]]]:
    grouped: dict[str, list[ConsularPost]] = defaultdict(list)
    for post in handover_posts():
        grouped[post.state].append(post)
    return list(grouped.items())


def held_outside_network(case: Case) -> bool:
    """Whether the case's person is held (now) at a facility outside the network's districts: one with no
    county of the network, or in a state other than Texas, Oklahoma and New Mexico. The case page then
    suggests a hand-over to whoever may send it. (Facilities outside TX/OK/NM come with the custody work,
    with ``county`` empty; until then this is never true.)"""
    facility = case.facility
    if facility is None or case.released_on is not None:
        return False
    return facility.county_id is None or facility.state not in State.values
