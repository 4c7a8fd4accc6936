"""Cases handed over to a consulate outside the network count among the closures, as "transferred out",
in the reports kept by the summary triggers (closed by outcome, weekly flow); a reopening takes them out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models.case import Outcome
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from consulates.models import ConsularPost
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _params():
    today = timezone.localdate()
    return ReportParams(start=today - dt.timedelta(days=7), end=today + dt.timedelta(days=1))


def closed_by_outcome(user) -> dict:
    return {row["outcome"]: row["closed"] for row in REPORTS["closed_by_outcome"](user, _params()).rows}


def test_a_hand_over_counts_as_transferred_out_until_the_case_is_reopened():
    boss = f.supervisor("dallas")
    label = str(Outcome.TRANSFERRED_OUT.label)
    cases = [f.make_case(boss) for _ in range(2)]
    for case in cases:
        services.handover_record(
            actor=boss,
            case=case,
            post=ConsularPost.objects.get(city="Denver"),
            reason="moved",
            method="email",
        )
    services.case_close_request(actor=boss, case=f.make_case(boss), outcome=Outcome.RELEASED)
    assert closed_by_outcome(boss) == {label: 2, str(Outcome.RELEASED.label): 1}
    assert closed_by_outcome(f.manager())[label] == 2
    assert label not in closed_by_outcome(f.supervisor("houston"))
    weekly = REPORTS["weekly_flow"](boss, _params()).rows
    assert sum(row["closed"] for row in weekly) == 3
    services.case_reopen(actor=boss, case=cases[0], reason="Volvió a Texas")
    assert closed_by_outcome(boss)[label] == 1
