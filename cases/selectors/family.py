"""Reads of families: a person's relationships as their page reads them (each relative with the label of the
relationship, where they are, and their cases the viewer may see), and a case's checklist. Two queries for
the relationships however many there are (the rows with both persons, the relatives' visible cases)."""

from __future__ import annotations

from cases.models import Case, FamilyChecklistItem, FamilyRelationship
from cases.models.case import Status
from cases.models.family import Side, Whereabouts


def relationships_of(user, person_id: int, *, with_cases: bool = True) -> list[Side]:
    """The standing relationships of ``person_id`` that ``user`` may see, oldest first, read from that
    person's side. ``with_cases``: each relative's cases ``user`` may see (open first), and a relative held
    today in an open case is shown detained whatever was recorded."""
    rows = (
        FamilyRelationship.objects.visible_to(user)
        .active()
        .of_person(person_id)
        .select_related("person_a", "person_b")
        .order_by("recorded_at", "pk")
    )
    sides = [row.side(person_id) for row in rows]
    if not with_cases or not sides:
        return sides
    relatives = {side.relative.pk for side in sides}
    cases = (
        Case.objects.visible_to(user)
        .filter(person_id__in=relatives)
        .select_related("consulate", "facility")
        .order_by("person_id", "-opened_at", "-pk")
    )
    by_person: dict[int, list[Case]] = {}
    for case in cases:
        by_person.setdefault(case.person_id, []).append(case)
    for side in sides:
        found = by_person.get(side.relative.pk, [])
        side.cases = sorted(found, key=lambda c: c.status == Status.CLOSED)
        if any(c.status != Status.CLOSED and c.in_custody for c in found):
            side.relative_whereabouts = Whereabouts.DETAINED_US
            side.detained_at = next(c.facility for c in found if c.status != Status.CLOSED and c.in_custody)
    return sides


def checklist_of(user, case: Case) -> list[FamilyChecklistItem]:
    return list(
        FamilyChecklistItem.objects.visible_to(user).filter(case=case).select_related("task").order_by("pk")
    )
