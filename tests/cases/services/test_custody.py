"""cases/services/custody.py: the custody history and the case's current custody derived from it."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CustodyEpisode, Transfer
from cases.models.custody import CustodySource, EpisodeEnd
from cases.services.bulk_intake import cases_custody_update_many
from consulates.models import DetentionFacility
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db

PRAIRIELAND = "Prairieland Detention Center"  # Dallas's district
BLUEBONNET = "Bluebonnet Detention Facility"
MONTGOMERY = "Montgomery ICE Processing Center"  # Houston's district


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def facility(name: str) -> DetentionFacility:
    return DetentionFacility.objects.get(name=name)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def detained(officer):
    return f.make_case(officer, facility=facility(PRAIRIELAND), detained_since=days_ago(20))


def history(case) -> list[tuple]:
    return [
        (e.facility.name, e.started_on, e.ended_on, e.ended_by, e.source)
        for e in CustodyEpisode.objects.filter(case=case).select_related("facility")
    ]


def test_a_case_opened_in_custody_has_its_first_episode(detained):
    assert history(detained) == [(PRAIRIELAND, days_ago(20), None, "", CustodySource.OTHER)]
    assert detained.custody_verified_at is not None


def test_a_move_ends_the_open_episode_and_the_case_follows(officer, detained):
    services.custody_move(
        actor=officer, case=detained, facility=facility(BLUEBONNET), since=days_ago(3),
        source=CustodySource.ICE_LOCATOR, agency="ice_ero",
    )  # fmt: skip
    case = Case.objects.get(pk=detained.pk)
    assert history(case) == [
        (PRAIRIELAND, days_ago(20), days_ago(3), EpisodeEnd.MOVED, CustodySource.OTHER),
        (BLUEBONNET, days_ago(3), None, "", CustodySource.ICE_LOCATOR),
    ]
    # The current custody is the latest episode's; detained since the start of the stay.
    assert (case.facility.name, case.detained_since, case.released_on) == (BLUEBONNET, days_ago(20), None)
    assert case.events.filter(kind="custody").count() == 2


def test_a_move_to_another_district_still_proposes_a_transfer(officer, detained):
    services.custody_move(actor=officer, case=detained, facility=facility(MONTGOMERY), since=days_ago(1))
    transfer = Transfer.objects.get(case=detained)
    assert (transfer.status, transfer.automatic, transfer.to_consulate.code) == ("pending", True, "HOU")


def test_release_then_a_new_detention_starts_a_new_stay(officer, detained):
    services.custody_release(actor=officer, case=detained, on=days_ago(10), source=CustodySource.FAMILY)
    case = Case.objects.get(pk=detained.pk)
    assert (case.in_custody, case.released_on) == (False, days_ago(10))
    services.custody_move(actor=officer, case=case, facility=facility(BLUEBONNET), since=days_ago(2))
    case = Case.objects.get(pk=detained.pk)
    assert (case.in_custody, case.detained_since, case.released_on) == (True, days_ago(2), None)
    assert [row[3] for row in history(case)] == [EpisodeEnd.RELEASED, ""]


@pytest.mark.parametrize(
    ("name", "since", "field"),
    [
        (PRAIRIELAND, 1, "facility"),  # already there
        (BLUEBONNET, 30, "since"),  # before the current episode began
        (BLUEBONNET, -2, "since"),  # in the future
    ],
)
def test_a_move_that_does_not_fit_the_history_is_refused_field_by_field(
    officer, detained, name, since, field
):
    with pytest.raises(ValidationError) as error:
        services.custody_move(actor=officer, case=detained, facility=facility(name), since=days_ago(since))
    assert field in error_fields(error.value)
    assert len(history(detained)) == 1


def test_a_refusal_is_in_spanish_for_the_staff(officer, detained):
    with translation.override("es"), pytest.raises(ValidationError) as error:
        services.custody_move(actor=officer, case=detained, facility=facility(PRAIRIELAND), since=days_ago(1))
    assert "centro" in str(error.value.message_dict["facility"][0])


def test_the_form_fields_go_through_the_history(officer, detained):
    """``case_update`` of the facility is a move today; of the release date, a release."""
    services.case_update(actor=officer, case=detained, facility=facility(BLUEBONNET))
    services.case_update(actor=officer, case=Case.objects.get(pk=detained.pk), released_on=days_ago(0))
    case = Case.objects.get(pk=detained.pk)
    assert history(case)[-1][0] == BLUEBONNET
    assert history(case)[-1][2:4] == (days_ago(0), EpisodeEnd.RELEASED)
    assert case.released_on == days_ago(0)


def test_correcting_an_episode_rederives_the_current_custody(officer, detained):
    services.custody_move(actor=officer, case=detained, facility=facility(BLUEBONNET), since=days_ago(3))
    latest = CustodyEpisode.objects.filter(case=detained).last()
    services.custody_episode_correct(actor=officer, episode=latest, facility=facility(MONTGOMERY))
    case = Case.objects.get(pk=detained.pk)
    assert case.facility.name == MONTGOMERY
    first = CustodyEpisode.objects.filter(case=detained).first()
    with pytest.raises(ValidationError) as error:
        services.custody_episode_correct(actor=officer, episode=first, ended_on=days_ago(1))
    assert "ended_on" in error_fields(error.value)


def test_another_consulate_cannot_record_custody(detained):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.custody_move(
            actor=f.officer("houston"), case=detained, facility=facility(BLUEBONNET), since=days_ago(1)
        )


def test_the_list_import_moves_many_cases_set_wise(officer):
    prairieland, bluebonnet = facility(PRAIRIELAND), facility(BLUEBONNET)
    cases = [f.make_case(officer, facility=prairieland, detained_since=days_ago(9)) for _ in range(9)]

    def move(chunk) -> int:
        with CaptureQueriesContext(connection) as captured:
            cases_custody_update_many(
                actor=officer, changes={case.pk: {"facility": bluebonnet} for case in chunk}
            )
        return len(captured)

    assert move(cases[:1]) == move(cases[1:])  # not one query more per case
    for case in cases:
        assert [row[0] for row in history(case)] == [PRAIRIELAND, BLUEBONNET]
        assert history(case)[-1][4] == CustodySource.IMPORT
        assert Case.objects.get(pk=case.pk).facility.name == BLUEBONNET


def test_the_migration_makes_one_episode_per_case_in_the_old_shape(officer):
    """Rows as they were before the history: a facility and dates on the case, no episode."""
    held = f.make_case(officer)
    released = f.make_case(officer)
    free = f.make_case(officer)
    Case.objects.filter(pk=held.pk).update(facility=facility(PRAIRIELAND), detained_since=days_ago(40))
    Case.objects.filter(pk=released.pk).update(
        facility=facility(BLUEBONNET), detained_since=days_ago(40), released_on=days_ago(5)
    )
    migration = importlib.import_module("cases.migrations.0016_custody_episodes_from_cases")
    migration.forward(None, None)
    migration.forward(None, None)  # twice: nothing more
    assert history(held) == [(PRAIRIELAND, days_ago(40), None, "", CustodySource.LEGACY)]
    assert history(released) == [(BLUEBONNET, days_ago(40), days_ago(5), EpisodeEnd.RELEASED, "legacy")]
    assert history(free) == []
    # The history then goes on from the migrated episode.
    services.custody_move(actor=officer, case=held, facility=facility(BLUEBONNET), since=days_ago(1))
    assert [row[2:4] for row in history(held)] == [(days_ago(1), "moved"), (None, "")]
