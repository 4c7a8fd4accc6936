"""Merging two records of the same person, and undoing it.

``persons_merge`` folds ``merged`` into ``survivor``: everything that points at the merged record moves to
the survivor (``merge_moves``: cases, contacts, aliases, reminders, identifier reviews, the intake's
inquiries and import rows, open possible duplicates), the survivor gets the fields it lacked (CURP,
A-number, phone, addresses, date of birth...), the merged record's name becomes an alias of the survivor,
and ``merged.merged_into`` is set: the merged record drops out of lists, searches and the matcher.
``PersonMerge.snapshot`` (encrypted) keeps both records as they were and exactly what moved, was copied and
was created, so ``persons_unmerge`` puts both back. What was added to the survivor after the merge (a new
case, a contact, a corrected phone) stays with it: only what the merge moved or copied goes back, and a
copied field the survivor changed since keeps its new value.
"""

from __future__ import annotations

import json
import logging

import pghistory
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, DuplicateReview, Person, PersonAlias, PersonMerge
from cases.models.identity import DuplicateResolution, DuplicateStatus
from cases.services import merge_moves as moves
from consulates.policy import authorize

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1


def _reason(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError({field: _("Say why (for example, the same CURP, or the family confirmed it).")})
    return reason


def _lock_pair(first_pk: int, second_pk: int) -> dict[int, Person]:
    """Both persons under a row lock, in pk order (every merge and unmerge locks in this order)."""
    rows = Person.objects.select_for_update().filter(pk__in=[first_pk, second_pk]).order_by("pk")
    return {person.pk: person for person in rows}


def _check_versions(persons: list[Person], expected_versions: dict | None) -> None:
    if expected_versions is None:
        return
    for person in persons:
        seen = expected_versions.get(person.pk, expected_versions.get(str(person.pk)))
        if seen != person.updated_at.isoformat():
            raise ValidationError(
                _("One of the records changed while you were looking at it. Check them again and retry."),
                code="stale",
            )


def _refuse_unless_mergeable(survivor: Person, merged: Person) -> None:
    if survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different records."), code="same")
    for person in (survivor, merged):
        if person.anonymised_at is not None:
            raise ValidationError(
                _("An anonymised record cannot be merged: its data is gone."), code="anonymised"
            )
        if person.merged_into_id is not None:
            raise ValidationError(_("One of the records was already merged into another one."), code="merged")


@transaction.atomic
def persons_merge(
    *, actor, survivor: Person | int, merged: Person | int, reason: str, review=None, expected_versions=None
) -> PersonMerge:
    """Fold ``merged`` into ``survivor``. ``person.merge`` is asked for both records (supervisors of a
    consulate holding both, administrators). ``expected_versions`` maps each person's pk to the
    ``updated_at`` (ISO) the user read: a record changed since is refused (``stale``), as is an anonymised
    or already merged one. All or nothing."""
    survivor_pk = survivor if isinstance(survivor, int) else survivor.pk
    merged_pk = merged if isinstance(merged, int) else merged.pk
    reason = _reason(reason)
    if survivor_pk == merged_pk:
        raise ValidationError(_("Choose two different records."), code="same")
    locked = _lock_pair(survivor_pk, merged_pk)
    if len(locked) != 2:
        raise ValidationError(_("One of the records no longer exists."), code="missing")
    survivor, merged = locked[survivor_pk], locked[merged_pk]
    authorize(actor, "person.merge", survivor)
    authorize(actor, "person.merge", merged)
    _check_versions([survivor, merged], expected_versions)
    _refuse_unless_mergeable(survivor, merged)

    with pghistory.context(person_merge="merge", merge_reason=reason, user=actor.pk):
        merge = PersonMerge.objects.create(
            survivor=survivor, merged=merged, review=review, reason=reason, snapshot="{}", merged_by=actor
        )
        pghistory.context(person_merge_id=merge.pk)
        snapshot = {
            "version": SNAPSHOT_VERSION,
            "survivor": moves.field_state(survivor),
            "merged": moves.field_state(merged),
        }
        # The merged record's unique identifiers go first (their blind indexes are unique).
        copied = [
            name
            for name in moves.COPIED_FIELDS
            if moves.lacks(survivor, name) and not moves.lacks(merged, name)
        ]
        cleared = [name for name in moves.UNIQUE_IDENTIFIERS if getattr(merged, name)]
        for name in cleared:
            setattr(merged, name, None)
        merged.merged_into = survivor
        merged.save()
        for name in copied:
            setattr(survivor, name, moves.restore_value(name, snapshot["merged"][name]))
        survivor.save()

        moved = moves.move_references(merged, survivor)
        alias_ids, dropped = moves.aliases_for_merge(merged, survivor)
        created_alias = moves.merged_name_alias(snapshot["merged"], survivor, actor)
        if "date_of_birth" in copied:
            moves.refresh_alias_keys(survivor)
        if review is not None:
            _resolve_review(review, actor, DuplicateResolution.MERGED, reason)
        reviews = _reviews_follow(merged, survivor, actor, merge)
        snapshot.update(
            moved=moved,
            aliases_moved=alias_ids,
            aliases_dropped=dropped,
            alias_created=created_alias,
            copied={name: snapshot["merged"][name] for name in copied},
            cleared_on_merged=cleared,
            **reviews,
        )
        merge.snapshot = json.dumps(snapshot, cls=DjangoJSONEncoder)
        merge.save(update_fields=["snapshot"])
        for case in Case.objects.filter(person=survivor).select_related("consulate").order_by("pk"):
            events.persons_merged(case, actor, merge=merge, reason=reason)
    logger.info("Merge %d: person %d into %d.", merge.pk, merged.pk, survivor.pk)
    return merge


def _resolve_review(review: DuplicateReview, actor, resolution: str, note: str) -> None:
    DuplicateReview.objects.filter(pk=review.pk, status=DuplicateStatus.OPEN).update(
        status=DuplicateStatus.RESOLVED,
        resolution=resolution,
        resolution_note=note[:300],
        resolved_by=actor,
        resolved_at=timezone.now(),
    )


def _reviews_follow(merged: Person, survivor: Person, actor, merge: PersonMerge) -> dict:
    """Open possible duplicates: those between the two are resolved "merged"; the merged record's others
    move to the survivor (one the survivor already has with the same record is resolved "merged" too)."""
    pair = [merged.pk, survivor.pk]
    between = DuplicateReview.objects.open().filter(person_id__in=pair, candidate_id__in=pair)
    resolved = sorted(between.values_list("pk", flat=True))
    moved = {"person": [], "candidate": []}
    for side, other in (("person", "candidate"), ("candidate", "person")):
        for review in (
            DuplicateReview.objects.open().filter(**{f"{side}_id": merged.pk}).exclude(pk__in=resolved)
        ):
            taken = DuplicateReview.objects.open().filter(
                **{f"{side}_id": survivor.pk, f"{other}_id": getattr(review, f"{other}_id")}
            ) | DuplicateReview.objects.open().filter(
                **{f"{other}_id": survivor.pk, f"{side}_id": getattr(review, f"{other}_id")}
            )
            if taken.exists():
                resolved.append(review.pk)
                continue
            DuplicateReview.objects.filter(pk=review.pk).update(**{f"{side}_id": survivor.pk})
            moved[side].append(review.pk)
    note = _("Resolved by merge #%(id)s.") % {"id": merge.pk}
    for pk in resolved:
        _resolve_review(DuplicateReview(pk=pk), actor, DuplicateResolution.MERGED, note)
    return {"reviews_resolved": resolved, "reviews_moved": moved}


def merge_snapshot(merge: PersonMerge) -> dict:
    return json.loads(merge.snapshot or "{}")


@transaction.atomic
def persons_unmerge(*, actor, merge: PersonMerge | int, reason: str) -> PersonMerge:
    """Undo a merge: both records as they were before it, with what the merge moved, copied and created
    taken back (``snapshot``). Asks ``person.merge`` on the survivor. What was added to the survivor after
    the merge stays with it; a copied field the survivor changed since keeps its new value."""
    reason = _reason(reason, "unmerge_reason")
    pk = merge if isinstance(merge, int) else merge.pk
    merge = PersonMerge.objects.select_for_update().get(pk=pk)
    if merge.unmerged_at is not None:
        raise ValidationError(_("This merge was already undone."), code="unmerged")
    locked = _lock_pair(merge.survivor_id, merge.merged_id)
    survivor, merged = locked[merge.survivor_id], locked[merge.merged_id]
    # Asked on the survivor only: it holds everything of the merged record now (a consulate that held the
    # merged record through a case holds the survivor through that case), while the merged record itself
    # may no longer be held by anyone but its registering consulate.
    authorize(actor, "person.merge", survivor)
    if survivor.anonymised_at is not None or merged.anonymised_at is not None:
        raise ValidationError(
            _("An anonymised record cannot be separated: its data is gone."), code="anonymised"
        )
    if merged.merged_into_id != survivor.pk or survivor.merged_into_id is not None:
        raise ValidationError(
            _("The kept record was merged again since: undo that merge first."), code="merged"
        )
    snapshot = merge_snapshot(merge)
    if not snapshot.get("merged"):
        raise ValidationError(_("This merge can no longer be undone: its record was erased."), code="erased")

    with pghistory.context(
        person_merge="unmerge", merge_reason=reason, person_merge_id=merge.pk, user=actor.pk
    ):
        # The survivor gives back what was copied (still as copied), identifiers first (unique indexes).
        for name, value in snapshot.get("copied", {}).items():
            if getattr(survivor, name) == moves.restore_value(name, value):
                setattr(survivor, name, moves.restore_value(name, snapshot["survivor"][name]))
        survivor.save()
        for name in moves.SNAPSHOT_FIELDS:
            setattr(merged, name, moves.restore_value(name, snapshot["merged"][name]))
        merged.merged_into = None
        merged.save()

        moves.move_back(snapshot.get("moved", []), merged=merged, survivor=survivor)
        if snapshot.get("alias_created"):
            PersonAlias.objects.filter(pk=snapshot["alias_created"], person=survivor).delete()
        for alias in PersonAlias.objects.filter(pk__in=snapshot.get("aliases_moved", []), person=survivor):
            alias.person = merged
            alias.save()
        for data in snapshot.get("aliases_dropped", []):
            PersonAlias.objects.get_or_create(person=merged, **data)
        if "date_of_birth" in snapshot.get("copied", {}):
            moves.refresh_alias_keys(survivor)
        for side, ids in snapshot.get("reviews_moved", {}).items():
            DuplicateReview.objects.filter(pk__in=ids, **{f"{side}_id": survivor.pk}).update(
                **{f"{side}_id": merged.pk}
            )
        merge.unmerged_by, merge.unmerged_at, merge.unmerge_reason = actor, timezone.now(), reason
        merge.save(update_fields=["unmerged_by", "unmerged_at", "unmerge_reason"])
        cases = Case.objects.filter(person_id__in=[survivor.pk, merged.pk]).select_related("consulate")
        for case in cases.order_by("pk"):
            events.persons_unmerged(case, actor, merge=merge, reason=reason)
    logger.info("Merge %d undone.", merge.pk)
    return merge


def merge_followed(person: Person) -> Person:
    """The record a merged record now lives in (following a chain of merges); the person itself otherwise."""
    seen = set()
    while person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person
