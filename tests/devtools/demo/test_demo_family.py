"""devtools/demo/family.py: the demo father detained in the Dallas district is linked to his two children,
who have their own cases, and to their mother in Mexico; his case has a family-preparedness checklist."""

from __future__ import annotations

import pytest

from cases.models import FamilyChecklistItem, FamilyRelationship, Person, Task
from cases.models.work import TaskKind
from devtools.demo.family import family_seed
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_demo_family_is_seeded_once():
    officer = f.officer("dallas", username="oficial.dallas")
    assert "detained father" in family_seed()
    father = Person.objects.get(given_names="Rogelio", paternal_surname="Sandoval")
    sides = {
        side.relative.given_names: side
        for side in (row.side(father.pk) for row in FamilyRelationship.objects.active().of_person(father.pk))
    }
    assert {name: side.relative_kind for name, side in sides.items()} == {
        "Daniela": "child",
        "Mateo": "child",
        "Lucía": "spouse",
    }
    assert sides["Lucía"].relative_whereabouts == "mexico"
    assert all(sides[name].relative.cases.exists() for name in ("Daniela", "Mateo"))
    assert not sides["Lucía"].relative.cases.exists()  # registered only as family
    case = father.cases.get()
    assert case.in_custody
    assert FamilyChecklistItem.objects.filter(case=case).count() == 4
    assert Task.objects.filter(case=case, kind=TaskKind.FAMILY_PREPAREDNESS, done=False).count() == 4
    assert FamilyRelationship.objects.visible_to(officer).count() == 5
    assert family_seed() == "already there"
