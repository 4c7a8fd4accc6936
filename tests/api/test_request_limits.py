"""Request size limits: an over-large body gets a clear 413 in the API's error shape, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import url
from tests.api.test_errors import assert_problem

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


@pytest.mark.parametrize(
    ("path", "files"), [("/api/v1/cases/1/documents/", 1), ("/admin/cases/case/1/change/", 10)]
)
def test_the_largest_legitimate_upload_is_not_refused_by_size(settings, path, files):
    """The cap leaves room for the largest documents the service accepts (one per API request, ten in a
    staff form), plus their form fields; a byte more is refused."""
    from django.test import RequestFactory

    from config.middleware import RequestSizeLimitMiddleware

    largest = settings.DOCUMENT_MAX_BYTES * files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    middleware = RequestSizeLimitMiddleware(lambda r: "the view")
    request = RequestFactory().post(path, data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(largest)
    assert middleware(request) == "the view"
    request.META["CONTENT_LENGTH"] = str(largest + 1)
    assert middleware(request).status_code == 413
