"""seed_demo (issue 20): a Dallas case handed over to the Consulado de México en Atlanta, closed as
transferred out, with the export sent recorded in the access log."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases.models import AccessLog, Handover
from cases.models.access import AccessAction
from cases.models.case import Outcome, Status
from devtools.demo.handover import PERSON

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5, MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", cases=40, seed=5, force=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_demo_case_is_handed_over_to_atlanta_with_the_export_logged(seeded):
    handover = Handover.objects.select_related("case__consulate", "post").get(
        case__person__given_names=PERSON["given_names"],
        case__person__paternal_surname=PERSON["paternal_surname"],
    )
    assert handover.case.consulate.slug == "dallas"
    assert (handover.post.city, handover.post.in_network) == ("Atlanta", False)
    assert (handover.case.status, handover.case.outcome) == (Status.CLOSED, Outcome.TRANSFERRED_OUT)
    assert handover.export_size > 0
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=handover.case_id).exists()
    assert "Hand-over: " in seeded


def test_the_demo_hand_over_follows_a_custody_history_out_of_the_network(seeded):
    handover = Handover.objects.get(
        case__person__given_names=PERSON["given_names"],
        case__person__paternal_surname=PERSON["paternal_surname"],
    )
    episodes = list(handover.case.custody_episodes.order_by("started_on", "pk").select_related("facility"))
    assert [e.facility.county is None for e in episodes] == [False, True]
    assert episodes[1].facility.state == "GA"
    assert episodes[1].facility.name.startswith("DEMO")
