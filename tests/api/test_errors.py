"""api/errors.py: every error has one shape, and its messages follow Accept-Language."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tests.api.conftest import url
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

SHAPE = {"type", "code", "title", "status", "detail", "errors"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == SHAPE
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], dict)
    assert body["code"] == body["type"]
    if code is not None:
        assert body["code"] == code
    return body


def test_400_has_field_errors(api_officer_client):
    body = assert_problem(
        api_officer_client.post(url("persons/"), {"email": "not-an-email"}, format="json"),
        400,
        "validation_error",
    )
    assert set(body["errors"]) == {"given_names", "email"}
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_400_from_a_service_keeps_its_field(api_officer_client, api_case):
    body = assert_problem(
        api_officer_client.post(
            url(f"cases/{api_case.pk}/request-closure/"), {"outcome": "other"}, format="json"
        ),
        400,
        "validation_error",
    )
    assert set(body["errors"]) == {"outcome_notes"}


def test_409_when_the_records_state_refuses_the_action(api_officer_client, api_case):
    """Reopening an open case: a permitted call the case's state refuses, with a stable code."""
    body = assert_problem(
        api_officer_client.post(url(f"cases/{api_case.pk}/reopen/"), {"reason": "x"}, format="json"),
        409,
        "invalid_transition",
    )
    assert body["title"] == "Conflicto"
    assert set(body["errors"]) == {"non_field_errors"}
    assert body["detail"] == body["errors"]["non_field_errors"][0]


def test_every_conflict_code_is_a_stable_identifier():
    from api.errors import CONFLICTS

    assert all(code.replace("_", "").isalpha() and code.islower() for code in CONFLICTS.values())


def test_401_without_credentials():
    body = assert_problem(APIClient().get(url("cases/")), 401, "not_authenticated")
    assert body["errors"] == {}


def test_401_with_an_unknown_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert_problem(client.get(url("cases/")), 401)


def test_403_for_a_partner_on_staff_routes(api_partner_client):
    assert_problem(api_partner_client.get(url("cases/")), 403, "permission_denied")


def test_403_from_a_service(api_manager_client, api_case):
    assert_problem(
        api_manager_client.post(url(f"cases/{api_case.pk}/notes/"), {"text": "hola"}, format="json"),
        403,
        "permission_denied",
    )


def test_404_for_a_hidden_record(api_client, api_case):
    houston = api_client(f.officer("houston"))
    assert_problem(houston.get(url(f"cases/{api_case.pk}/")), 404, "not_found")


def test_404_for_an_unknown_route(api_officer_client):
    response = api_officer_client.get(url("cases/not-a-number/"))
    assert response.status_code == 404


def test_405_with_allow_header(api_officer_client, api_case):
    response = api_officer_client.delete(url(f"cases/{api_case.pk}/"))
    assert_problem(response, 405, "method_not_allowed")


def test_428_without_if_match(api_officer_client, api_case):
    assert_problem(
        api_officer_client.patch(url(f"cases/{api_case.pk}/"), {"summary": "x"}, format="json"),
        428,
        "precondition_required",
    )


def test_412_with_a_stale_etag(api_officer_client, api_case):
    assert_problem(
        api_officer_client.patch(
            url(f"cases/{api_case.pk}/"),
            {"summary": "x"},
            format="json",
            HTTP_IF_MATCH=f'"case-{api_case.pk}-{api_case.version - 1}"',
        ),
        412,
        "stale_version",
    )


def test_422_when_an_idempotency_key_is_reused_for_another_request(api_officer_client, api_case):
    path = url(f"cases/{api_case.pk}/notes/")
    first = api_officer_client.post(path, {"text": "uno"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    assert_problem(
        api_officer_client.post(path, {"text": "dos"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"),
        422,
        "idempotency_key_reused",
    )


def test_400_for_an_invalid_filter(api_officer_client):
    body = assert_problem(api_officer_client.get(url("cases/"), {"status": "nope"}), 400)
    assert "status" in body["errors"]


# --- language -------------------------------------------------------------------------------------


def test_permission_message_in_english(api_partner_client):
    body = assert_problem(api_partner_client.get(url("cases/"), HTTP_ACCEPT_LANGUAGE="en"), 403)
    assert body["detail"] == "This part of the API is for consular staff."


def test_permission_message_in_spanish(api_partner_client):
    body = assert_problem(api_partner_client.get(url("cases/"), HTTP_ACCEPT_LANGUAGE="es"), 403)
    assert body["detail"] == "Esta parte de la API es para el personal consular."


def test_field_messages_follow_accept_language(api_officer_client):
    english = api_officer_client.post(url("persons/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    spanish = api_officer_client.post(url("persons/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert english.json()["errors"]["given_names"] == ["This field is required."]
    assert spanish.json()["errors"]["given_names"] == ["Este campo es obligatorio."]
    assert english["Content-Language"] == "en"
    assert spanish["Content-Language"] == "es"


def test_service_messages_follow_accept_language(api_officer_client, api_case):
    path = url(f"cases/{api_case.pk}/reopen/")
    english = api_officer_client.post(path, {"reason": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    spanish = api_officer_client.post(path, {"reason": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert english.json()["detail"] == "Only a closed case can be reopened."
    assert spanish.json()["detail"] != english.json()["detail"]


def test_precondition_messages_follow_accept_language(api_officer_client, api_case):
    path = url(f"cases/{api_case.pk}/")
    english = api_officer_client.patch(path, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    spanish = api_officer_client.patch(path, {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert english.json()["detail"] == "Send the resource's ETag in an If-Match header to change it."
    assert spanish["Content-Language"] == "es"


def test_spanish_is_the_default_language(api_officer_client):
    response = api_officer_client.post(url("persons/"), {}, format="json")
    assert response.json()["errors"]["given_names"] == ["Este campo es obligatorio."]


# --- CSRF -------------------------------------------------------------------------------------------


def test_session_post_without_csrf_token_is_refused(api_officer, api_case):
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, api_officer)
    response = client.post(url(f"cases/{api_case.pk}/notes/"), {"text": "hola"}, format="json")
    body = assert_problem(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    assert not api_case.events.filter(text="hola").exists()


def test_session_get_needs_no_csrf_token(api_officer, api_case):
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, api_officer)
    assert client.get(url(f"cases/{api_case.pk}/")).status_code == 200


def test_session_post_with_csrf_token_is_accepted(api_officer_client, api_case):
    response = api_officer_client.post(url(f"cases/{api_case.pk}/notes/"), {"text": "hola"}, format="json")
    assert response.status_code == 201


def test_token_post_needs_no_csrf_token(api_partner_client, api_referral):
    response = api_partner_client.post(url(f"partner/referrals/{api_referral.pk}/accept/"))
    assert response.status_code == 200


# --- bodies nested too deeply, and addresses that name nothing (issue 15, item 13) ------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def nested_doors(api_officer_client, api_partner_client, api_referral):
    """Every kind of JSON door: a create, a search (a view that pins its parser), a partner action."""
    return [
        (api_officer_client, url("persons/")),
        (api_officer_client, url("persons/search/")),
        (api_partner_client, url(f"partner/referrals/{api_referral.pk}/notes/")),
    ]


@pytest.mark.parametrize("depth", [900, 5000])
def test_json_nested_past_the_interpreters_limit_is_a_400(nested_doors, depth):
    for client, address in nested_doors:
        response = client.post(address, _nested(depth), content_type="application/json")
        body = assert_problem(response, 400, "parse_error")
        assert "32" in body["detail"]


def test_json_nested_past_the_apis_limit_is_a_400(api_officer_client, settings):
    def person(levels: int) -> dict:
        """A person whose languages nest so that the whole body is ``levels`` deep."""
        languages: list = []
        for _level in range(levels - 2):  # the object is one level, the innermost list another
            languages = [languages]
        return {"given_names": "Ana", "languages": languages}

    limit = settings.API_JSON_MAX_DEPTH
    response = api_officer_client.post(url("persons/"), person(limit + 1), format="json")
    assert_problem(response, 400, "parse_error")
    within = api_officer_client.post(url("persons/"), person(limit), format="json")
    assert_problem(within, 400, "validation_error")  # within the limit: the fields are checked as usual


UNKNOWN_API_PATHS = [
    "/api/",
    "/api/nothing",
    "/api/v1/",
    "/api/v1/nothing/",
    "/api/v1/cases/1/nothing/",
    "/api/v2/cases/",
    "/api/v1/reports/nothing/extra/",
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
def test_an_unknown_api_address_is_the_apis_json_404(api_officer_client, settings, path, debug):
    settings.DEBUG = debug
    for client in (api_officer_client, APIClient()):
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(path)
            body = assert_problem(response, 404, "not_found")
            assert response["Content-Type"].startswith("application/json")
            assert body["errors"] == {}


def test_the_json_404_follows_accept_language(settings):
    settings.DEBUG = True
    english = assert_problem(APIClient().get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    spanish = assert_problem(APIClient().get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="es"), 404)
    assert (english["title"], english["detail"]) == ("Not found", "Not found.")
    assert spanish["detail"] == "No encontrado."


def test_outside_the_api_a_404_is_still_a_page(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
