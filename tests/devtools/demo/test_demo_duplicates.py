"""The demo's possible duplicate: one open review at Dallas that Dallas's staff see in their queue."""

from __future__ import annotations

import pytest

from cases.models import DuplicateReview, Person
from consulates.models import Consulate
from devtools.demo.duplicates import duplicates_seed
from devtools.demo.users import demo_users_create

pytestmark = pytest.mark.django_db


def test_one_open_review_at_dallas_seen_by_dallas_staff_only():
    demo_users_create()
    assert duplicates_seed() == "one open review at Dallas"
    assert duplicates_seed() == "already there"  # run twice, still one
    review = DuplicateReview.objects.open().get()
    dallas = Consulate.objects.get(slug="dallas")
    assert review.candidate.registered_by == dallas
    assert review.reasons
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert DuplicateReview.objects.visible_to(users.get(username="oficial.dallas")).open().count() == 1
    assert DuplicateReview.objects.visible_to(users.get(username="oficial.houston")).open().count() == 0
    assert Person.objects.filter(registered_by=dallas).count() == 2
