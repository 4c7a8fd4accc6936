"""The reception points in the API (issue 20): the sourced facts, and a case cannot newly name a point
that is closed or no longer designated (a field error, nothing written)."""

from __future__ import annotations

import pytest

from consulates.models import ReceptionPoint
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def test_reception_point_carries_the_sourced_facts(api_officer_client):
    tapachula = ReceptionPoint.objects.get(mx_city="Tapachula")
    body = api_officer_client.get(url(f"reception-points/{tapachula.pk}/")).json()
    assert {
        k: body[k] for k in ("kind", "designated_2016", "status", "status_date", "timezone", "offered")
    } == {
        "kind": "airport",
        "designated_2016": "no",
        "status": "active",
        "status_date": "2026-01-04",
        "timezone": "America/Mexico_City",
        "offered": True,
    }
    assert body["receivers"] == ["inm", "mta"]
    assert body["status_text"].startswith("active: first 2026 flight 2026-01-02")
    reynosa = api_officer_client.get(
        url(f"reception-points/{ReceptionPoint.objects.get(mx_city='Reynosa').pk}/")
    )
    assert (reynosa.json()["hours_from"], reynosa.json()["hours_to"]) == ("08:00", "22:00")
    assert reynosa.json()["agreed_hours"] == "08:00-22:00 (Tamaulipas, 2020)"
    assert "mexico_te_abraza" not in body
    assert "active" not in body


def test_a_case_cannot_newly_name_a_point_not_offered(api_officer_client, api_case):
    closed = ReceptionPoint.objects.get(mx_city="Nueva Rosita")
    tag = api_officer_client.get(url(f"cases/{api_case.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"reception_point": closed.pk}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reception_point"}
    api_case.refresh_from_db()
    assert api_case.reception_point_id is None
    acuna = ReceptionPoint.objects.get(mx_city="Ciudad Acuña")
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"reception_point": acuna.pk}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 200, response.json()
