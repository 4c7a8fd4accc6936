"""Who may use the import and operation pages: every route x role, on the Dallas consulate's import and
operation. Another consulate's records answer 404 (their existence does not leak); roles without the right
403; anonymous visitors and partners (not staff) go to the sign-in page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Operation
from intake.imports import services, urls
from tests import factories as f
from tests.auth import login_verified
from tests.intake.imports.world import ICE_LIST
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

ROLES = (
    "officer",
    "officer_other",
    "supervisor",
    "manager",
    "administrator",
    "auditor",
    "partner",
    "anonymous",
)
OK, SIGN_IN, DENIED, HIDDEN = "ok", "sign-in", 403, 404

# route -> (method, expected by role, in ROLES order)
MATRIX = {
    "list": ("get", (OK, OK, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "new": ("get", (OK, OK, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    # Houston's officer is not offered Dallas: the form refuses the choice (400), nothing is uploaded.
    "new-post": ("post", (OK, 400, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "detail": ("get", (OK, HIDDEN, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "mapping": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "remap": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "start": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "discard": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "progress": ("get", (OK, HIDDEN, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "errors_csv": ("get", (OK, HIDDEN, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "operations": ("get", (OK, OK, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "operation_new": ("post", (OK, OK, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "operation": ("get", (OK, HIDDEN, OK, OK, OK, DENIED, SIGN_IN, SIGN_IN)),
    "operation_edit": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
    "operation_bulk": ("post", (OK, HIDDEN, OK, DENIED, OK, DENIED, SIGN_IN, SIGN_IN)),
}


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield {
            "officer": f.officer("dallas"),
            "officer_other": f.officer("houston"),
            "supervisor": f.supervisor("dallas"),
            "manager": f.manager(),
            "administrator": f.administrator(),
            "auditor": f.auditor(),
            "partner": f.partner_user(),
            "anonymous": None,
        }


def test_every_route_is_in_the_matrix():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names <= set(MATRIX), names - set(MATRIX)


def _request(client, route: str, method: str, people):
    dallas = f.consulate("dallas")
    owner = people["officer"]
    batch = services.import_upload(actor=owner, consulate=dallas, filename="l.csv", content=ICE_LIST.encode())
    if route == "start" or route == "remap":
        services.import_preview(actor=owner, batch=batch)
    operation = Operation.objects.create(
        consulate=dallas, name="Op", date=dt.date(2026, 11, 1), created_by=owner
    )
    if route == "new-post":
        upload = SimpleUploadedFile("l.csv", ICE_LIST.encode(), content_type="text/csv")
        return client.post(reverse("imports:new"), {"file": upload, "consulate": dallas.pk})
    if route in ("list", "new", "operations", "operation_new"):
        url = reverse(f"imports:{route}")
    elif route.startswith("operation"):
        url = reverse(f"imports:{route}", args=[operation.pk])
    else:
        url = reverse(f"imports:{route}", args=[batch.pk])
    data = {
        "mapping": {"col_full_name": "1", "language": "en"},
        "operation_new": {"name": "Nueva", "date": "2026-11-02", "agency": "unknown", "consulate": dallas.pk},
        "operation_edit": {"name": "Cambiada", "date": "2026-11-02", "agency": "unknown"},
        "operation_bulk": {"bulk-action": "task", "bulk-cases": [], "bulk-title": "x"},
    }.get(route, {})
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_matrix(client, people, route, role):
    method, expected = MATRIX[route]
    want = expected[ROLES.index(role)]
    if people[role] is not None:
        login_verified(client, people[role])
    response = _request(client, route, method, people)
    if want == SIGN_IN:
        assert response.status_code == 302
        assert "login" in response["Location"] or "account" in response["Location"]
    elif want == OK:
        assert response.status_code in (200, 302, 400), response.status_code  # 400: the form's own refusal
    else:
        assert response.status_code == want
