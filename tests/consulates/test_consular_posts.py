"""The Mexican consulates in the US (consulates/data/us_mexican_consulates.csv), loaded by ``network_load``
with their sources: the 13 of the network linked to their consulate, the 40 others offered for hand-overs,
``kind`` empty where the file leaves it empty, staff edits kept."""

from __future__ import annotations

import csv

import pytest

from consulates.models import ConsularPost, Consulate
from consulates.services import DATA_DIR, mark_curated, network_load

pytestmark = pytest.mark.django_db

ROWS = list(csv.DictReader((DATA_DIR / "us_mexican_consulates.csv").open(encoding="utf-8")))


def test_every_row_is_loaded_as_sourced():
    assert len(ROWS) == 53
    loaded = {(p.state, p.city): p for p in ConsularPost.objects.select_related("consulate")}
    assert len(loaded) == 53
    for row in ROWS:
        post = loaded[(row["state"], row["city"])]
        doubted = row["name_es"].endswith("(title of post not confirmed)")
        name = row["name_es"].removesuffix("(title of post not confirmed)").strip()
        assert (post.name, post.title_confirmed, post.website, post.kind, post.basis, post.source, post.notes) == (
            name, not doubted, row["website"], row["kind"], row["basis"], row["source"], row["notes"]
        )  # fmt: skip
        assert post.in_network == (row["in_tx_ok_nm_network"] == "yes")
        assert (post.consulate.slug if post.consulate else "") == row["network_id"]
        post.full_clean()  # an administrator can save every loaded row's page as it is


def test_the_sources_doubt_about_a_title_is_kept_apart_from_the_name():
    atlanta = ConsularPost.objects.get(city="Atlanta")
    assert (atlanta.name, atlanta.title_confirmed) == ("Consulado de México en Atlanta", False)
    assert str(atlanta) == "Consulado de México en Atlanta"
    assert not ConsularPost.objects.filter(name__contains="(").exists()
    assert ConsularPost.objects.get(city="Albuquerque").title_confirmed


def test_kind_only_where_a_source_says_it():
    assert ConsularPost.objects.exclude(kind="").count() == 22
    atlanta = ConsularPost.objects.get(city="Atlanta")
    assert atlanta.kind == ""
    assert atlanta.get_kind_display() == ""
    assert ConsularPost.objects.get(city="Los Angeles").kind == ConsularPost.Kind.GENERAL
    assert ConsularPost.objects.get(city="Boise").kind == ConsularPost.Kind.CAREER


def test_the_network_posts_are_linked_to_every_consulate_and_forty_are_outside():
    linked = ConsularPost.objects.filter(in_network=True)
    assert linked.count() == 13
    assert set(linked.values_list("consulate_id", flat=True)) == set(
        Consulate.objects.values_list("pk", flat=True)
    )
    outside = ConsularPost.objects.outside_network()
    assert outside.count() == 40
    assert not outside.filter(state__in=["TX", "OK", "NM"]).exists()
    assert not outside.exclude(consulate=None).exists()


def test_loading_again_changes_nothing():
    report = network_load()
    assert report.created["consularpost"] == 0
    assert report.updated["consularpost"] == 0


def test_a_staff_edit_is_kept_and_a_changed_row_is_brought_back():
    atlanta = ConsularPost.objects.get(city="Atlanta")
    atlanta.name = "Consulado General de México en Atlanta"
    mark_curated(atlanta)
    atlanta.save()
    boise = ConsularPost.objects.get(city="Boise")
    ConsularPost.objects.filter(pk=boise.pk).update(website="https://example.org/")
    report = network_load()
    assert report.kept_staff_edits["consularpost"] == 1
    assert report.updated["consularpost"] == 1
    assert ConsularPost.objects.get(city="Atlanta").name == "Consulado General de México en Atlanta"
    assert ConsularPost.objects.get(city="Boise").website == "https://consulmex.sre.gob.mx/boise"


def test_a_post_deleted_is_loaded_again():
    ConsularPost.objects.filter(city="Yuma").delete()
    report = network_load()
    assert report.created["consularpost"] == 1
    assert ConsularPost.objects.get(city="Yuma").state == "AZ"
