"""A range with no records: every report is empty (or all zeros). Apart from test_correctness.py, whose
hand-built world stays in the database for its whole module."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_reports_with_nothing_to_show_are_empty():
    manager = f.manager()
    params = ReportParams(start=dt.date(2001, 1, 1), end=dt.date(2001, 1, 31))
    for name, function in REPORTS.items():
        report = function(manager, params)
        if name == "weekly_flow":
            assert {(r["opened"], r["closed"]) for r in report.rows} == {(0, 0)}
        elif name == "vulnerable_open":
            assert {r["persons"] for r in report.rows} == {0}
        else:
            assert report.rows == [], name
