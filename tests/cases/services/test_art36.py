"""The art. 36 flag (cases/models/case.py): in custody, notified 48 hours ago or more, no consular contact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

OWN_DISTRICT = "Prairieland Detention Center"  # Johnson County, in the Dallas district


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def notified_at() -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=10)).replace(microsecond=0)


@pytest.fixture
def detained(dallas_officer, notified_at):
    """In custody in its own district; the consulate was notified ten days ago; no contact yet."""
    return f.make_case(
        dallas_officer,
        facility=DetentionFacility.objects.get(name=OWN_DISTRICT),
        detained_since=(notified_at - dt.timedelta(hours=30)).date(),
        arrested_at=notified_at - dt.timedelta(hours=30),
        consulate_notified_at=notified_at,
        notified_by="facility",
    )


def _flagged(monkeypatch, case: Case, now: dt.datetime) -> tuple[bool, bool]:
    """The flag by the queryset (explicit ``now``) and by the property (clock set to ``now``)."""
    by_query = Case.objects.art36_contact_overdue(now).filter(pk=case.pk).exists()
    stored = Case.objects.get(pk=case.pk)
    monkeypatch.setattr(timezone, "now", lambda: now)
    by_property = stored.art36_contact_overdue
    monkeypatch.undo()
    return by_query, by_property


def test_flag_turns_on_exactly_48_hours_after_notification(monkeypatch, detained, notified_at):
    deadline = notified_at + dt.timedelta(hours=48)
    assert _flagged(monkeypatch, detained, deadline - dt.timedelta(minutes=1)) == (False, False)
    assert _flagged(monkeypatch, detained, deadline - dt.timedelta(microseconds=1)) == (False, False)
    assert _flagged(monkeypatch, detained, deadline) == (True, True)
    assert _flagged(monkeypatch, detained, deadline + dt.timedelta(days=3)) == (True, True)


def test_flag_is_on_now_for_a_case_notified_ten_days_ago(detained):
    assert Case.objects.get(pk=detained.pk).art36_contact_overdue is True
    assert Case.objects.art36_contact_overdue().filter(pk=detained.pk).exists()


def test_first_contact_clears_the_flag(monkeypatch, dallas_officer, detained, notified_at):
    services.case_update(
        actor=dallas_officer, case=detained, first_contact_at=notified_at + dt.timedelta(hours=60)
    )
    assert _flagged(monkeypatch, detained, timezone.now()) == (False, False)


def test_release_clears_the_flag(monkeypatch, dallas_officer, detained):
    services.case_update(actor=dallas_officer, case=detained, released_on=timezone.localdate())
    assert _flagged(monkeypatch, detained, timezone.now()) == (False, False)


def test_closing_clears_the_flag(monkeypatch, dallas_officer, detained):
    services.case_close_request(actor=dallas_officer, case=detained, outcome="not_located")
    assert Case.objects.get(pk=detained.pk).status == "closed"
    assert _flagged(monkeypatch, detained, timezone.now()) == (False, False)


def test_no_flag_without_custody_or_without_notification(monkeypatch, dallas_officer, notified_at):
    not_detained = f.make_case(dallas_officer, consulate_notified_at=notified_at, notified_by="family")
    not_notified = f.make_case(dallas_officer, facility=DetentionFacility.objects.get(name=OWN_DISTRICT))
    assert _flagged(monkeypatch, not_detained, timezone.now()) == (False, False)
    assert _flagged(monkeypatch, not_notified, timezone.now()) == (False, False)


def test_delay_annotations_equal_the_properties(dallas_officer, detained, notified_at):
    contacted = f.make_case(
        dallas_officer,
        facility=DetentionFacility.objects.get(name=OWN_DISTRICT),
        arrested_at=notified_at - dt.timedelta(hours=5, minutes=30),
        consulate_notified_at=notified_at,
        notified_by="ice",
        first_contact_at=notified_at + dt.timedelta(hours=20),
    )
    nothing = f.make_case(dallas_officer)
    annotated = {
        c.pk: c
        for c in Case.objects.with_art36_delays().filter(pk__in=[detained.pk, contacted.pk, nothing.pk])
    }
    for pk in (detained.pk, contacted.pk, nothing.pk):
        case = annotated[pk]
        assert case.art36_notification_delay == case.notification_delay
        assert case.art36_contact_delay == case.contact_delay
    assert annotated[contacted.pk].art36_notification_delay == dt.timedelta(hours=5, minutes=30)
    assert annotated[contacted.pk].art36_contact_delay == dt.timedelta(hours=20)
    assert annotated[detained.pk].art36_notification_delay == dt.timedelta(hours=30)
    assert annotated[detained.pk].art36_contact_delay is None
    assert (annotated[nothing.pk].art36_notification_delay, annotated[nothing.pk].art36_contact_delay) == (
        None,
        None,
    )


def test_the_case_page_shows_the_flag(client, dallas_officer, detained, notified_at):
    login_verified(client, dallas_officer)
    url = reverse("admin:cases_case_change", args=[detained.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "case-flag-art36" in response.text
    services.case_update(
        actor=dallas_officer, case=detained, first_contact_at=notified_at + dt.timedelta(hours=50)
    )
    assert "case-flag-art36" not in client.get(url).text
