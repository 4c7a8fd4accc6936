"""Retention, export and erasure follow merges: a merged record is exported with the record it was merged
into, and erased or anonymised with it, its merge's snapshot included."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from cases.models import Person, PersonAlias, PersonMerge
from cases.services import privacy
from cases.services.merges import persons_merge, persons_unmerge
from tests import factories as f
from tests.cases.privacy.builders import build_person, case_tables, close_at, find_values

pytestmark = pytest.mark.django_db

REASON = "Solicitud escrita recibida el 3 de noviembre, folio 119"


@pytest.fixture
def merged_pair(officer, admin_user):
    kept = build_person(officer, "Mx4a")
    away = build_person(officer, "Mx4b")
    merge = persons_merge(actor=admin_user, survivor=kept.person, merged=away.person, reason="Misma persona")
    return kept, away, merge


def test_export_includes_what_was_merged_into_the_person(merged_pair, admin_user):
    kept, away, _merge = merged_pair
    out = io.BytesIO()
    privacy.person_export(actor=admin_user, person=Person.objects.get(pk=kept.person.pk), out=out)
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert [r["id"] for r in data["merged_records"]] == [away.person.pk]
    assert data["merged_records"][0]["given_names"] == away.person.given_names
    assert data["merged_records"][0]["merges"][0]["reason"] == "Misma persona"
    assert "snapshot" not in data["merged_records"][0]["merges"][0]
    assert len(data["cases"]) == 2  # the merged record's case moved: exported with the kept record
    assert away.person.given_names in {a["given_names"] for a in data["other_names"]}


def test_erasing_the_survivor_erases_the_merged_record_and_the_snapshot(merged_pair, admin_user):
    kept, away, merge = merged_pair
    privacy.person_erase(actor=admin_user, person=kept.person.pk, reason=REASON)
    for pk in (kept.person.pk, away.person.pk):
        assert Person.objects.get(pk=pk).anonymised_at is not None
    merge.refresh_from_db()
    assert merge.snapshot == ""
    assert not PersonAlias.objects.filter(person_id__in=[kept.person.pk, away.person.pk]).exists()
    assert find_values(case_tables(), kept.values + away.values) == {}
    with pytest.raises(ValidationError):
        persons_unmerge(actor=admin_user, merge=merge, reason="Ya no")


def test_retention_anonymises_the_merged_record_with_the_survivor(merged_pair):
    kept, away, merge = merged_pair
    for case in kept.cases + away.cases:
        close_at(case, dt.datetime(2015, 5, 4, 10, 0, tzinfo=dt.UTC))
    done, _more = privacy.retention_run()
    assert done == 1  # the survivor; its merged record follows it
    assert Person.objects.get(pk=away.person.pk).anonymised_at is not None
    merge.refresh_from_db()
    assert merge.snapshot == ""
    assert find_values(case_tables(), kept.values + away.values) == {}


def test_a_person_merged_into_an_unrelated_survivor_is_not_touched_by_another_erasure(
    merged_pair, admin_user
):
    _kept, _away, _merge = merged_pair
    other = build_person(f.officer("dallas"), "Mx4c")
    privacy.person_erase(actor=admin_user, person=other.person.pk, reason=REASON)
    assert Person.objects.get(pk=_away.person.pk).anonymised_at is None
    assert PersonMerge.objects.get(pk=_merge.pk).snapshot != ""
