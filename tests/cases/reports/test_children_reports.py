"""The children's reports on cases of today (the hand-built network's figures are in test_correctness): a
child without an assessment but flagged unaccompanied counts as unaccompanied; an adult is no child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.reports import children
from cases.reports.common import ReportParams
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_unaccompanied_flag_counts_when_no_assessment_says_otherwise():
    officer = f.officer("dallas")
    today = timezone.localdate()
    flagged = f.make_person(
        officer, date_of_birth=today - dt.timedelta(days=4000), is_unaccompanied_minor=True
    )
    f.make_case(officer, person=flagged)
    f.make_case(officer, person=f.make_person(officer, date_of_birth=today - dt.timedelta(days=3000)))
    f.make_case(officer)  # an adult
    params = ReportParams(start=today - dt.timedelta(days=7), end=today)
    report = children.children_by_status(f.manager(), params)
    assert report.rows == [
        {"consulate": "Dallas", "open": 2, "unaccompanied": 1, "separated": 0, "accompanied": 1, "closed": 0}
    ]
