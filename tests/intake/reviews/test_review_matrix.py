"""Who may see and decide possible duplicates, merge and undo a merge: every role, through the pages and
through the services. Roles: officer of the records' consulate, officer of another, supervisor, manager,
administrator, auditor, partner, anonymous."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.models import DuplicateReview, PersonMerge
from cases.services.duplicate_reviews import duplicate_review_resolve
from cases.services.merges import persons_merge, persons_unmerge
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

ROLES = [
    "officer_a",
    "officer_b",
    "supervisor_a",
    "manager",
    "administrator",
    "auditor",
    "partner",
    "anonymous",
]
LOGIN = "login"  # sent to sign in (not staff)

# role -> (queue, review page, decide "distinct", merge from the review)
REVIEW_EXPECTED = {
    "officer_a": (200, 200, 302, 403),
    "officer_b": (200, 404, 404, 404),
    "supervisor_a": (200, 200, 302, 302),
    "manager": (403, 403, 403, 403),
    "administrator": (200, 200, 302, 302),
    "auditor": (403, 403, 403, 403),
    "partner": (LOGIN, LOGIN, LOGIN, LOGIN),
    "anonymous": (LOGIN, LOGIN, LOGIN, LOGIN),
}
# role -> (merge page, undo)
MERGE_EXPECTED = {
    "officer_a": (200, 403),
    "officer_b": (404, 404),
    "supervisor_a": (200, 302),
    "manager": (404, 404),
    "administrator": (200, 302),
    "auditor": (404, 404),
    "partner": (LOGIN, LOGIN),
    "anonymous": (LOGIN, LOGIN),
}


def client_for(client, rw, role):
    if role != "anonymous":
        login_verified(client, getattr(rw, role))
    return client


def status_of(response):
    if response.status_code == 302 and "/login" in response["Location"]:
        return LOGIN
    return response.status_code


def _versions(rw):
    return {f"version-{p.pk}": p.updated_at.isoformat() for p in (rw.older, rw.newer)}


@pytest.mark.parametrize("role", ROLES)
def test_review_pages_matrix(client, rw, role):
    client = client_for(client, rw, role)
    url = reverse("reviews:review", args=[rw.review.pk])
    got = [status_of(client.get(reverse("reviews:queue"))), status_of(client.get(url))]
    with_savepoint = client.post(url, {"resolution": "distinct", "note": "No"})
    got.append(status_of(with_savepoint))
    if got[2] == 302:  # decided: open it again for the merge attempt
        DuplicateReview.objects.filter(pk=rw.review.pk).update(
            status="open", resolution="", resolved_by=None, resolved_at=None
        )
    merge = {"resolution": "merged", "survivor": rw.older.pk, "note": "Mismo A", **_versions(rw)}
    got.append(status_of(client.post(url, merge)))
    assert tuple(got) == REVIEW_EXPECTED[role]
    assert PersonMerge.objects.exists() == (REVIEW_EXPECTED[role][3] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_merge_page_and_undo_matrix(client, rw, role):
    merge = persons_merge(actor=rw.supervisor_a, survivor=rw.older, merged=rw.newer, reason="Misma persona")
    client = client_for(client, rw, role)
    url = reverse("reviews:merge", args=[merge.pk])
    got = (status_of(client.get(url)), status_of(client.post(url, {"reason": "Eran hermanos"})))
    assert got == MERGE_EXPECTED[role]
    merge.refresh_from_db()
    assert (merge.unmerged_at is not None) == (MERGE_EXPECTED[role][1] == 302)


@pytest.mark.parametrize("role", ["officer_a", "officer_b", "supervisor_b", "manager", "auditor", "partner"])
def test_only_supervisors_holding_both_and_administrators_merge_through_the_service(rw, role):
    with pytest.raises(PermissionDenied):
        persons_merge(actor=getattr(rw, role), survivor=rw.older, merged=rw.newer, reason="x")
    merge = persons_merge(actor=rw.administrator, survivor=rw.older, merged=rw.newer, reason="Misma persona")
    with pytest.raises(PermissionDenied):
        persons_unmerge(actor=getattr(rw, role), merge=merge, reason="x")


@pytest.mark.parametrize("role", ["officer_b", "supervisor_b", "manager", "auditor", "partner"])
def test_deciding_a_review_needs_to_see_the_resembled_record(rw, role):
    with pytest.raises(PermissionDenied):
        duplicate_review_resolve(actor=getattr(rw, role), review=rw.review, resolution="distinct")
