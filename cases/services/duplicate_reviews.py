"""Possible duplicates: two records the matcher finds likely the same person (``cases.matching``).

A review is opened by whatever found the pair (a registration, an inquiry, a detainee list) and is seen by
whoever sees the record it resembles (``consulates.policy``: ``DuplicateReview`` scope ``view``); the
person who entered the newer record is never told about a record they cannot see.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import DuplicateReview, Person
from cases.models.identity import DuplicateResolution, DuplicateStatus
from cases.services.merges import persons_merge
from consulates.models import Consulate
from consulates.policy import authorize, can


@transaction.atomic
def duplicate_review_open(
    *,
    actor,
    person: Person,
    candidate: Person,
    score: float,
    reasons,
    source: str,
    consulate: Consulate | int,
) -> DuplicateReview:
    """Open a review of ``person`` (the newer record) against ``candidate``, or return the one already
    open for the pair (in either order). ``actor`` may be None (a job)."""
    pair = Q(person=person, candidate=candidate) | Q(person=candidate, candidate=person)
    existing = DuplicateReview.objects.filter(pair, status=DuplicateStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            review = _review(actor, person, candidate, score, reasons, source, consulate)
            review.save(force_insert=True)
            return review
    except IntegrityError:
        # The same pair opened at the same moment by another writer: theirs stands.
        return DuplicateReview.objects.get(pair, status=DuplicateStatus.OPEN)


def duplicate_reviews_open_new(
    *, actor, reviews: list[tuple[Person, Person, float, list]], source: str, consulate
):
    """``duplicate_review_open`` for persons registered in the caller's transaction, many at once: each
    (person, candidate, score, reasons). A person just registered has no review yet, so none is looked
    up. Returns the reviews, in order."""
    return DuplicateReview.objects.bulk_create(
        [
            _review(actor, person, candidate, score, reasons, source, consulate)
            for person, candidate, score, reasons in reviews
        ]
    )


def _review(actor, person, candidate, score, reasons, source, consulate) -> DuplicateReview:
    return DuplicateReview(
        person=person,
        candidate=candidate,
        score=round(float(score), 4),
        reasons=list(reasons),
        source=source,
        requested_by=actor,
        requesting_consulate_id=consulate if isinstance(consulate, int) else consulate.pk,
    )


# --- Deciding a possible duplicate (helper B: review queue, merge, unmerge) ---------------------------


@transaction.atomic
def duplicate_review_resolve(
    *,
    actor,
    review: DuplicateReview | int,
    resolution: str,
    note: str = "",
    survivor_id=None,
    expected_versions=None,
) -> DuplicateReview:
    """Decide a possible duplicate. ``distinct``: two different persons, the review closes. ``merged``: the
    same person: the records are merged (``persons_merge``) keeping ``survivor_id`` (one of the two), with
    ``note`` as the merge's reason and ``expected_versions`` as the user read the records. Whoever sees
    the resembled record may decide (``duplicate_review.resolve``); merging needs ``person.merge`` on both
    records (supervisors of the consulate holding both, administrators): an officer is told so."""
    pk = review if isinstance(review, int) else review.pk
    review = DuplicateReview.objects.select_for_update().get(pk=pk)
    authorize(actor, "duplicate_review.resolve", review)
    if review.status != DuplicateStatus.OPEN:
        raise ValidationError(_("This possible duplicate was already decided."), code="resolved")
    if resolution not in DuplicateResolution.values:
        raise ValidationError({"resolution": _("Choose whether they are the same person or not.")})
    note = " ".join((note or "").split())[:300]
    if resolution == DuplicateResolution.DISTINCT:
        review.status, review.resolution, review.resolution_note = (
            DuplicateStatus.RESOLVED,
            resolution,
            note,
        )
        review.resolved_by, review.resolved_at = actor, timezone.now()
        review.save()
        return review
    pair = {review.person_id, review.candidate_id}
    try:
        survivor_pk = int(survivor_id)
    except (TypeError, ValueError):
        survivor_pk = None
    if survivor_pk not in pair:
        raise ValidationError({"survivor": _("Choose which record is kept.")})
    (merged_pk,) = pair - {survivor_pk}
    if not (can(actor, "person.merge", review.person) and can(actor, "person.merge", review.candidate)):
        raise PermissionDenied(
            _("Only a supervisor of the consulate holding both records can merge them. Ask a supervisor.")
        )
    if not note:
        raise ValidationError(
            {"note": _("Say why they are the same person (for example, the same A-number).")}
        )
    persons_merge(
        actor=actor,
        survivor=survivor_pk,
        merged=merged_pk,
        reason=note,
        review=review,
        expected_versions=expected_versions,
    )
    review.refresh_from_db()
    return review
