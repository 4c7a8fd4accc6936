"""The inquiries' report: volume by channel, hours to locate and to answer (median, 90th percentile),
open past the deadline; a consulate's for its staff, the network's (or one consulate's) for managers;
on the reports dashboard; one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from intake.inquiries.reports import inquiries_by_channel
from intake.models import Channel, Inquiry, InquiryStatus
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _inquiry(consulate, channel, received, *, located_h=None, answered_h=None, respond_h=48):
    return Inquiry.objects.create(
        consulate=consulate,
        channel=channel,
        received_at=received,
        respond_by=received + dt.timedelta(hours=respond_h),
        sought_paternal_surname="Pérez",
        located_at=received + dt.timedelta(hours=located_h) if located_h is not None else None,
        status=InquiryStatus.ANSWERED if answered_h is not None else InquiryStatus.OPEN,
        answer="Respondida" if answered_h is not None else "",
        answered_at=received + dt.timedelta(hours=answered_h) if answered_h is not None else None,
    )


@pytest.fixture
def data(world):
    received = timezone.now() - dt.timedelta(days=5)
    for located, answered in ((2, 4), (4, 10), (6, 20), (None, None)):
        _inquiry(world.dallas, Channel.CIAM, received, located_h=located, answered_h=answered)
    _inquiry(world.dallas, Channel.WHATSAPP, received, located_h=1)  # open, past its deadline
    _inquiry(world.el_paso, Channel.CIAM, received, located_h=50, answered_h=60)
    return ReportParams(start=(received - dt.timedelta(days=1)).date(), end=timezone.localdate())


def _rows(report):
    return {row["channel"]: row for row in report.rows}


def test_the_numbers_for_a_consulate(world, data):
    rows = _rows(inquiries_by_channel(world.officer_a, data))
    ciam = rows[str(Channel.CIAM.label)]
    # world's own inquiry (recorded now, phone) is counted under its channel, not CIAM
    assert (ciam["received"], ciam["located"], ciam["answered"]) == (4, 3, 3)
    assert (ciam["locate_median"], ciam["answer_median"]) == (4.0, 10.0)
    assert ciam["locate_p90"] == pytest.approx(5.6)
    assert ciam["overdue"] == 1  # the one never answered, received 5 days ago
    assert rows[str(Channel.WHATSAPP.label)]["overdue"] == 1


def test_managers_see_the_network_or_one_consulate(world, data):
    network = _rows(inquiries_by_channel(world.manager, data))
    assert network[str(Channel.CIAM.label)]["received"] == 5
    one = ReportParams(start=data.start, end=data.end, consulate_id=world.el_paso.pk)
    assert _rows(inquiries_by_channel(world.manager, one))[str(Channel.CIAM.label)]["received"] == 1
    # An officer cannot widen the report to another consulate.
    other = ReportParams(start=data.start, end=data.end, consulate_id=world.el_paso.pk)
    assert _rows(inquiries_by_channel(world.officer_a, other))[str(Channel.CIAM.label)]["received"] == 4


def test_one_query(world, data, django_assert_num_queries):
    with django_assert_num_queries(1):
        inquiries_by_channel(world.manager, data)


def test_on_the_dashboard(client, world, data):
    assert "inquiries_by_channel" in REPORTS
    login_verified(client, world.supervisor_a)
    response = client.get(reverse("reports:dashboard"), {"start": data.start, "end": data.end})
    assert response.status_code == 200
    assert "chart-inquiries_by_channel" in response.content.decode()


def test_by_consulate_for_managers(world, data):
    from intake.inquiries.reports import inquiries_by_consulate

    rows = {row["consulate"]: row for row in inquiries_by_consulate(world.manager, data).rows}
    assert rows["Dallas"]["received"] == 5 + 1  # the world's own phone inquiry too
    assert rows["El Paso"]["received"] == 1 + 1
    assert rows["El Paso"]["locate_median"] == 50.0
    assert [row["consulate"] for row in inquiries_by_consulate(world.officer_a, data).rows] == ["Dallas"]
