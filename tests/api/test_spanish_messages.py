"""Every message the API answers follows Accept-Language: DRF's own too (issue: "JSON parse error",
"CSRF Failed", "At most 255 characters" stayed English in Spanish answers).

Two halves: a walk over every message DRF and our serializers can answer (each must read differently in
Spanish than in English, bar a short allowlist), and the requests a partner or staff app actually sends
wrong, each answered in Spanish with ``Accept-Language: es`` and in English with ``en``.
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import pytest
import rest_framework
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from rest_framework import exceptions, fields, relations, serializers
from rest_framework.test import APIClient

from api import throttling
from api.drf_messages import REWORDED
from tests import factories as f
from tests.api.conftest import csrf_client, token_client, url
from tests.auth import login_verified

# Messages that are rightly the same in both languages. Empty today: add one only with a reason.
SAME_IN_BOTH: set[str] = set()

OUR_APPS = {"api", "audit", "cases", "consulates", "oauth", "signin", "staffsite"}


def _subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _text(message) -> str:
    return str(message)


def _differs(english: str, spanish: str) -> bool:
    return english != spanish or english in SAME_IN_BOTH


def _all_loaded():
    """Every module that defines serializers and fields: the URL configuration imports them all."""
    import config.urls  # noqa: F401


# --- every message DRF can answer ------------------------------------------------------------------------


def _drf_field_messages() -> dict[str, object]:
    _all_loaded()
    classes = {fields.Field, *_subclasses(fields.Field)}
    messages = {}
    for cls in classes:
        module = cls.__module__.split(".")[0]
        if module not in ("rest_framework", *OUR_APPS):
            continue  # other libraries' fields (django-filter's, knox's) answer nothing of the API
        for key, message in vars(cls).get("default_error_messages", {}).items():
            messages[f"{cls.__module__}.{cls.__qualname__}[{key}]"] = message
    return messages


def _api_exception_messages() -> dict[str, object]:
    _all_loaded()
    messages = {}
    for cls in {exceptions.APIException, *_subclasses(exceptions.APIException)}:
        if "default_detail" in vars(cls):
            messages[f"{cls.__module__}.{cls.__qualname__}"] = cls.default_detail
    messages["Throttled.extra_detail_singular"] = exceptions.Throttled.extra_detail_singular
    messages["Throttled.extra_detail_plural"] = exceptions.Throttled.extra_detail_plural
    return messages


def test_the_walk_reaches_drfs_fields_and_exceptions():
    names = set(_drf_field_messages())
    assert "rest_framework.fields.CharField[max_length]" in names
    assert "rest_framework.fields.Field[required]" in names
    assert "rest_framework.relations.PrimaryKeyRelatedField[does_not_exist]" in names
    assert relations.ManyRelatedField.default_error_messages  # imported, hence walked
    assert len(names) > 80
    assert {"rest_framework.exceptions.ParseError", "rest_framework.exceptions.Throttled"} <= set(
        _api_exception_messages()
    )


@pytest.mark.parametrize(
    ("name", "message"), sorted(_drf_field_messages().items()) + sorted(_api_exception_messages().items())
)
def test_every_drf_message_reads_in_spanish(name, message):
    with translation.override("en"):
        english = _text(message)
    with translation.override("es"):
        spanish = _text(message)
    assert _differs(english, spanish), f"{name} stays English in Spanish: {english!r}"


# --- every message our serializers' fields and validators can answer ------------------------------------


def _our_serializers() -> list[type]:
    _all_loaded()
    found = [
        cls
        for cls in _subclasses(serializers.BaseSerializer)
        if cls.__module__.split(".")[0] in OUR_APPS and cls is not serializers.ListSerializer
    ]
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _serializer_messages(cls) -> dict[str, str]:
    """Each field's messages and each validator's, rendered in the active language. A new serializer is
    built each time, as a request does: DRF renders some messages (``lazy_format``, a model's unique
    message) once and keeps the text."""
    out = {}

    def walk(serializer, prefix):
        for name, field in serializer.fields.items():
            where = f"{prefix}{name}"
            for key, message in field.error_messages.items():
                out[f"{where}[{key}]"] = str(message)
            for index, validator in enumerate(field.validators):
                if getattr(validator, "message", None) is not None:
                    out[f"{where}.validators[{index}]"] = str(validator.message)
            child = getattr(field, "child", None)
            if isinstance(field, serializers.Serializer):
                walk(field, f"{where}.")
            elif isinstance(child, serializers.Serializer):
                walk(child, f"{where}.")

    serializer = cls()
    walk(serializer, "")
    for index, validator in enumerate(serializer.get_validators()):
        if getattr(validator, "message", None) is not None:
            out[f"validators[{index}]"] = str(validator.message)
    return out


SERIALIZERS = _our_serializers()


def test_the_walk_reaches_our_serializers():
    names = {cls.__qualname__ for cls in SERIALIZERS}
    assert {"PersonWriteSerializer", "HearingInputSerializer", "PageSerializer"} <= names
    assert len(names) > 30


@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_message_of_our_serializers_reads_in_spanish(cls):
    with translation.override("en"):
        english = _serializer_messages(cls)
    with translation.override("es"):
        spanish = _serializer_messages(cls)
    assert english.keys() == spanish.keys()
    same = {where: text for where, text in english.items() if not _differs(text, spanish[where])}
    assert not same, f"the same in both languages: {same}"


# --- our catalogue words DRF's messages, and wins over DRF's ---------------------------------------------


def _catalogue(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def test_our_catalogue_is_searched_before_drfs():
    ours = _catalogue(Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.mo")
    drfs = _catalogue(Path(rest_framework.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.mo")
    with translation.override("es"):
        for message in REWORDED:
            assert ours.get(message), f"no Spanish of ours for {message!r}"
            assert translation.gettext(message) == ours[message]
            assert ours[message] != drfs.get(message)  # a rewording, or what DRF lacks


# --- requests sent wrong, answered in the caller's language ------------------------------------------------


SHAPE = {"type", "code", "title", "status", "detail", "errors"}
ENGLISH_INTERNALS = ("JSON parse error", "Expecting", "char ", "CSRF Failed", "codec", "Out of range")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == SHAPE
    return body


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture(params=["es", "en"])
def language(request):
    return request.param


def _expect(language: str, body: dict, *, es: str, en: str, field: str | None = None):
    said = body["errors"][field][0] if field else body["detail"]
    assert said == (es if language == "es" else en)
    if language == "es":
        assert not any(word in json.dumps(body) for word in ENGLISH_INTERNALS), body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "es", "en"),
    [
        (
            b'{"given_names": "Ana",}',
            "El cuerpo de la solicitud no es JSON válido: se esperaba el nombre de una propiedad entre "
            "comillas dobles (línea 1, columna 23).",
            "The request body is not valid JSON: a property name in double quotes was expected "
            "(line 1, column 23).",
        ),
        (
            b'{"given_names": "Ana"\n "family_names": "Perez"}',
            "El cuerpo de la solicitud no es JSON válido: falta una coma (,) entre dos elementos "
            "(línea 2, columna 2).",
            "The request body is not valid JSON: a comma (,) was expected between two items (line 2, column 2).",
        ),
        (
            b'{"given_names": "Ana"} {}',
            "El cuerpo de la solicitud no es JSON válido: hay más texto después del final del valor JSON "
            "(línea 1, columna 24).",
            "The request body is not valid JSON: there is more text after the end of the JSON value "
            "(line 1, column 24).",
        ),
        (
            b"\xff\xfe{}",
            "El cuerpo de la solicitud no es texto UTF-8 válido.",
            "The request body is not valid UTF-8 text.",
        ),
        (
            b'{"given_names": NaN}',
            "El cuerpo de la solicitud no es JSON válido: NaN e Infinity no son números JSON.",
            "The request body is not valid JSON: NaN and Infinity are not JSON numbers.",
        ),
    ],
    ids=["trailing-comma", "missing-comma", "extra-data", "not-utf8", "nan"],
)
def test_malformed_json(officer, language, raw, es, en):
    client = csrf_client(officer)
    for address in (url("persons/"), url("persons/search/")):  # the default parser, and a pinned one
        response = client.generic(
            "POST", address, raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
        )
        body = _problem(response, 400)
        assert body["code"] == "parse_error"
        _expect(language, body, es=es, en=en)


@pytest.mark.django_db
def test_a_malformed_multipart_upload(api_officer, api_partner_user, api_referral, language):
    from cases import services

    services.referral_accept(actor=api_partner_user, referral=api_referral)
    client, _token = token_client(api_partner_user)
    response = client.generic(
        "POST",
        url(f"partner/referrals/{api_referral.pk}/documents/"),
        b"not a multipart body",
        content_type="multipart/form-data",  # no boundary
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = _problem(response, 400)
    assert body["code"] == "parse_error"
    _expect(
        language,
        body,
        es="El cuerpo de la solicitud no es un formulario multipart/form-data válido.",
        en="The request body is not a valid multipart/form-data form.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cookie", "header", "es", "en"),
    [
        (None, None, "no se envió la cookie CSRF.", "the CSRF cookie was not sent."),
        ("a" * 32, None, "falta la cabecera X-CSRFToken.", "the X-CSRFToken header is missing."),
        (
            "a" * 32,
            "b" * 32,
            "el token CSRF no corresponde a la cookie CSRF.",
            "the CSRF token does not match the CSRF cookie.",
        ),
        ("a" * 32, "!" * 32, "el token CSRF no tiene un formato válido.", "the CSRF token is malformed."),
    ],
    ids=["no-cookie", "no-header", "mismatch", "malformed"],
)
def test_a_session_post_failing_csrf(officer, language, cookie, header, es, en):
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, officer)
    if cookie:
        client.cookies["csrftoken"] = cookie
    extra = {"HTTP_X_CSRFTOKEN": header} if header else {}
    response = client.post(
        url("persons/"), {"given_names": "Ana"}, format="json", HTTP_ACCEPT_LANGUAGE=language, **extra
    )
    body = _problem(response, 403)
    assert body["code"] == "permission_denied"
    _expect(
        language,
        body,
        es=f"No se superó la verificación CSRF: {es}",
        en=f"CSRF check failed: {en}",
    )


def test_every_csrf_reason_of_django_has_our_wording():
    """Django's reasons are plain English constants: each one maps to a message of ours, not the
    catch-all (a new Django reason shows up here)."""
    from django.middleware import csrf as django_csrf

    from api.auth import csrf_refusal

    reasons = [
        django_csrf.REASON_NO_CSRF_COOKIE,
        django_csrf.REASON_CSRF_TOKEN_MISSING,
        django_csrf.REASON_NO_REFERER,
        django_csrf.REASON_MALFORMED_REFERER,
        django_csrf.REASON_INSECURE_REFERER,
        django_csrf.REASON_BAD_REFERER % "https://elsewhere.example",
        django_csrf.REASON_BAD_ORIGIN % "https://elsewhere.example",
        f"CSRF token from POST {django_csrf.REASON_INCORRECT_LENGTH}.",
        f"CSRF token from the 'X-Csrftoken' HTTP header {django_csrf.REASON_INVALID_CHARACTERS}.",
        "CSRF token from POST incorrect.",
    ]
    with translation.override("es"):
        catch_all = csrf_refusal("something new")
        worded = [csrf_refusal(reason) for reason in reasons]
    assert catch_all not in worded
    assert all(text.startswith("No se superó la verificación CSRF: ") for text in worded)
    assert not any("Referer checking" in text or "CSRF token" in text for text in worded)


@pytest.mark.django_db
def test_a_field_too_long(officer, language):
    client = csrf_client(officer)
    response = client.post(
        url("persons/"), {"given_names": "A" * 121}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    body = _problem(response, 400)
    _expect(
        language,
        body,
        field="given_names",
        es="Este campo admite como máximo 120 caracteres.",
        en="Ensure this field has no more than 120 characters.",
    )


@pytest.mark.django_db
def test_an_idempotency_key_too_long(officer, language):
    client = csrf_client(officer)
    response = client.post(
        url("persons/"),
        {"given_names": "Ana"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )
    body = _problem(response, 400)
    _expect(
        language,
        body,
        field="Idempotency-Key",
        es="Una clave Idempotency-Key tiene como máximo 255 caracteres.",
        en="An Idempotency-Key has at most 255 characters.",
    )


@pytest.mark.django_db
def test_a_time_out_of_range(api_officer_client, api_case, language):
    """A message of ours formatted at import time stayed Spanish for English callers."""
    response = api_officer_client.post(
        url(f"cases/{api_case.pk}/hearings/"),
        {"kind": "bond", "starts_at": "1850-01-01T10:00:00-06:00", "location": "Dallas"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = _problem(response, 400)
    _expect(
        language,
        body,
        field="starts_at",
        es="Capture una fecha y hora entre los años 1900 y 2199.",
        en="Enter a time between the years 1900 and 2199.",
    )


@pytest.mark.django_db
def test_an_unsupported_media_type(officer, language):
    response = csrf_client(officer).generic(
        "POST", url("persons/"), b"given_names=Ana", content_type="text/plain", HTTP_ACCEPT_LANGUAGE=language
    )
    body = _problem(response, 415)
    assert body["code"] == "unsupported_media_type"
    _expect(
        language,
        body,
        es='El tipo de contenido "text/plain" no se admite en esta solicitud.',
        en='Unsupported media type "text/plain" in request.',
    )
    assert body["title"] == (
        "Tipo de contenido no admitido" if language == "es" else "Unsupported media type"
    )


@pytest.mark.django_db
def test_a_method_not_allowed(officer, language):
    response = csrf_client(officer).delete(url("consulates/"), HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response, 405)
    assert body["code"] == "method_not_allowed"
    _expect(language, body, es='El método "DELETE" no está permitido.', en='Method "DELETE" not allowed.')


@pytest.mark.django_db
def test_not_authenticated(language):
    response = APIClient().get(url("cases/"), HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response, 401)
    assert body["code"] == "not_authenticated"
    _expect(
        language,
        body,
        es="No se enviaron credenciales de autenticación.",
        en="Authentication credentials were not provided.",
    )


@pytest.mark.django_db
def test_throttled(monkeypatch, language):
    cache.clear()
    table = {"token": "1/min", "user": "100/min"}
    for throttle in (throttling.TokenRateThrottle, throttling.UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", table)
    client, _token = token_client(f.partner_user())
    try:
        assert client.get(url("consulates/")).status_code == 200
        response = client.get(url("consulates/"), HTTP_ACCEPT_LANGUAGE=language)
    finally:
        cache.clear()
    body = _problem(response, 429)
    wait = int(response["Retry-After"])
    unit = {"es": "segundo" if wait == 1 else "segundos", "en": "second" if wait == 1 else "seconds"}
    _expect(
        language,
        body,
        es=f"Se recibieron demasiadas solicitudes. Vuelva a intentarlo en {wait} {unit['es']}.",
        en=f"Request was throttled. Expected available in {wait} {unit['en']}.",
    )
