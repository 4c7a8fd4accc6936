"""The state child-welfare agencies loaded by ``network_load``: Texas DFPS, Oklahoma Human Services' Child
Welfare Services and New Mexico's CYFD, as partners of the kind ``child_welfare`` with their sources, no
invented phone or address, the consulates whose district has counties in their state; loading again changes
nothing; an administrator's edit is kept."""

from __future__ import annotations

import pytest

from consulates.models import Consulate, County, Partner, PartnerKind
from consulates.services import mark_curated, network_load

pytestmark = pytest.mark.django_db


def agencies():
    return {p.state: p for p in Partner.objects.filter(kind=PartnerKind.CHILD_WELFARE)}


def test_the_three_state_agencies_with_their_sources_and_nothing_unsourced():
    loaded = agencies()
    assert set(loaded) == {"TX", "OK", "NM"}
    dfps = loaded["TX"]
    assert dfps.name == "Texas Department of Family and Protective Services (DFPS)"
    assert "benchbook.texaschildrenscommission.gov" in dfps.source
    assert all(p.source and p.website.startswith("https://") for p in loaded.values())
    assert all(p.contact_phone == "" and p.contact_name == "" for p in loaded.values())
    texas = set(Consulate.objects.filter(counties__state="TX").values_list("pk", flat=True).distinct())
    assert set(dfps.consulates.values_list("pk", flat=True)) == texas
    nm = set(County.objects.filter(state="NM").values_list("consulate_id", flat=True))
    assert set(loaded["NM"].consulates.values_list("pk", flat=True)) == nm


def test_loading_again_changes_nothing_and_keeps_an_administrators_edit():
    report = network_load()
    assert report.created["partner"] == 0
    assert report.updated["partner"] == 0
    cyfd = agencies()["NM"]
    cyfd.contact_phone = "+1 505 555 0100"
    mark_curated(cyfd)
    cyfd.save()
    cyfd.consulates.set([Consulate.objects.get(slug="albuquerque")])
    report = network_load()
    cyfd.refresh_from_db()
    assert report.kept_staff_edits["partner"] == 1
    assert cyfd.contact_phone == "+1 505 555 0100"
    assert list(cyfd.consulates.values_list("slug", flat=True)) == ["albuquerque"]
