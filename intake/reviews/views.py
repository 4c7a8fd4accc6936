"""Possible duplicates and merges in the staff workspace. Thin: reads are ``intake.reviews.selectors``,
writes ``cases.services.duplicate_reviews`` and ``cases.services.merges``; every read of a record the
user could not otherwise see (another consulate's record in a review, a merged-away record) is logged."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases.access import record_access
from cases.models import AccessAction, DuplicateReview, Person, PersonMerge
from cases.services.duplicate_reviews import duplicate_review_resolve
from cases.services.merges import merge_snapshot, persons_merge, persons_unmerge
from consulates.policy import can, scope
from intake.reviews import selectors
from intake.reviews.forms import DecisionForm, MergeForm, UnmergeForm, versions_from

PAGE_SIZE = 50


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


def _refuse_unless_deciding(user) -> None:
    if not can(user, "duplicate_review.resolve"):
        raise PermissionDenied


def _log_unseen(request, sides, what: str) -> None:
    """The access log gets every record shown here that the user does not see elsewhere."""
    for side in sides:
        if not side.visible:
            record_access(request, AccessAction.VIEW, person_id=side.person.pk, what=what)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@staff_member_required
def queue(request):
    """The open possible duplicates the user may decide, most likely first."""
    _refuse_unless_deciding(request.user)
    page = Paginator(selectors.open_reviews(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "intake/reviews/queue.html", {"title": _("Possible duplicates"), "page": page})


@staff_member_required
def review(request, pk: int):
    """A possible duplicate: both records side by side; the same person (merge) or two persons."""
    _refuse_unless_deciding(request.user)
    item = get_object_or_404(DuplicateReview.objects.visible_to(request.user), pk=pk)
    pair = (item.person_id, item.candidate_id)
    status, form = 200, None
    if request.method == "POST" and item.status == "open":
        form = DecisionForm(request.POST, sides=selectors.sides(request.user, *pair))
        if form.is_valid():
            resolution = request.POST.get("resolution", "")
            try:
                duplicate_review_resolve(
                    actor=request.user,
                    review=item,
                    resolution=resolution,
                    note=form.cleaned_data["note"],
                    survivor_id=form.cleaned_data.get("survivor"),
                    expected_versions=versions_from(request.POST, pair),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal) or _("You cannot merge these records."))
                status = 403
            else:
                return _decided(request, item, resolution)
        status = status if status != 200 else 400
    # The records as they are now (after a refusal too: the versions the next try sends are current).
    sides = selectors.sides(request.user, *pair)
    _log_unseen(request, sides, "posible duplicado")
    form = form or DecisionForm(sides=sides)
    may_merge = all(can(request.user, "person.merge", side.person) for side in sides)
    if not may_merge:  # their only decision is "different persons": the note is just a note
        form.fields["note"].label, form.fields["note"].help_text = _("Note (optional)"), ""
    context = {
        "title": _("Possible duplicate"),
        "item": item,
        "sides": sides,
        "reasons": selectors.reason_words(item.reasons),
        "form": form,
        "may_merge": may_merge,
    }
    return _page(request, "intake/reviews/review.html", context, status=status)


def _decided(request, item: DuplicateReview, resolution: str):
    if resolution == "merged":
        merge = PersonMerge.objects.filter(review=item).order_by("-pk").first()
        messages.success(request, _("The two records are now one. You can undo the merge from this page."))
        return redirect("reviews:merge", merge.pk)
    messages.success(request, _("Marked as two different persons."))
    return redirect("reviews:queue")


@staff_member_required
def person_merge(request, pk: int):
    """From a person's page: find the other record (among those the user may work on), then merge."""
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    if not can(request.user, "person.merge", person):
        raise PermissionDenied
    term = request.GET.get("q", "").strip()
    other_pk = request.POST.get("other") or request.GET.get("other")
    context = {"title": _("Merge with another record"), "person": person, "term": term, "status": 200}
    if other_pk and str(other_pk).isdigit():
        work = Person.objects.visible_to(request.user).filter(scope(request.user, Person, "work"))
        other = get_object_or_404(work.exclude(pk=person.pk), pk=other_pk)
        return _merge_pair(request, person, other, context)
    context["found"] = selectors.mergeable_with(request.user, person, term)
    return _page(request, "intake/reviews/person_merge.html", context)


def _merge_pair(request, person: Person, other: Person, context: dict):
    pair = (person.pk, other.pk)
    status, form = 200, None
    if request.method == "POST":
        form = MergeForm(request.POST, sides=selectors.sides(request.user, *pair))
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            try:
                merge = persons_merge(
                    actor=request.user,
                    survivor=survivor,
                    merged=next(pk for pk in pair if pk != survivor),
                    reason=form.cleaned_data["reason"],
                    expected_versions=versions_from(request.POST, pair),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
                status = 403
            else:
                messages.success(
                    request, _("The two records are now one. You can undo the merge from this page.")
                )
                return redirect("reviews:merge", merge.pk)
        status = status if status != 200 else 400
    sides = selectors.sides(request.user, *pair)  # as they are now: a retry sends current versions
    form = form or MergeForm(sides=sides)
    context.update(other=other, sides=sides, form=form)
    return _page(request, "intake/reviews/person_merge.html", context, status=status)


@staff_member_required
def merge(request, pk: int):
    """A merge: both records, who merged them, when and why, what moved; "undo" with a reason."""
    item = get_object_or_404(
        PersonMerge.objects.visible_to(request.user).select_related("merged_by", "unmerged_by"), pk=pk
    )
    form, status = UnmergeForm(), 200
    if request.method == "POST":
        form = UnmergeForm(request.POST)
        if form.is_valid():
            try:
                persons_unmerge(actor=request.user, merge=item, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _add_errors(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
                status = 403
            else:
                messages.success(request, _("The merge was undone: the two records are separate again."))
                return redirect("reviews:merge", item.pk)
        status = status if status != 200 else 400
        item.refresh_from_db()
    sides = selectors.sides(request.user, item.survivor_id, item.merged_id)
    _log_unseen(request, sides, "fusión de registros")
    context = {
        "title": _("Merge of two records"),
        "item": item,
        "sides": sides,
        "summary": selectors.merge_summary(merge_snapshot(item)),
        "form": form,
        "may_undo": item.unmerged_at is None and can(request.user, "person.merge", sides[0].person),
    }
    return _page(request, "intake/reviews/merge.html", context, status=status)
