"""The matcher (``cases.matching``): each reason code, the three bands (linked / review / new), CURP through
its blind index and A-numbers in any form, other names (aliases) found, merged-away and anonymised persons
never candidates, ``among`` respected, and ``match_many`` answering as ``match`` does (the batch path)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest
from django.utils import timezone, translation

from cases.matching import FEW, REVIEW_SCORE, MatchQuery, match, match_many, reason_text
from cases.models import Person
from cases.namekeys import match_keys, query_keys, tokens
from cases.services.aliases import alias_add
from tests.factories import consulate, make_curp, make_person, officer
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

JOSE = MatchQuery(
    given_names="José Luis",
    paternal_surname="Hernández",
    maternal_surname="Garza",
    date_of_birth=dt.date(1985, 6, 14),
    sex="H",
    state_of_birth="JC",
)


@dataclass
class World:
    jose: Person  # Dallas; A-number 012345678 (an old eight-digit number)
    lupe: Person  # Houston, compound surname
    ximena: Person  # known by another name
    merged: Person
    anonymised: Person
    curp_holder: Person


def _person(actor, query: MatchQuery, **extra) -> Person:
    return make_person(
        actor,
        given_names=query.given_names,
        paternal_surname=query.paternal_surname,
        maternal_surname=query.maternal_surname,
        date_of_birth=query.date_of_birth,
        sex=query.sex,
        state_of_birth=query.state_of_birth,
        curp=None,
        **extra,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        dallas, houston = officer("dallas"), officer("houston")
        jose = _person(dallas, JOSE, a_number="012345678")
        lupe = _person(
            houston,
            MatchQuery("María Guadalupe", "De la Cruz", "Ramírez", dt.date(1990, 2, 3), "M", "OC"),
        )
        ximena = _person(houston, MatchQuery("Ximena", "Quiñones", "Trejo", dt.date(1992, 8, 1), "M", "GT"))
        alias_add(
            actor=houston, person=ximena, given_names="Yazmín", paternal_surname="Ortega", source="authority"
        )
        merged = _person(dallas, MatchQuery("Rubén", "Ortega", "Solís", dt.date(1970, 1, 5), "H", "MN"))
        Person.objects.filter(pk=merged.pk).update(merged_into=jose)
        anonymised = _person(dallas, MatchQuery("Rocío", "Velasco", "Luna", dt.date(1975, 3, 9), "M", "GR"))
        Person.objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
        curp = make_curp(date_of_birth=dt.date(1966, 11, 30), sex="H", state="ZS")
        curp_holder = make_person(
            dallas,
            given_names="Everardo",
            paternal_surname="Zepeda",
            maternal_surname="Tapia",
            date_of_birth=dt.date(1966, 11, 30),
            sex="H",
            state_of_birth="ZS",
            curp=curp,
        )
        yield World(jose, lupe, ximena, merged, anonymised, curp_holder)


def _first(result):
    return result.candidates[0] if result.candidates else None


# --- the bands -------------------------------------------------------------------------------------


def test_the_very_same_name_date_and_sex_is_linked(world):
    result = match(JOSE)
    assert result.decision == "linked"
    best = _first(result)
    assert best.person_id == world.jose.pk
    assert best.certain
    assert {"same_name", "same_date_of_birth", "same_sex", "same_birthplace"} <= set(best.reasons)


def test_a_list_without_the_maternal_surname_sends_to_review_with_the_right_person_first(world):
    query = replace(JOSE, given_names="JOSE LUIS", paternal_surname="HERNANDEZ", maternal_surname="")
    result = match(query)
    assert result.decision == "review"
    assert _first(result).person_id == world.jose.pk
    assert "one_surname" in _first(result).reasons
    assert all(c.score >= REVIEW_SCORE or c.certain for c in result.candidates)


def test_nobody_alike_is_new(world):
    result = match(MatchQuery("Cuauhtémoc", "Xicoténcatl", "Zúñiga", dt.date(1999, 9, 9), "H"))
    assert result.decision == "new"
    assert result.candidates == []


def test_a_father_or_son_of_the_same_name_is_not_the_person(world):
    result = match(replace(JOSE, date_of_birth=dt.date(2010, 2, 20)))
    assert result.decision == "new"


# --- each reason --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"paternal_surname": "Garza", "maternal_surname": "Hernández"}, "surnames_reversed"),
        ({"given_names": "Hernández", "paternal_surname": "José Luis"}, "names_swapped"),
        ({"date_of_birth": dt.date(1985, 6, 4)}, "date_one_digit"),
        ({"given_names": "José Luiz", "paternal_surname": "Hernandes"}, "similar_name"),
        ({"sex": "M"}, "other_sex"),
        ({"state_of_birth": "OC"}, "other_birthplace"),
    ],
)
def test_each_variation_is_found_with_its_reason(world, change, reason):
    result = match(replace(JOSE, **change))
    assert result.decision in ("linked", "review")
    best = _first(result)
    assert best.person_id == world.jose.pk
    assert reason in best.reasons
    if reason in ("other_sex", "other_birthplace"):
        assert not best.certain


def test_day_and_month_swapped(world):
    result = match(
        MatchQuery("Guadalupe", "Cruz", "Ramírez", dt.date(1990, 3, 2), "M")  # 3 February written 2 March
    )
    assert _first(result).person_id == world.lupe.pk
    assert "day_month_swapped" in _first(result).reasons


def test_a_compound_surname_joined_or_split_is_found(world):
    for surname in ("DELACRUZ", "CRUZ", "de la cruz"):
        result = match(MatchQuery("MARIA GUADALUPE", surname, "RAMIREZ", dt.date(1990, 2, 3), "M"))
        assert _first(result).person_id == world.lupe.pk, surname


def test_the_same_curp_through_its_blind_index_in_any_case(world):
    result = match(MatchQuery("Everardo", "Zepeda", "", curp=world.curp_holder.curp.lower()))
    assert result.decision == "linked"
    assert _first(result).person_id == world.curp_holder.pk
    assert "same_curp" in _first(result).reasons


@pytest.mark.parametrize("written", ["A-012-345-678", "012345678", "A012345678", "12345678", "A12345678"])
def test_the_same_a_number_in_any_form(world, written):
    result = match(MatchQuery("JOSE", "HERNANDEZ", "", a_number=written))
    assert result.decision == "linked"
    assert _first(result).person_id == world.jose.pk
    assert "same_a_number" in _first(result).reasons


def test_the_same_a_number_with_another_persons_name_is_only_reviewed(world):
    result = match(MatchQuery("Valentín", "Olvera", "Bravo", dt.date(1960, 1, 1), "H", a_number="12345678"))
    assert result.decision == "review"
    assert not _first(result).certain


def test_a_different_a_number_or_curp_is_never_linked(world):
    """The same name and date with another identifier: a different person, or a record to look at; never
    linked (the identifier weighs against it)."""
    result = match(replace(JOSE, a_number="A-299-999-999"))
    assert result.decision != "linked"
    assert all("other_a_number" in c.reasons and not c.certain for c in result.candidates)
    other_curp = make_curp(date_of_birth=dt.date(1966, 11, 30), sex="H", state="ZS")
    result = match(
        MatchQuery("Everardo", "Zepeda", "Tapia", dt.date(1966, 11, 30), "H", "ZS", curp=other_curp)
    )
    assert result.decision != "linked"
    assert all("other_curp" in c.reasons and not c.certain for c in result.candidates)


def test_another_name_the_person_is_known_by_is_compared(world):
    result = match(MatchQuery("YAZMIN", "ORTEGA", "", dt.date(1992, 8, 1), "M"))
    assert _first(result).person_id == world.ximena.pk
    assert "other_name" in _first(result).reasons


def test_merged_away_and_anonymised_persons_are_never_candidates(world):
    for query in (
        MatchQuery("Rubén", "Ortega", "Solís", dt.date(1970, 1, 5), "H", "MN"),
        MatchQuery("Rocío", "Velasco", "Luna", dt.date(1975, 3, 9), "M", "GR"),
    ):
        result = match(query)
        ids = {c.person_id for c in result.candidates}
        assert world.merged.pk not in ids
        assert world.anonymised.pk not in ids


def test_among_limits_the_persons_compared(world):
    houston_only = Person.objects.filter(registered_by=consulate("houston"))
    assert match(JOSE, among=houston_only).decision == "new"


def test_match_many_answers_as_match_does_on_the_batch_path(world):
    queries = [JOSE, MatchQuery("YAZMIN", "ORTEGA", "", dt.date(1992, 8, 1), "M")] * (FEW // 2 + 1)
    queries.append(MatchQuery("Nadie", "Conocido", "", dt.date(2001, 1, 1)))
    assert len(queries) > FEW
    batch = match_many(queries)
    for query, result in zip(queries, batch, strict=True):
        single = match(query)
        assert result.decision == single.decision
        assert [c.person_id for c in result.candidates] == [c.person_id for c in single.candidates]


def test_reasons_read_in_the_users_language():
    with translation.override("es"):
        assert reason_text("same_date_of_birth") == "misma fecha de nacimiento"
        assert reason_text("names_swapped")
    with translation.override("en"):
        assert reason_text("same_a_number") == "same A-number"


# --- keys ---------------------------------------------------------------------------------------------


def test_keys_survive_swapped_columns_and_joined_particles():
    stored = set(match_keys("José", "De la Cruz", "Ramírez", dt.date(1980, 1, 2)))
    assert tokens("DELACRUZ") == ["cruz"] == tokens("de la Cruz")
    swapped = set(query_keys("Cruz", "José", "", dt.date(1980, 1, 2)))
    assert stored & swapped
    one_digit = set(query_keys("José", "Cruz", "", dt.date(1981, 1, 2)))
    assert stored & one_digit


def test_a_lookup_inside_a_transaction_leaves_the_planner_as_it_was():
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        match(MatchQuery(given_names="Rosa", paternal_surname="Núñez", date_of_birth=dt.date(1990, 1, 2)))
        cursor.execute("SELECT current_setting('enable_seqscan')")
        assert cursor.fetchone() == ("on",)
