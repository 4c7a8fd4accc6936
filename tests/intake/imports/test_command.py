"""``manage.py import_detainees``: the same service from the command line, as a named staff user."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from cases.models import Person
from intake.models import BatchStatus, ImportBatch
from tests import factories as f
from tests.intake.imports.world import ICE_LIST, build
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build()


@pytest.fixture
def list_file(tmp_path):
    path = tmp_path / "ice.csv"
    path.write_text(ICE_LIST)
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_detainees", *args, stdout=out)
    return out.getvalue()


def test_json_names_each_rows_decision_and_person(world, list_file):
    user = world["dallas"].username
    result = json.loads(run(str(list_file), "--consulate", "dal", "--user", user, "--json"))
    assert result["totals"] == {"rows": 8, "linked": 2, "review": 2, "new": 1, "error": 3, "repeated": 0}
    rows = {row["row"]: row for row in result["rows"]}
    assert rows[2]["decision"] == "linked"
    assert rows[2]["person_id"] == world["known"].pk
    assert "same_a_number" in rows[2]["reasons"]
    assert rows[4]["decision"] == "review"
    assert rows[4]["person_id"] != world["hidden"].pk
    assert rows[8]["decision"] == "error"
    assert "country" in rows[8]["errors"]
    again = json.loads(run(str(list_file), "--consulate", "DAL", "--user", user, "--json"))
    assert again["totals"]["repeated"] == 5


def test_dry_run_writes_no_person(world, list_file):
    persons = Person.objects.count()
    result = json.loads(
        run(str(list_file), "--consulate", "DAL", "--user", world["dallas"].username, "--dry-run", "--json")
    )
    assert result["dry_run"] is True
    assert Person.objects.count() == persons
    assert ImportBatch.objects.get(pk=result["batch"]).status == BatchStatus.DISCARDED


@pytest.mark.parametrize("who", ["houston", "manager", "nobody"])
def test_a_user_who_may_not_import_is_refused(world, list_file, who):
    username = {"houston": world["houston"].username, "manager": f.manager().username, "nobody": "nadie"}[who]
    with pytest.raises(CommandError, match="may not import"):
        run(str(list_file), "--consulate", "DAL", "--user", username)
