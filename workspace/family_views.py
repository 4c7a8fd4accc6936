"""The family panel's actions and the person's family page (``/person/<pk>/family/``).

Relationship actions belong to a person (posted from the person's page, or from a case page, which the
answer returns to: the form's ``case``); the checklist's belong to a case and use the case page's quick
flow (``case_views._quick``). Each calls one service; nothing here decides who may."""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import services
from cases.access import AccessAction, record_access
from cases.models import Case, FamilyChecklistItem, FamilyRelationship, Person
from cases.services.registration import PossibleDuplicates, record_candidates_shown
from consulates.policy import can, home_consulate
from workspace.case_views import _case, _quick, _render_page
from workspace.family import family_context
from workspace.family_forms import (
    ChecklistItemForm,
    ChecklistUpdateForm,
    RelationshipChangeForm,
    RelationshipEndForm,
    RelativeLinkForm,
    RelativeNewForm,
)

FAMILY_PARTS = ["header", "timeline", "tasks", "family"]


def _staff_only(request) -> None:
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


def _person(request, pk: int) -> Person:
    _staff_only(request)
    return get_object_or_404(Person.objects.visible_to(request.user).select_related("registered_by"), pk=pk)


def _zone(person: Person, case: Case | None) -> zoneinfo.ZoneInfo:
    consulate = case.consulate if case is not None else person.registered_by
    return zoneinfo.ZoneInfo(consulate.timezone)


@staff_member_required
@require_GET
def person_family(request, pk: int):
    person = _person(request, pk)
    with timezone.override(_zone(person, None)):
        response = _render_person_page(request, person)
    record_access(request, AccessAction.VIEW, what="workspace: family", person_id=person.pk)
    return response


def _render_person_page(request, person: Person, *, bound: dict | None = None, status: int = 200):
    cases = list(
        Case.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("consulate")
        .order_by("-opened_at")
    )
    context = {
        **admin.site.each_context(request),
        **family_context(request, person, bound=bound),
        "person": person,
        "person_cases": cases,
        "title": _("Family of %(name)s") % {"name": person.full_name},
    }
    return render(request, "workspace/person_family.html", context, status=status)


def _back_case(request, person: Person) -> Case | None:
    pk = request.POST.get("case", "")
    if not pk.isdigit():
        return None
    return (
        Case.objects.visible_to(request.user)
        .select_related("person", "consulate")
        .filter(pk=int(pk), person=person)
        .first()
    )


def _relationship_action(request, person: Person, *, key: str, form, run, message: str):
    """Post/Redirect/Get to the page the form was on (the case page or the person's), or that page
    again with the form's errors (400)."""
    case = _back_case(request, person)
    with timezone.override(_zone(person, case)):
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except PossibleDuplicates as error:
                record_candidates_shown(request, error.candidates)
                form.apply_errors(error)
            except ValidationError as error:
                form.apply_errors(error)
        if form.errors:
            if case is not None:
                return _render_page(request, case, bound={key: form}, status=400)
            return _render_person_page(request, person, bound={key: form}, status=400)
    messages.success(request, message)
    if case is not None:
        return redirect(f"{reverse('workspace:case', args=[case.pk])}#family")
    return redirect(f"{reverse('workspace:person_family', args=[person.pk])}#family")


@staff_member_required
@require_POST
def family_link(request, pk: int):
    person = _person(request, pk)
    key = next(
        (name.removesuffix("-relative") for name in request.POST if name.endswith("-relative")), "link"
    )
    form = RelativeLinkForm(request.POST, prefix=key)

    def run(data):
        relative = Person.objects.visible_to(request.user).filter(pk=data["relative"]).first()
        if relative is None:
            raise ValidationError({"relative": _("Choose a person from the search.")})
        services.relationship_add(
            actor=request.user,
            person=person,
            relative=relative,
            kind=data["kind"],
            relative_whereabouts=data["relative_whereabouts"],
            notes=data["notes"],
        )

    return _relationship_action(request, person, key=key, form=form, run=run, message=_("Relative linked."))


@staff_member_required
@require_POST
def family_new(request, pk: int):
    person = _person(request, pk)
    form = RelativeNewForm(request.POST, prefix="relative-new")

    def run(data):
        with transaction.atomic():  # a relative registered for a link that is refused is not kept
            relative = services.person_register_screened(
                actor=request.user,
                consulate=None if home_consulate(request.user) else person.registered_by,
                request=request,
                confirm_new_person=data["confirm_new_person"],
                new_person_reason=data["new_person_reason"],
                given_names=data["given_names"],
                paternal_surname=data["paternal_surname"],
                maternal_surname=data["maternal_surname"],
                date_of_birth=data["date_of_birth"],
                sex=data["sex"],
            )
            services.relationship_add(
                actor=request.user,
                person=person,
                relative=relative,
                kind=data["kind"],
                relative_whereabouts=data["relative_whereabouts"],
                notes=data["notes"],
            )

    return _relationship_action(
        request, person, key="relative-new", form=form, run=run, message=_("Relative registered and linked.")
    )


def _relationship(request, person: Person, relationship_pk: int) -> FamilyRelationship:
    return get_object_or_404(
        FamilyRelationship.objects.visible_to(request.user).active().of_person(person.pk), pk=relationship_pk
    )


@staff_member_required
@require_POST
def family_change(request, pk: int, relationship_pk: int):
    person = _person(request, pk)
    relationship = _relationship(request, person, relationship_pk)
    key = f"rel-{relationship.pk}"

    def run(data):
        services.relationship_correct(
            actor=request.user,
            relationship=relationship,
            for_person=person,
            expected_version=data["version"],
            kind=data["kind"],
            relative_whereabouts=data["relative_whereabouts"],
            notes=data["notes"],
        )

    form = RelationshipChangeForm(request.POST, prefix=key)
    return _relationship_action(
        request, person, key=key, form=form, run=run, message=_("Relationship corrected.")
    )


@staff_member_required
@require_POST
def family_end(request, pk: int, relationship_pk: int):
    person = _person(request, pk)
    relationship = _relationship(request, person, relationship_pk)
    key = f"end-{relationship.pk}"

    def run(data):
        services.relationship_end(
            actor=request.user,
            relationship=relationship,
            reason=data["reason"],
            expected_version=data["version"],
        )

    form = RelationshipEndForm(request.POST, prefix=key)
    return _relationship_action(
        request, person, key=key, form=form, run=run, message=_("Relationship removed.")
    )


@staff_member_required
@require_POST
def checklist_item_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.checklist_item_add(actor=request.user, case=case, **data)

    return _quick(
        request,
        case,
        key="item",
        form=ChecklistItemForm(request.POST, prefix="item"),
        run=run,
        parts=FAMILY_PARTS,
        message=_("Added to the checklist."),
        anchor="family",
    )


@staff_member_required
@require_POST
def checklist_item_update(request, pk: int, item_pk: int):
    case = _case(request, pk)
    item = get_object_or_404(
        FamilyChecklistItem.objects.visible_to(request.user).filter(case=case), pk=item_pk
    )
    key = f"item-{item.pk}"

    def run(data):
        version = data.pop("version")
        services.checklist_item_update(actor=request.user, item=item, expected_version=version, **data)

    return _quick(
        request,
        case,
        key=key,
        form=ChecklistUpdateForm(request.POST, prefix=key, caregiver=item.kind == "caregiver"),
        run=run,
        parts=FAMILY_PARTS,
        message=_("Checklist updated."),
        anchor="family",
    )
