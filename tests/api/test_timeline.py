"""GET /cases/{id}/timeline/: newest first, cursor-paged (stable while the case moves on), filtered
by kind and time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models import CaseEvent
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_case(api_officer, api_case):
    """The opening plus seven notes, one a day back in time."""
    now = timezone.now()
    for day in range(7):
        services.case_note_add(
            actor=api_officer,
            case=api_case,
            kind="call" if day % 2 else "note",
            text=f"día {day}",
            occurred_at=now - dt.timedelta(days=day + 1),
        )
    return api_case


def walk(client, first_url, params=None):
    pages, response = [], client.get(first_url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        pages.append([row["id"] for row in body["results"]])
        if not body["next"]:
            return pages
        response = client.get(body["next"])


def expected_order(case) -> list[int]:
    return list(
        CaseEvent.objects.filter(case=case).order_by("-occurred_at", "-id").values_list("id", flat=True)
    )


def test_timeline_is_newest_first(api_officer_client, busy_case):
    response = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"))
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == expected_order(busy_case)
    assert "ETag" not in response


def test_cursor_pages_cover_everything_once(api_officer_client, busy_case):
    pages = walk(api_officer_client, url(f"cases/{busy_case.pk}/timeline/"), {"limit": 3})
    assert [len(p) for p in pages[:-1]] == [3] * (len(pages) - 1)
    flat = [pk for page in pages for pk in page]
    assert flat == expected_order(busy_case)


def test_cursor_is_stable_while_new_events_arrive(api_officer, api_officer_client, busy_case):
    before = expected_order(busy_case)
    first = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"limit": 3}).json()
    services.case_note_add(actor=api_officer, case=busy_case, text="nuevo")
    services.case_note_add(actor=api_officer, case=busy_case, text="otro")
    seen = [r["id"] for r in first["results"]]
    response = api_officer_client.get(first["next"])
    while True:
        body = response.json()
        seen += [r["id"] for r in body["results"]]
        if not body["next"]:
            break
        response = api_officer_client.get(body["next"])
    assert seen == before


def test_page_size_is_capped(api_officer, api_officer_client, api_case):
    for n in range(105):
        CaseEvent.objects.create(case=api_case, kind="note", actor=api_officer, text=str(n))
    assert api_officer_client.get(url(f"cases/{api_case.pk}/timeline/"), {"limit": 1000}).status_code == 400
    body = api_officer_client.get(url(f"cases/{api_case.pk}/timeline/"), {"limit": 100}).json()
    assert len(body["results"]) == 100
    assert body["next"]


def test_filter_by_kind(api_officer_client, busy_case):
    calls = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"kind": "call"}).json()["results"]
    assert len(calls) == 3
    assert {r["kind"] for r in calls} == {"call"}
    both = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"kind": ["call", "opened"]})
    assert sorted(r["kind"] for r in both.json()["results"]) == ["call"] * 3 + ["opened"]


def test_filter_by_time(api_officer_client, busy_case):
    now = timezone.now()
    since = (now - dt.timedelta(days=3, hours=12)).isoformat()
    until = (now - dt.timedelta(days=1, hours=12)).isoformat()
    rows = api_officer_client.get(
        url(f"cases/{busy_case.pk}/timeline/"), {"since": since, "until": until, "kind": ["note", "call"]}
    ).json()["results"]
    assert [r["text"] for r in rows] == ["día 1", "día 2"]
    recent = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"since": until}).json()[
        "results"
    ]
    assert "día 0" in [r["text"] for r in recent]
    assert "día 1" not in [r["text"] for r in recent]


def test_invalid_kind_is_400(api_officer_client, busy_case):
    response = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"kind": ["note", "gossip"]})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"kind"}
    assert "gossip" in body["errors"]["kind"][0]


@pytest.mark.parametrize("name", ["since", "until"])
def test_invalid_time_is_400(api_officer_client, busy_case, name):
    response = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {name: "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {name}


def test_invalid_cursor_is_404(api_officer_client, busy_case):
    response = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"cursor": "garbage"})
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_events_carry_actor_and_label(api_officer, api_officer_client, busy_case):
    row = api_officer_client.get(url(f"cases/{busy_case.pk}/timeline/"), {"kind": "call"}).json()["results"][
        0
    ]
    assert row["actor"]["id"] == api_officer.pk
    assert row["kind_label"]
    assert row["case"] == busy_case.pk


def test_foreign_timeline_is_404(api_client, busy_case):
    assert api_client(f.officer("houston")).get(url(f"cases/{busy_case.pk}/timeline/")).status_code == 404


def test_manager_reads_any_timeline(api_manager_client, busy_case):
    response = api_manager_client.get(url(f"cases/{busy_case.pk}/timeline/"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(expected_order(busy_case))
