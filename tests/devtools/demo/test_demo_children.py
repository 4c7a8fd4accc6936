"""seed_demo (decision 0029): two siblings in DFPS care in Dallas's district with their own cases, the
agency's case and its requests (open ones are tasks), and an unaccompanied girl with a complete assessment
and a hand-off the DIF confirmed; seeding again adds nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cases.models import (
    AgencyRequest,
    ChildAssessment,
    ChildWelfareCase,
    FamilyRelationship,
    RepatriationHandoff,
)
from devtools.demo.children import children_seed
from devtools.demo.family import family_seed
from devtools.demo.users import demo_users_create

pytestmark = pytest.mark.django_db


def test_the_demo_children():
    if not get_user_model().objects.filter(username="oficial.dallas").exists():
        demo_users_create()
    assert children_seed().startswith("two siblings")
    welfare = ChildWelfareCase.objects.select_related("case__person", "agency")
    assert {w.case.person.given_names for w in welfare} == {"Valeria", "Mateo"}
    assert all(w.agency.state == "TX" and w.case.is_child_case for w in welfare)
    assert AgencyRequest.objects.filter(task__isnull=False).count() == 3
    assessment = ChildAssessment.objects.get()
    assert assessment.complete
    handoff = RepatriationHandoff.objects.get(case=assessment.case)
    assert handoff.confirmed_at is not None
    assert children_seed() == "already there"


def test_the_dfps_children_are_the_detained_fathers_when_the_family_demo_ran_first():
    if not get_user_model().objects.filter(username="oficial.dallas").exists():
        demo_users_create()
    family_seed()
    children_seed()
    welfare = ChildWelfareCase.objects.select_related("case__person")
    assert {(w.case.person.given_names, w.case.person.paternal_surname) for w in welfare} == {
        ("Daniela", "Sandoval"),
        ("Mateo", "Sandoval"),
    }
    pairs = set(
        FamilyRelationship.objects.filter(ended_at__isnull=True).values_list(
            "person_a__given_names", "person_b__given_names"
        )
    )
    for child in ("Daniela", "Mateo"):
        assert ("Rogelio", child) in pairs or (child, "Rogelio") in pairs
