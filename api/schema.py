"""OpenAPI additions: the introduction for partner developers, the shared error shape on every operation,
and the conditional-request headers."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter

PROBLEM = {
    "type": "object",
    "description": "Every error has this shape. `errors` maps a field to its messages.",
    "properties": {
        "type": {"type": "string", "description": "The same stable code as `code` (kept for older clients)."},
        "code": {
            "type": "string",
            "description": "Stable, machine-readable code of the refusal, e.g. `validation_error`, "
            "`not_found`, `permission_denied`, `second_factor_required`, `referral_not_pending`, "
            "`consent_withdrawn`, `precondition_failed`. Branch on it, never on `detail`.",
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "In the caller's language (Accept-Language)."},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "code", "title", "status", "detail", "errors"],
}

DESCRIPTIONS = {
    "400": "Invalid input: field messages in `errors`.",
    "401": "No or invalid credentials (token expired or revoked).",
    "403": "Not allowed for your role (`permission_denied`), or a staff session without its second factor "
    "(`second_factor_required`).",
    "404": "No such record, or not visible to you (`not_found`).",
    "409": "The record's state refuses the action (e.g. `referral_not_pending`, `referral_not_active`, "
    "`consent_withdrawn`, `invalid_transition`, `case_closed`): read it again before deciding.",
    "412": "Stale `If-Match`: the resource changed since you read it (`precondition_failed`).",
    "413": "Request body too large (`request_too_large`).",
    "415": "Unsupported `Content-Type` (`unsupported_media_type`).",
    "422": "`Idempotency-Key` reused with a different request.",
    "428": "`If-Match` required.",
    "429": "Too many requests: retry after `Retry-After` seconds.",
}


# The answer's validator, on operations that return a writable resource (``@extend_schema(parameters=...)``).
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="The resource's current ETag: send it in `If-Match` with your next change of it.",
)
IDEMPOTENT_REPLAYED = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present (`true`) when this is the stored answer to an earlier request with the same "
    "`Idempotency-Key`, replayed instead of running the request again.",
}


def _takes_idempotency_key(operation: dict) -> bool:
    return any(
        p.get("in") == "header" and p.get("name") == "Idempotency-Key"
        for p in operation.get("parameters", [])
    )


def _problem_response(code: str) -> dict:
    response = {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    if code == "401":
        response["headers"] = {
            "WWW-Authenticate": {
                "schema": {"type": "string"},
                "description": "The scheme to authenticate with (`Token`).",
            }
        }
    return response


def _takes_if_match(operation: dict) -> bool:
    return any(
        p.get("in") == "header" and p.get("name") == "If-Match" for p in operation.get("parameters", [])
    )


INTRODUCTIONS = Path(__file__).resolve().parent


def introduction(language: str | None = None) -> str:
    """The API's introduction (``api/intro.<language>.md``) in ``language``, by default the request's
    (``Accept-Language``, or drf-spectacular's ``?lang=``), Spanish when there is none of that language."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    path = INTRODUCTIONS / f"intro.{language}.md"
    if not path.exists():
        path = INTRODUCTIONS / f"intro.{settings.LANGUAGE_CODE}.md"
    return path.read_text(encoding="utf-8")


def add_introduction(result, generator, request, public):
    """The schema's ``info.description``, which Swagger UI shows at the top of ``/api/docs/``: the
    introduction in the caller's language."""
    result.setdefault("info", {})["description"] = introduction()
    return result


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["401", "403", "429"]
            if "{" in path:
                codes.append("404")
            if method in ("post", "put", "patch", "delete"):
                codes += ["400", "413", "415"]  # every body is limited in size and in type
            if method in ("put", "patch"):
                codes += ["409", "412", "428"]
            if method == "post" and not path.endswith("/search/"):
                codes += ["409", "422"]  # searches only read: neither state nor Idempotency-Key applies
                if _takes_if_match(operation):
                    codes.append("412")  # actions that take an optional If-Match
            if method == "get":
                codes.append("400")  # invalid filters
            for code in codes:
                responses.setdefault(code, _problem_response(code))
            if _takes_idempotency_key(operation):
                # Every answer is stored and replayed, refusals included.
                for code, response in responses.items():
                    if code.startswith(("2", "4")) and code not in ("401", "422", "429"):
                        response.setdefault("headers", {})["Idempotent-Replayed"] = IDEMPOTENT_REPLAYED
    return result


def untitled_parameters(result, generator, request, public):
    """Parameters without a ``title``: drf-spectacular copies a filter's label (its model field's
    verbose name, translated) into the parameter's schema, and client generators name a parameter's
    enum after its title. A client generated from the Spanish schema would then have other type names
    (``CasesListEstatus``) than one generated from the English one (``CasesListStatusItem``), and
    rewording a label would rename a type. Named after the operation and the parameter, they are the
    same in every language and edition."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                if isinstance(schema.get("items"), dict):
                    schema["items"].pop("title", None)
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents partner tokens: ``Authorization: Token <token>``."""

    target_class = "api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`: a partner API token, issued by a consulate administrator.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """Documents the staff session: Django's session cookie, after the password and the second factor."""

    target_class = "api.auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Staff session: signed in to the staff UI with password and authenticator code.",
        }


class StaffAppTokenScheme(OpenApiAuthenticationExtension):
    """Documents staff apps' OAuth 2.0 access tokens: the authorization code flow with PKCE, and the
    scopes (``oauth.scopes``)."""

    target_class = "oauth.auth.StaffAppTokenAuthentication"
    name = "staffAppOAuth"

    def get_security_definition(self, auto_schema):
        from oauth.scopes import SCOPES

        return {
            "type": "oauth2",
            "description": (
                "Staff apps: the authorization code flow with PKCE (S256), after the staff sign-in with "
                "the second factor. See the API guide, 'Staff apps: OAuth 2.0'."
            ),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "refreshUrl": "/oauth/token/",
                    "scopes": {name: str(description) for name, description in SCOPES.items()},
                }
            },
        }

    def get_security_requirement(self, auto_schema):
        from oauth.auth import DEFAULT_FAMILY
        from oauth.scopes import required_scope

        needed = required_scope(auto_schema.method, getattr(auto_schema.view, "scope_family", DEFAULT_FAMILY))
        return {self.name: [needed]} if needed else None
