"""The staff API records and shows the art. 36 sequence: arresting agency, advised of the right, the
person's choice on notification, and an opposition to consular action (cases/api/case_serializers.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def _etag(client, case) -> str:
    return client.get(url(f"cases/{case.pk}/"))["ETag"]


def test_patch_records_the_art36_sequence_and_the_case_shows_it(api_officer_client, api_case):
    arrested = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {
            "arrested_at": arrested.isoformat(),
            "arresting_agency": "sheriff_287g",
            "advised_at": (arrested + dt.timedelta(hours=3)).isoformat(),
            "notification_request": "declined",
            "notification_request_at": (arrested + dt.timedelta(hours=3)).isoformat(),
            "opposes_consular_action": True,
            "opposition_note": "Lo dijo en la visita",
        },
        format="json",
        HTTP_IF_MATCH=_etag(api_officer_client, api_case),
    )
    assert response.status_code == 200, response.json()
    shown = api_officer_client.get(url(f"cases/{api_case.pk}/")).json()
    assert shown["arresting_agency"] == "sheriff_287g"
    assert shown["notification_request"] == "declined"
    assert shown["opposes_consular_action"] is True
    assert shown["opposition_recorded_at"] is not None
    assert shown["art36"]["advice_delay_hours"] == 3.0
    assert shown["art36"]["contact_expected"] is False
    assert shown["art36"]["contact_overdue"] is False


def test_patch_refuses_advice_before_the_arrest_with_a_field_error_and_writes_nothing(
    api_officer_client, api_case
):
    tag = _etag(api_officer_client, api_case)
    arrested = timezone.now() - dt.timedelta(days=2)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"arrested_at": arrested.isoformat(), "advised_at": (arrested - dt.timedelta(hours=1)).isoformat()},
        format="json",
        HTTP_IF_MATCH=tag,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "advised_at": ["No se puede informar a la persona de su derecho antes del arresto."]
    }
    assert _etag(api_officer_client, api_case) == tag


def test_open_with_an_unknown_choice_is_a_field_error(api_officer_client, api_officer):
    from tests import factories as f

    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"),
        {"person": person.pk, "category": "migratorio", "notification_request": "maybe"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"notification_request"}
