"""Reads for the repatriation hand-off, the belongings the facility held and the case documents.

Every selector starts from the model's ``visible_to(user)``: a record the user may not see is not
found (the views answer 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import QuerySet
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from cases.models import Belonging, Case, Document, RemovalWarningAck, RepatriationHandoff
from consulates.models import ReceptionPoint

_HANDOFF_RELATED = ("reception_point", "prepared_by", "confirmation_recorded_by")


def handoffs_list(*, user) -> QuerySet[RepatriationHandoff]:
    """The hand-offs of the cases the user sees, with what the list shows loaded in the same query."""
    return (
        RepatriationHandoff.objects.visible_to(user)
        .select_related("case__person", "case__consulate", "reception_point", "prepared_by")
        .order_by("-removal_date", "-pk")
    )


def case_handoff(*, user, case: Case) -> RepatriationHandoff | None:
    handoff = (
        RepatriationHandoff.objects.visible_to(user)
        .filter(case=case)
        .select_related(*_HANDOFF_RELATED)
        .first()
    )
    if handoff is not None:
        handoff.case = case  # the caller's case object, with what it already loaded (the consulate)
    return handoff


def case_belongings(*, user, case: Case) -> QuerySet[Belonging]:
    return (
        Belonging.objects.visible_to(user)
        .filter(case=case)
        .select_related("recorded_by", "resolved_by")
        .order_by("recorded_at", "pk")
    )


def handoff_sheet(*, user, case_pk) -> dict | None:
    """Everything the printable hand-off sheet shows, or ``None`` when the user may not see the case
    or it has no hand-off."""
    case = (
        Case.objects.visible_to(user)
        .select_related("person", "consulate", "reception_point")
        .filter(pk=case_pk)
        .first()
    )
    if case is None:
        return None
    handoff = case_handoff(user=user, case=case)
    if handoff is None:
        return None
    return {
        "case": case,
        "person": case.person,
        "handoff": handoff,
        "belongings": list(case_belongings(user=user, case=case)),
    }


def document_for_download(*, user, pk: int) -> Document | None:
    return Document.objects.visible_to(user).select_related("case").filter(pk=pk).first()


@dataclass(frozen=True)
class RemovalWarning:
    """A warning about a vulnerable person's removal. ``key`` names it with what it is about (the point,
    the time), so an acknowledgement covers this plan only; ``ack`` is the acknowledgement, if any."""

    key: str
    text: str
    ack: RemovalWarningAck | None = None


def _outside_hours(time: dt.time, start: dt.time, end: dt.time) -> bool:
    if start <= end:
        return not (start <= time <= end)
    return end < time < start  # hours that run past midnight


def reception_warnings(case: Case) -> list[RemovalWarning]:
    """What the officer should know before a vulnerable person (flagged a minor, an unaccompanied minor,
    pregnant, an older adult, with a disability or a serious medical condition) is removed to the case's
    reception point: a removal time outside the hours agreed with the point (where the sources give them);
    a point not designated under the 2016 local arrangements, or closed or no longer offered; and an
    unaccompanied minor sent where the sources list no DIF reception of children. Warnings only: the
    removal is the US authorities' decision; the officer records why it goes ahead."""
    person, point = case.person, case.reception_point
    if point is None or not person.is_vulnerable:
        return []
    needs = ", ".join(person.vulnerabilities)
    warnings = []
    time = case.expected_removal_time
    has_hours = point.hours_from is not None and point.hours_to is not None
    if time is not None and has_hours and _outside_hours(time, point.hours_from, point.hours_to):
        warnings.append(
            RemovalWarning(
                f"hours:{point.pk}:{time:%H:%M}",
                _(
                    "The person is flagged (%(needs)s), and the removal at %(time)s is outside the hours "
                    "agreed with %(point)s (%(start)s to %(end)s, local time)."
                )
                % {
                    "needs": needs,
                    "time": time_format(time),
                    "point": point.name,
                    "start": time_format(point.hours_from),
                    "end": time_format(point.hours_to),
                },
            )
        )
    if point.designated_2016 == ReceptionPoint.Designation.NO:
        warnings.append(
            RemovalWarning(
                f"designation:{point.pk}",
                _(
                    "The person is flagged (%(needs)s), and %(point)s is not one of the points designated "
                    "under the 2016 local repatriation arrangements."
                )
                % {"needs": needs, "point": point.name},
            )
        )
    if not point.offered or point.status in ReceptionPoint.NOT_OFFERABLE:
        warnings.append(
            RemovalWarning(
                f"closed:{point.pk}",
                _(
                    "The person is flagged (%(needs)s), and %(point)s is closed or no longer offered for "
                    "new hand-offs."
                )
                % {"needs": needs, "point": point.name},
            )
        )
    if person.is_unaccompanied_minor and ReceptionPoint.Receiver.DIF not in point.receivers:
        warnings.append(
            RemovalWarning(
                f"dif:{point.pk}",
                _(
                    "The person is an unaccompanied minor, and the sources do not list DIF receiving "
                    "children at %(point)s."
                )
                % {"point": point.name},
            )
        )
    return warnings


def removal_warnings(*, user, case: Case) -> list[RemovalWarning]:
    """The warnings of the case's removal, each with its acknowledgement (who, when, why) when an officer
    recorded one for this plan: one query for the acknowledgements, none without warnings."""
    warnings = reception_warnings(case)
    if not warnings:
        return []
    acks = {
        ack.key: ack
        for ack in RemovalWarningAck.objects.visible_to(user)
        .filter(case=case, key__in=[w.key for w in warnings])
        .select_related("acknowledged_by")
    }
    return [replace(w, ack=acks.get(w.key)) for w in warnings]
