"""Staff-UI lists and the case page run a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from tests.factories import make_case, officer

pytestmark = pytest.mark.django_db

LISTS = [
    "admin:cases_case_changelist",
    "admin:cases_person_changelist",
    "admin:cases_task_changelist",
    "admin:cases_hearing_changelist",
]


def _add_cases(actor, count: int) -> None:
    colleague = officer("dallas")
    for i in range(count):
        case = make_case(actor)
        services.case_assign(actor=actor, case=case, assignee=colleague if i % 2 else actor)
        services.task_add(actor=actor, case=case, title=f"Tarea {i}", assignee=actor)
        services.hearing_schedule(
            actor=actor,
            case=case,
            kind="bond",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            location="Dallas",
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", LISTS)
def test_list_queries_do_not_grow_with_rows(client, url_name):
    actor = officer("dallas")
    client.force_login(actor)
    url = reverse(url_name)
    _add_cases(actor, 3)
    few = _queries(client, url)
    _add_cases(actor, 25)
    many = _queries(client, url)
    assert many == few, f"{url_name}: {few} queries with 3 cases, {many} with 28"


def test_case_page_queries_do_not_grow_with_its_history(client):
    actor = officer("dallas")
    client.force_login(actor)
    case = make_case(actor)
    url = reverse("admin:cases_case_change", args=[case.pk])
    few = _queries(client, url)
    for i in range(15):
        services.case_note_add(actor=actor, case=case, text=f"Nota {i}")
        services.task_add(actor=actor, case=case, title=f"Tarea {i}", assignee=actor)
        services.hearing_schedule(
            actor=actor,
            case=case,
            kind="bond",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            location="Dallas",
        )
    many = _queries(client, url)
    assert many <= few + 3, f"case page: {few} queries when new, {many} with 45 more rows"
