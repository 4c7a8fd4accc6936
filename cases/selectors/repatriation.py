"""Reads for the repatriation hand-off, the belongings the facility held and the case documents.

Every selector starts from the model's ``visible_to(user)``: a record the user may not see is not
found (the views answer 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import Belonging, Case, Document, RepatriationHandoff

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


def reception_warnings(case: Case) -> list[str]:
    """What the officer should know before sending a vulnerable person to the case's reception point:
    a minor to a point where the sources list no DIF reception of children, an older adult or a person
    with a medical need or disability to a point outside the 2016 local arrangements. Warnings only: the
    hand-off can still be prepared (the person may travel with family, or no other point is used)."""
    person, point = case.person, case.reception_point
    if point is None:
        return []
    warnings = []
    receivers = set(point.receivers)
    if (person.is_minor or person.is_unaccompanied_minor) and "dif" not in receivers:
        warnings.append(
            _("The person is a minor, and the sources do not list DIF receiving children at %(point)s.")
            % {"point": point.name}
        )
    needs = [
        str(person._meta.get_field(name).verbose_name)
        for name in ("is_older_adult", "has_serious_medical_condition", "has_disability", "is_pregnant")
        if getattr(person, name)
    ]
    if needs and point.designated_2016 == "no":
        warnings.append(
            _(
                "The person is flagged (%(needs)s), and %(point)s is not one of the points designated "
                "under the 2016 local repatriation arrangements."
            )
            % {"needs": ", ".join(needs), "point": point.name}
        )
    return warnings
