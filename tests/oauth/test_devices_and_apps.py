"""The staff UI's side of staff apps: each user's own signed-in devices (list, sign one out), and the
registration of apps by administrators (exact redirect URIs, a confidential app's secret shown once)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from oauth.models import AppTokenUse
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def _app(name="Expedientes (escritorio)"):
    return Application.objects.create(
        name=name,
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1/callback",
        algorithm="",
    )


def _signed_in_device(user, app, family=None):
    family = family or uuid.uuid4()
    access = AccessToken.objects.create(
        user=user,
        application=app,
        token=uuid.uuid4().hex,
        expires=timezone.now() + dt.timedelta(minutes=15),
        scope="cases:read",
    )
    RefreshToken.objects.create(
        user=user, application=app, token=uuid.uuid4().hex, access_token=access, token_family=family
    )
    return family, access


@pytest.fixture
def officer():
    return f.officer("dallas")


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_a_user_sees_their_own_devices_and_signs_one_out(officer):
    app = _app()
    laptop, laptop_access = _signed_in_device(officer, app)
    phone, _ = _signed_in_device(officer, app)
    _, colleague_access = _signed_in_device(f.officer("dallas"), _app("Otra app"))
    AppTokenUse.objects.create(
        application_id=app.pk,
        token_family=laptop,
        user_id=officer.pk,
        method="GET",
        path="/api/v1/cases/",
        status=200,
    )
    client = _client(officer)

    page = client.get("/oauth/devices/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sus aplicaciones con sesión iniciada" in text  # Spanish, the staff default
    assert text.count("Expedientes (escritorio)") == 2
    assert "Otra app" not in text
    assert str(laptop) in text
    assert str(phone) in text

    answer = client.post("/oauth/devices/", {"device": str(laptop)}, follow=True)
    assert "Se cerró la sesión de la aplicación en ese dispositivo." in answer.content.decode()
    assert not AccessToken.objects.filter(pk=laptop_access.pk).exists()
    assert RefreshToken.objects.get(token_family=laptop).revoked is not None
    assert RefreshToken.objects.get(token_family=phone).revoked is None

    # Another user's device is not theirs to sign out (nor to learn about).
    colleague_family = RefreshToken.objects.get(access_token=colleague_access).token_family
    refused = client.post("/oauth/devices/", {"device": str(colleague_family)}, follow=True)
    assert "No se encontró ese dispositivo." in refused.content.decode()
    assert AccessToken.objects.filter(pk=colleague_access.pk).exists()


def test_the_devices_page_needs_a_signed_in_user():
    response = Client().get("/oauth/devices/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_administrator_registers_a_native_app_with_a_loopback_redirect():
    client = _client(f.administrator())
    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {"name": "Escritorio", "client_type": "public", "redirect_uris": "http://127.0.0.1/callback"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    app = Application.objects.get(name="Escritorio")
    assert app.authorization_grant_type == "authorization-code"
    assert app.client_secret == ""
    assert not app.skip_authorization


def test_a_confidential_apps_secret_is_shown_once_and_stored_hashed():
    client = _client(f.administrator())
    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {"name": "Servidor", "client_type": "confidential", "redirect_uris": "https://app.example.org/cb"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    app = Application.objects.get(name="Servidor")
    assert app.client_secret != secret
    assert check_password(secret, app.client_secret)
    assert secret not in client.get(f"/admin/oauth2_provider/application/{app.pk}/change/").content.decode()


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example.org/cb",
        "https://app.example.org/cb#x",
        "https://*.example.org/cb",
        "http://localhost/cb",
    ],
)
def test_redirect_uris_are_https_or_loopback_and_exact(uri):
    client = _client(f.administrator())
    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {"name": "Mala", "client_type": "public", "redirect_uris": uri},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["redirect_uris"]
    assert not Application.objects.filter(name="Mala").exists()


@pytest.mark.parametrize("make", [f.officer, f.supervisor, f.manager, f.auditor])
def test_only_administrators_manage_apps(make):
    client = _client(make())
    assert client.get("/admin/oauth2_provider/application/").status_code == 403
    assert client.get("/admin/oauth2_provider/application/add/").status_code == 403
    assert client.get("/admin/staff_oauth/apptokenuse/").status_code == 403
