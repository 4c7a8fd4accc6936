"""Document uploads with an ``Idempotency-Key``: the documented size limit (``DOCUMENT_MAX_BYTES``, 10 MiB)
holds with or without a key, and a retried multipart upload is matched by its parts, not its raw bytes
(clients pick a new multipart boundary on every attempt)."""

from __future__ import annotations

import functools
import io
import random

import pytest
from django.test.client import encode_multipart
from PIL import Image

from cases.models import Document
from tests.api.conftest import token_client, url

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


@functools.cache
def noise_png(megabytes: float, seed: int = 5) -> bytes:
    """A real PNG of random pixels (incompressible), a little over ``megabytes`` MiB."""
    side = int((megabytes * MIB / 3) ** 0.5) + 8
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, format="PNG", compress_level=1)
    data = out.getvalue()
    assert data.startswith(b"\x89PNG")
    assert len(data) > megabytes * MIB
    return data


class _Named(io.BytesIO):
    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name


def upload(client, referral, content: bytes, *, boundary: str, key: str | None, name: str = "scan.png"):
    """POST a document as a client library would: its own boundary, fields in its own order."""
    body = encode_multipart(
        boundary, {"kind": "identity", "description": "Acta", "file": _Named(content, name)}
    )
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        url(f"partner/referrals/{referral.pk}/documents/"),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


@pytest.fixture
def partner_client(api_partner_user, api_referral):
    client, _token = token_client(api_partner_user)
    assert client.post(url(f"partner/referrals/{api_referral.pk}/accept/")).status_code == 200
    return client


@pytest.mark.parametrize("key", ["k-5mib", None], ids=["with-key", "without-key"])
def test_a_5_mib_upload_is_accepted_with_or_without_a_key(partner_client, api_referral, key):
    content = noise_png(5)
    response = upload(partner_client, api_referral, content, boundary="AaB03x", key=key)
    assert response.status_code == 201, response.content[:300]
    assert Document.objects.get(pk=response.json()["id"]).case_id == api_referral.case_id


def test_a_retried_upload_with_another_boundary_is_replayed(partner_client, api_referral):
    content = noise_png(5)
    first = upload(partner_client, api_referral, content, boundary="first-attempt-7d1e", key="doc-1")
    again = upload(partner_client, api_referral, content, boundary="retry-attempt-90ab", key="doc-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Document.objects.filter(case=api_referral.case).count() == 1


def test_another_file_under_the_same_key_is_422(partner_client, api_referral):
    assert upload(partner_client, api_referral, noise_png(5), boundary="b1", key="doc-2").status_code == 201
    other = upload(partner_client, api_referral, noise_png(5, seed=6), boundary="b1", key="doc-2")

    assert other.status_code == 422
    assert other.json()["type"] == "idempotency_key_reused"
    assert Document.objects.filter(case=api_referral.case).count() == 1


@pytest.mark.parametrize("key", ["k-big", None], ids=["with-key", "without-key"])
def test_over_the_document_limit_the_answer_is_the_same_with_or_without_a_key(
    settings, partner_client, api_referral, key
):
    settings.DOCUMENT_MAX_BYTES = 4 * MIB
    response = upload(partner_client, api_referral, noise_png(4.2), boundary="AaB03x", key=key)
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["errors"]) == {"file"}
    assert not Document.objects.filter(case=api_referral.case).exists()
