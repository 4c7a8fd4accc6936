"""The API against its own OpenAPI schema, with schemathesis: every operation, with each role's
credentials (staff sessions, a staff app's OAuth 2.0 access token, a partner's API token), fed generated
requests (query parameters, headers, bodies). No response may be a server error, and every response must
be one the schema documents (status code, content type, body, headers).

Runs in the normal suite, so it is kept small and stable: a few examples per operation, derandomized,
no example database. Path ids are fixed to records the role may see (random ids would only ever meet
404s); each generated request runs in a savepoint rolled back afterwards, so a write that succeeds
(accepting a transfer, withdrawing a consent) does not change what the next example finds.
"""

from __future__ import annotations

import pytest
import schemathesis
import werkzeug
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.views import APIView
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from tests.api.support_matrix import module_world
from tests.factories.crossoffice import make_referral
from tests.oauth.conftest import issue_access_token

__all__ = ["module_world"]

EXAMPLES = 6
load_all_checks()
# Every check schemathesis registers (the response time limit is not one unless given a limit): the
# conformance checks, negative/positive data, missing required headers, unsupported methods, and the
# authentication ones: ``ignored_auth`` replays each accepted request without credentials and with
# invalid ones and expects a refusal; ``use_after_free``/``ensure_resource_availability`` follow links.
ALL_CHECKS = CHECKS.get_all()
# ``positive_data_acceptance`` expects every schema-valid request to be accepted. These operations refuse,
# with a field error (400), values the OpenAPI document cannot rule out; each is the service's intended
# answer, so that one check is left out for them (every other check still runs).
POSITIVE_DATA_EXCEPTIONS = {
    ("GET", "/api/v1/counties/"): "an unknown consulate id in a filter is a field error, not an empty list",
    ("GET", "/api/v1/facilities/"): "an unknown consulate id in a filter is a field error, not an empty list",
    ("GET", "/api/v1/partners/"): "an unknown consulate id in a filter is a field error, not an empty list",
    ("POST", "/api/v1/partner/inquiries/"): (
        "a consulate or a county of arrest, and a name or an A-number of the person sought, are rules "
        "across fields that the schema cannot state (a field error, 400)"
    ),
    (
        "GET",
        "/api/v1/partner/referrals/",
    ): "times outside the years 1900-2199 are refused (api/fields.py)",
    ("POST", "/api/v1/partner/referrals/{id}/documents/"): (
        "schemathesis may send the binary file as a plain form field, which is no upload"
    ),
    # A generated If-Match is a well-formed ETag, but not the referral's current one: 412, as documented.
    **{
        (
            "POST",
            f"/api/v1/partner/referrals/{{id}}/{action}/",
        ): "an If-Match that is not the current ETag is 412"
        for action in ("accept", "decline", "start", "complete")
    },
    # Staff operations, as the staff app's token (really authenticated) meets them. Unknown ids of other
    # records: a field error, as for the reference filters above.
    **{
        operation: "an id of a record that does not exist (or that you cannot see) is a field error"
        for operation in (
            ("GET", "/api/v1/cases/"),  # and times outside the years 1900-2199
            ("GET", "/api/v1/consents/"),
            ("GET", "/api/v1/persons/"),
            ("GET", "/api/v1/referrals/"),
            ("GET", "/api/v1/tasks/"),
            ("POST", "/api/v1/cases/"),
            ("POST", "/api/v1/cases/search/"),
            ("POST", "/api/v1/cases/{id}/assign/"),
            ("POST", "/api/v1/cases/{id}/consents/"),
            ("POST", "/api/v1/cases/{id}/referrals/"),
            ("POST", "/api/v1/cases/{id}/transfers/"),
            # and a post of the network is refused on ``post`` (a transfer, not a hand-over)
            ("POST", "/api/v1/cases/{id}/handover/"),
            ("POST", "/api/v1/cases/{id}/handover-receipt/"),
        )
    },
    **{
        operation: "times outside the years 1900-2199 (dates: 1900-2999) are refused (api/fields.py)"
        for operation in (
            ("GET", "/api/v1/transfers/"),
            ("GET", "/api/v1/reports/{name}/"),
            ("POST", "/api/v1/cases/{id}/hearings/"),
            ("POST", "/api/v1/cases/{id}/notes/"),
            ("POST", "/api/v1/cases/{id}/tasks/"),
            ("POST", "/api/v1/persons/search/"),
        )
    },
    # Custody: an unknown facility id is a field error, and so is a date that does not fit the case's
    # custody history (a move before the current facility's start, a "found" search without a facility).
    **{
        operation: "an unknown facility, or a date or result that does not fit the custody history (400)"
        for operation in (
            ("POST", "/api/v1/cases/{id}/custody/"),
            ("POST", "/api/v1/cases/{id}/custody/release/"),
            ("POST", "/api/v1/cases/{id}/locate-attempts/"),
        )
    },
    # A generated If-Match is well formed, but not the record's current ETag: 412, as documented.
    **{
        operation: "an If-Match that is not the current ETag is 412"
        for operation in (
            ("PATCH", "/api/v1/cases/{id}/"),
            ("PATCH", "/api/v1/persons/{id}/"),
            ("POST", "/api/v1/cases/{id}/approve-closure/"),
            ("POST", "/api/v1/cases/{id}/reject-closure/"),
            ("POST", "/api/v1/cases/{id}/reopen/"),
        )
    },
    (
        "POST",
        "/api/v1/cases/{id}/request-closure/",
    ): "an outcome without its notes is refused (cases.services)",
    ("POST", "/api/v1/persons/"): "a person needs at least one surname, which no schema keyword can say",
    # Facility visits and formal requests (decision 0026): every change names the record's ETag (412
    # otherwise); a visit is planned only at a facility of the caller's district (403), a request needs a
    # case or a facility the caller sees (400).
    **{
        operation: "an If-Match that is not the current ETag is 412"
        for operation in (
            ("PATCH", "/api/v1/visits/{id}/"),
            ("POST", "/api/v1/visits/{id}/interviews/"),
            ("POST", "/api/v1/visits/{id}/checklist/"),
            ("PATCH", "/api/v1/formal-requests/{id}/"),
            ("POST", "/api/v1/formal-requests/{id}/send/"),
            ("POST", "/api/v1/formal-requests/{id}/answer/"),
            ("POST", "/api/v1/formal-requests/{id}/withdraw/"),
        )
    },
    ("POST", "/api/v1/visits/"): "a facility of another district (403), or unknown officers (400)",
    (
        "POST",
        "/api/v1/formal-requests/",
    ): "a case or a facility the caller sees is needed, across fields (400)",
}
CSRF = "schemathesisschemathesisschemat1"  # 32 characters, as Django's CSRF cookie
STAFF = ("officer_own", "supervisor_own", "manager")
PARTNER = "partner_referred"
# A staff app signed in for the officer (OAuth 2.0 bearer token): every staff operation, within its scopes.
STAFF_APP = "officer_app"
STAFF_APP_SCOPES = "cases:read cases:write reports:read"


@pytest.fixture(scope="module")
def schema(module_world):
    # Django's WSGI handler closes the connection at the end of a request when it is inside a
    # transaction; the test client avoids that the same way, and so must this in-process WSGI client.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def staff_app_token(module_world, django_db_blocker) -> str:
    """The Dallas officer's staff app token (tests/oauth runs the real flow that issues one), part of the
    module's world and rolled back with it."""
    with django_db_blocker.unblock():
        return issue_access_token(module_world.users["officer_own"], STAFF_APP_SCOPES)


def _path_id(world, role: str, path: str):
    """The id of a record ``role`` may see, for a path with ``{id}``."""
    role = "officer_own" if role == STAFF_APP else role  # the app acts as its user
    own = "foreign" if role == "manager" else "own"
    prefixes = {
        "/api/v1/partner/referrals/": lambda: world.referral["own"].pk,
        "/api/v1/partner/inquiries/": lambda: world.inquiry["own"].pk,
        "/api/v1/cases/": lambda: world.case[own].pk,
        "/api/v1/persons/": lambda: world.person[own].pk,
        # a supervisor gets the transfer it can decide on; an officer the one it can cancel
        "/api/v1/transfers/": lambda: world.transfer["incoming" if role == "supervisor_own" else own].pk,
        "/api/v1/referrals/": lambda: world.referral[own].pk,
        "/api/v1/consents/": lambda: world.consent[own].pk,
        "/api/v1/tasks/": lambda: world.task[own].pk,
        "/api/v1/consulates/": lambda: world.dallas.pk,
        "/api/v1/counties/": lambda: world.county["own"].pk,
        "/api/v1/facilities/": lambda: world.facility["own"].pk,
        "/api/v1/reception-points/": lambda: world.reception_point.pk,
        "/api/v1/courts/": lambda: world.court.pk,
        "/api/v1/consular-posts/": lambda: world.outside_post.pk,
        "/api/v1/partners/": lambda: world.partner_a.pk,
        "/api/v1/visits/": lambda: world.visit[own].pk,
        "/api/v1/formal-requests/": lambda: world.formal_request[own].pk,
        # one's own notification (the own supervisor's, the manager's; others have none: 404)
        "/api/v1/notifications/": lambda: (
            world.notification["manager" if role == "manager" else "supervisor"].pk
        ),
    }
    for prefix, pk in prefixes.items():
        if path.startswith(prefix):
            return pk()
    raise AssertionError(f"no record for {path}")


def _credentials(world, role: str, app_token: str | None = None) -> dict:
    """The role's credentials as explicit headers, so that schemathesis' authentication checks know them
    for the real ones and replay each request without them and with invalid ones."""
    if role == STAFF_APP:
        return {"Authorization": f"Bearer {app_token}"}
    if role == PARTNER:
        return {"Authorization": f"Token {world.token[role]}"}
    return {"X-CSRFToken": CSRF, "Cookie": f"sessionid={world.session[role]}; csrftoken={CSRF}"}


class _Client(werkzeug.Client):
    """The in-process client for one request. werkzeug's client puts the cookies of its jar (those
    schemathesis generates for the cookie scheme, those an answer set) in place of a ``Cookie`` header
    given explicitly: the staff session sent that way never reached the service, and every staff
    request was answered 401. Here the explicit header comes last, so its cookies win over generated
    ones, as explicit headers win over generated ones everywhere else."""

    def _add_cookies_to_wsgi(self, environ):
        explicit = environ.get("HTTP_COOKIE")
        super()._add_cookies_to_wsgi(environ)
        jar = environ.get("HTTP_COOKIE")
        if explicit:
            environ["HTTP_COOKIE"] = f"{jar}; {explicit}" if jar and jar != explicit else explicit


def _for_role(path: str, role: str) -> bool:
    """Partners use their own routes and the reference data; staff everything else."""
    partner_side = path.startswith("/api/v1/partner/")
    reference = path.split("/")[3] in {
        "consulates",
        "counties",
        "facilities",
        "reception-points",
        "courts",
        "partners",
    }
    return (partner_side or reference) if role == PARTNER else not partner_side


def _schema_operations():
    """(method, path) of every operation, read from the generated schema (no database needed)."""
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    )


def _cells():
    for method, path in _schema_operations():
        for role in (*STAFF, STAFF_APP, PARTNER):
            if _for_role(path, role):
                yield pytest.param(role, method, path, id=f"{role}-{method}-{path}")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path"), list(_cells()))
def test_operation_conforms_to_the_schema(
    schema, module_world, staff_app_token, monkeypatch, role, method, path
):
    # Rate limits are documented (429) but would only add noise to generated traffic.
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    operation = schema[path][method]
    headers = _credentials(module_world, role, staff_app_token)
    path_parameters = {"id": _path_id(module_world, role, path)} if "{id}" in path else None
    if role == PARTNER and path.endswith(("/accept/", "/decline/")):
        # The partner's own referral is already accepted; answering needs one still pending.
        pending = make_referral(
            module_world.users["officer_own"], module_world.case["unreferred"], module_world.partner_a
        )
        path_parameters = {"id": pending.pk}
    excluded = [positive_data_acceptance] if (method, path) in POSITIVE_DATA_EXCEPTIONS else []
    strategy = operation.as_strategy(path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        if "Cookie" in headers and case.headers:
            # A session role sends no Authorization header: a generated one (the token scheme's) would be
            # a second, unrelated credential beside the session, which the service ignores.
            case.headers.pop("Authorization", None)
        with transaction.atomic():
            try:
                # A client of its own for each request: the cookies an answer sets (the session's) must
                # not stay in a shared jar and reach the replays without credentials.
                case.call_and_validate(
                    headers=headers,
                    session=_Client(application),
                    checks=ALL_CHECKS,
                    excluded_checks=excluded,
                )
            finally:
                transaction.set_rollback(True)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer_own", STAFF_APP, PARTNER])
def test_the_authentication_check_catches_an_operation_that_does_not_enforce_it(
    schema, module_world, staff_app_token, monkeypatch, role
):
    """The credentials above reach schemathesis as explicit ones, so ``ignored_auth`` really replays
    requests without them: an operation that let anyone in would fail the run."""
    from rest_framework.permissions import IsAuthenticated
    from schemathesis.core.failures import FailureGroup

    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    monkeypatch.setattr(IsAuthenticated, "has_permission", lambda self, request, view: True)
    case = schema["/api/v1/consulates/"]["GET"].Case()
    with pytest.raises(FailureGroup) as failure:
        case.call_and_validate(
            headers=_credentials(module_world, role, staff_app_token),
            session=_Client(application),
            checks=ALL_CHECKS,
        )
    assert "API accepts requests without authentication" in str(failure.value)
