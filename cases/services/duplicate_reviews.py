"""Possible duplicates: two records the matcher finds likely the same person (``cases.matching``).

A review is opened by whatever found the pair (a registration, an inquiry, a detainee list) and is seen by
whoever sees the record it resembles (``consulates.policy``: ``DuplicateReview`` scope ``view``); the
person who entered the newer record is never told about a record they cannot see.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q

from cases.models import DuplicateReview, Person
from cases.models.identity import DuplicateStatus
from consulates.models import Consulate


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
    consulate_id = consulate if isinstance(consulate, int) else consulate.pk
    try:
        with transaction.atomic():
            return DuplicateReview.objects.create(
                person=person,
                candidate=candidate,
                score=round(float(score), 4),
                reasons=list(reasons),
                source=source,
                requested_by=actor,
                requesting_consulate_id=consulate_id,
            )
    except IntegrityError:
        # The same pair opened at the same moment by another writer: theirs stands.
        return DuplicateReview.objects.get(pair, status=DuplicateStatus.OPEN)
