"""The "Familia" panel, on the case page (the case's person) and on the person's family page: the person's
relatives read from the person's side, each with where they are and their cases the user may see; the
search and registration of a relative; the case's family-preparedness checklist. What may be done is the
policy's (``family.add``, ``family.change``, ``family_checklist.edit``); the queries are the selector's."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Person
from cases.models.family import ChecklistItemKind, ChecklistStatus
from cases.selectors import person_search_filter
from cases.selectors.family import checklist_of, relationships_of
from consulates.policy import allowed_among, can
from workspace.family_forms import (
    ChecklistItemForm,
    ChecklistUpdateForm,
    RelationshipChangeForm,
    RelationshipEndForm,
    RelativeLinkForm,
    RelativeNewForm,
    RelativeSearchForm,
)

SEARCH_RESULTS = 8


def _dress(form, url: str, args: list, submit: str, hidden_label: str = ""):
    form.action = reverse(f"workspace:{url}", args=args)
    form.submit_label, form.hidden_label = submit, hidden_label
    return form


def _pick(bound: dict, key: str, make):
    return bound.get(key) or make()


def family_context(request, person: Person, *, case=None, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    sides = relationships_of(user, person.pk)
    adding = can(user, "family.add", person) and person.merged_into_id is None
    changeable = allowed_among(user, "family.change", [s.relationship for s in sides]) if sides else set()
    back = {"case": case.pk} if case is not None else {}
    for side in sides:
        relationship = side.relationship
        if relationship.pk not in changeable:
            continue
        key = f"rel-{relationship.pk}"
        side.change_form = _dress(
            _pick(
                bound,
                key,
                lambda side=side, key=key: RelationshipChangeForm(
                    prefix=key,
                    initial={
                        "kind": side.relative_kind,
                        "relative_whereabouts": side.relative_whereabouts,
                        "notes": side.relationship.notes,
                        "version": side.relationship.version,
                    },
                ),
            ),
            "person_family_change",
            [person.pk, relationship.pk],
            _("Save the change"),
            side.relative.full_name,
        )
        end_key = f"end-{relationship.pk}"
        side.end_form = _dress(
            _pick(
                bound,
                end_key,
                lambda side=side, end_key=end_key: RelationshipEndForm(
                    prefix=end_key, initial={"version": side.relationship.version}
                ),
            ),
            "person_family_end",
            [person.pk, relationship.pk],
            _("Remove the relationship"),
            side.relative.full_name,
        )
    context = {
        "family_person": person,
        "family_case": case,
        "relatives": sides,
        "family_adding": adding,
        "family_back": back,
        "family_results": [],
        "family_searched": "",
    }
    if adding:
        query = request.GET.get("family_q", "").strip() if request.method == "GET" else ""
        context["family_search_form"] = RelativeSearchForm(initial={"family_q": query})
        context["family_searched"] = query
        if query:
            related = {side.relative.pk for side in sides} | {person.pk}
            found = list(
                Person.objects.visible_to(user)
                .filter(person_search_filter(query))
                .exclude(pk__in=related)
                .select_related("registered_by")[:SEARCH_RESULTS]
            )
            for candidate in found:
                key = f"link-{candidate.pk}"
                candidate.link_form = _dress(
                    _pick(
                        bound,
                        key,
                        lambda key=key, c=candidate: RelativeLinkForm(prefix=key, initial={"relative": c.pk}),
                    ),
                    "person_family_link",
                    [person.pk],
                    _("Link as relative"),
                    candidate.full_name,
                )
            context["family_results"] = found
        context["family_new_form"] = _dress(
            _pick(bound, "relative-new", lambda: RelativeNewForm(prefix="relative-new")),
            "person_family_new",
            [person.pk],
            _("Register and link"),
        )
    if case is not None:
        context.update(checklist_context(request, case, bound=bound))
    return context


def checklist_context(request, case, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    items = checklist_of(request.user, case)
    editing = can(request.user, "family_checklist.edit", case)
    if editing:
        for item in items:
            key = f"item-{item.pk}"
            item.form = _dress(
                _pick(
                    bound,
                    key,
                    lambda item=item, key=key: ChecklistUpdateForm(
                        prefix=key,
                        caregiver=item.kind == ChecklistItemKind.CAREGIVER,
                        initial={
                            "status": item.status,
                            "due_on": item.due_on,
                            "caregiver_name": item.caregiver_name,
                            "caregiver_contact": item.caregiver_contact,
                            "note": item.note,
                            "version": item.version,
                        },
                    ),
                ),
                "case_family_item",
                [case.pk, item.pk],
                _("Save"),
                item.title,
            )
    return {
        "checklist": items,
        "checklist_pending": sum(1 for item in items if item.status == ChecklistStatus.PENDING),
        "checklist_form": _dress(
            _pick(bound, "item", lambda: ChecklistItemForm(prefix="item")),
            "case_family_item_add",
            [case.pk],
            _("Add to the checklist"),
        )
        if editing
        else None,
    }
