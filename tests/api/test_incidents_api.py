"""The staff API's critical incidents and notifications: record with its checklist in the answer, field
errors in Spanish and nothing written, close with If-Match (a stale ETag is 412), one's notifications in
the caller's language and marked read; a malformed id is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from api.conditional import etag_for
from cases.models import CriticalIncident, Notification
from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db


def _body(**overrides):
    return {
        "kind": "death",
        "occurred_at": (timezone.now() - dt.timedelta(hours=4)).isoformat(),
        "place": "Hospital Universitario, El Paso",
        "source": "hospital",
        "description": "Falleció tras su traslado de urgencia.",
    } | overrides


def test_record_close_and_read_the_notification():
    officer, chief = f.officer("dallas"), f.supervisor("dallas")
    case = f.make_case(officer)
    api, sent = csrf_client(officer), _body()
    answer = api.post(
        url(f"cases/{case.pk}/incidents/"), sent, format="json", headers={"Idempotency-Key": "i-1"}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["zone"] == "America/Chicago"  # another place: the consulate's clock
    assert sorted(task["kind"] for task in body["tasks"]) == [
        "incident_counsel",
        "incident_family_mx",
        "incident_family_us",
        "incident_records",
        "incident_remains",
    ]
    again = api.post(
        url(f"cases/{case.pk}/incidents/"), sent, format="json", headers={"Idempotency-Key": "i-1"}
    )
    assert again.get("Idempotent-Replayed") == "true"
    assert CriticalIncident.objects.count() == 1

    boss = csrf_client(chief)
    incident = CriticalIncident.objects.get()
    stale = boss.post(
        url(f"cases/{case.pk}/incidents/{incident.pk}/close/"),
        {"note": "Cerrado"},
        format="json",
        headers={"If-Match": '"stale"'},
    )
    assert stale.status_code == 412
    closed = boss.post(
        url(f"cases/{case.pk}/incidents/{incident.pk}/close/"),
        {"note": "La familia recibió los restos."},
        format="json",
        headers={"If-Match": etag_for(incident)},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"

    listed = boss.get(url("notifications/"), {"unread": "true"}, headers={"Accept-Language": "en"})
    [item] = listed.json()["results"]
    assert item["text"].startswith("Death in custody at Hospital Universitario, El Paso, case ")
    read = boss.post(url(f"notifications/{item['id']}/read/"), {}, format="json")
    assert read.status_code == 200
    assert Notification.objects.get(pk=item["id"]).read_at is not None
    assert boss.get(url("notifications/"), {"unread": "true"}).json()["results"] == []
    assert boss.post(url("notifications/abc/read/"), {}, format="json").status_code == 404


def test_bad_input_is_a_field_error_in_spanish_and_nothing_is_written():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    answer = csrf_client(officer).post(
        url(f"cases/{case.pk}/incidents/"), _body(place="", description="x"), format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["place"] == ["Elija el centro o diga dónde ocurrió."]
    assert not CriticalIncident.objects.exists()
    assert not Notification.objects.exists()
