"""Request size limits: an over-large body gets a clear 413 in the API's error shape, never a 500, and is
refused before anything reads it. Only a signed-in user's document upload may exceed 1 MiB (issue 15,
item 12)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django_otp.middleware import OTPMiddleware
from PIL import Image

from api.models import ApiToken
from cases.models import Document
from staffsite.middleware import RequestSizeLimitMiddleware
from tests import factories as f
from tests.api.conftest import url
from tests.api.test_errors import assert_problem
from tests.auth import login_verified
from tests.cases.admin.test_repatriation_admin import _case_post, _document_rows

pytestmark = pytest.mark.django_db


def _big_json(size: int) -> str:
    return json.dumps({"given_names": "A", "paternal_surname": "B", "notes": "x" * size})


def test_a_json_body_over_the_form_limit_is_413_in_the_error_shape(api_officer_client, settings):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10
    assert size < settings.DOCUMENT_MAX_BYTES  # under the whole-request cap: Django's own limit answers
    response = api_officer_client.post(url("persons/"), _big_json(size), content_type="application/json")
    body = assert_problem(response, 413, "request_too_large")
    assert "MB" in body["detail"]  # the limit, e.g. "1.0 MB"


def test_a_body_over_the_request_cap_is_refused_before_it_is_read(api_officer_client, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 2000
    response = api_officer_client.post(url("persons/"), _big_json(size), content_type="application/json")
    body = assert_problem(response, 413, "request_too_large")
    assert "MB" in body["detail"]


def test_a_partner_token_request_gets_the_same_answer(api_partner_client, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    response = api_partner_client.post(
        url("partner/referrals/"),
        _big_json(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 2000),
        content_type="application/json",
    )
    assert_problem(response, 413, "request_too_large")


def test_a_staff_form_over_the_cap_is_413_not_500(admin_client, settings):
    settings.DOCUMENT_MAX_BYTES = 1000  # a staff form may carry 10 documents: the cap is 1 MiB + 10,000 bytes
    response = admin_client.post(
        "/admin/cases/case/add/", {"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 20_000)}
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_too_many_form_fields_is_a_400_not_a_500(client, settings):
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/admin/login/", fields)
    assert response.status_code == 400


class CountedBody(io.RawIOBase):
    """A request body of ``size`` bytes that counts how many of them were read."""

    def __init__(self, size: int):
        self.size = size
        self.taken = 0

    def read(self, n=-1):
        n = self.size - self.taken if n is None or n < 0 else min(n, self.size - self.taken)
        self.taken += n
        return b"a" * n

    def readline(self, n=-1):
        return self.read(n if n and n > 0 else 64 * 1024)


def send(path: str, body: CountedBody, *, client: Client | None = None, chunked: bool = False, **headers):
    """POST ``body`` through the whole middleware stack, CSRF enforced, as a WSGI server hands it over."""
    environ = (client or Client())._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=xYzZY",
        **{"wsgi.input": body, "wsgi.input_terminated": chunked},
        **headers,
    )
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(body.size)
    return ClientHandler(enforce_csrf_checks=True)(environ)


MB = 1024 * 1024


@pytest.mark.parametrize("path", ["/healthz", "/admin/login/", "/api/v1/persons/", "/account/second-factor/"])
def test_an_anonymous_large_body_is_refused_unread(path):
    body = CountedBody(30 * MB)
    response = send(path, body)
    assert response.status_code == 413
    assert body.taken == 0
    if path.startswith("/api/"):
        assert json.loads(response.content)["type"] == "request_too_large"


@pytest.mark.parametrize("path", ["/admin/cases/case/1/change/", "/api/v1/partner/referrals/1/documents/"])
def test_the_document_allowance_needs_a_signed_in_user(path):
    body = CountedBody(5 * MB)  # a document the upload doors accept from a signed-in user
    response = send(path, body)
    assert response.status_code == 413
    assert body.taken == 0


def test_a_bad_token_gets_no_document_allowance(api_referral):
    body = CountedBody(5 * MB)
    response = send(
        f"/api/v1/partner/referrals/{api_referral.pk}/documents/",
        body,
        HTTP_AUTHORIZATION="Token " + "0" * 64,
    )
    assert response.status_code == 413
    assert json.loads(response.content)["type"] == "request_too_large"
    assert body.taken == 0


def test_a_signed_in_user_gets_no_allowance_beyond_the_upload_doors(api_officer, api_case):
    client = Client()
    login_verified(client, api_officer)
    for path in ("/admin/cases/case/add/", f"/api/v1/cases/{api_case.pk}/notes/", "/healthz"):
        body = CountedBody(5 * MB)
        assert send(path, body, client=client).status_code == 413
        assert body.taken == 0


def test_a_chunked_body_is_read_only_up_to_the_limit(settings):
    body = CountedBody(30 * MB)
    response = send("/healthz", body, chunked=True)
    assert response.status_code == 413
    assert body.taken <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def test_a_small_chunked_body_reaches_the_view_whole():
    payload = json.dumps({"given_names": "Ana"}).encode()
    environ = RequestFactory()._base_environ(
        PATH_INFO="/api/v1/persons/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(payload), "wsgi.input_terminated": True},
    )
    request = WSGIRequest(environ)
    assert RequestSizeLimitMiddleware(lambda r: r.body)(request) == payload


def _noise_png(size: int) -> bytes:
    """A real PNG of about ``size`` bytes (random pixels do not compress)."""
    import os

    side = int((size / 3) ** 0.5) + 1
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def five_mb_png():
    content = _noise_png(5 * MB)
    assert len(content) > 5 * MB
    return content


def test_a_5_mb_document_still_goes_up_through_the_staff_case_page(api_officer, api_case, five_mb_png):
    client = Client(enforce_csrf_checks=False)
    login_verified(client, api_officer)
    upload = SimpleUploadedFile("escaneo.png", five_mb_png, content_type="image/png")
    response = client.post(
        f"/admin/cases/case/{api_case.pk}/change/",
        _case_post(api_case, **_document_rows(api_case, ("identity", upload))),
    )
    assert response.status_code == 302, response.status_code
    assert Document.objects.get(case=api_case).size > 5 * MB


def test_a_5_mb_document_still_goes_up_through_the_api(api_partner_client, api_referral, five_mb_png):
    response = api_partner_client.post(
        url(f"partner/referrals/{api_referral.pk}/documents/"),
        {"file": SimpleUploadedFile("escaneo.png", five_mb_png), "kind": "identity"},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["size"] > 5 * MB


@pytest.mark.parametrize("door", ["staff", "api"])
def test_the_largest_legitimate_upload_is_not_refused_by_size(settings, api_officer, api_referral, door):
    """On the upload doors, the cap leaves room for the largest documents the service accepts (one per API
    request, ten in a staff form), plus their form fields; a byte more is refused."""
    client = Client()
    if door == "staff":
        login_verified(client, api_officer)
        path, files, headers = f"/admin/cases/case/{api_referral.case_id}/change/", 10, {}
    else:
        _token, raw = ApiToken.objects.create(
            user=f.partner_user(api_referral.partner), expiry=dt.timedelta(days=1)
        )
        path, files = f"/api/v1/partner/referrals/{api_referral.pk}/documents/", 1
        headers = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10
    largest = settings.DOCUMENT_MAX_BYTES * files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    middleware = RequestSizeLimitMiddleware(lambda r: "the view")
    for size, expected in ((largest, "the view"), (largest + 1, 413)):
        environ = client._base_environ(
            PATH_INFO=path, REQUEST_METHOD="POST", CONTENT_LENGTH=str(size), **headers
        )
        request = WSGIRequest({**environ, "wsgi.input": CountedBody(size)})
        _sign_in(request)
        answer = middleware(request)
        assert (answer if answer == "the view" else answer.status_code) == expected


def _sign_in(request) -> None:
    """What the middleware above this one does: the session's user, with its second factor."""
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    OTPMiddleware(lambda r: None)(request)


def test_every_upload_view_named_by_the_limit_exists():
    from django.urls import reverse

    from staffsite.middleware import DOCUMENT_UPLOAD_VIEWS

    for view_name in DOCUMENT_UPLOAD_VIEWS:
        kwargs = {"version": "v1", "pk": 1} if view_name.startswith("v1:") else {"object_id": 1}
        assert reverse(view_name, kwargs=kwargs)
