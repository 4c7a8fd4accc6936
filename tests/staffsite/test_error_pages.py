"""The 403, 404 and 500 pages with DEBUG off: in the user's language, in the staff UI's look, with a way
back to the start page; the 500 page needs neither a database nor a request; the API keeps its JSON."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def test_a_staff_user_gets_the_spanish_404_with_a_way_home(client):
    login_verified(client, f.officer("dallas"))
    response = client.get("/admin/cases/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No se encontró la página" in html
    assert 'href="/"' in html
    assert "Volver a la página de inicio" in html
    assert "Not Found" not in html


def test_a_record_of_another_consulate_is_not_found_in_words(client):
    other = f.make_case(f.officer("el_paso"))
    login_verified(client, f.officer("dallas"))
    response = client.get(reverse("admin:cases_case_change", args=[other.pk]), follow=True)
    # The admin sends a record it cannot find back to its index with a message, never a technical page.
    assert response.status_code == 200


def test_a_refused_page_is_the_spanish_403_with_a_way_home(client):
    login_verified(client, f.officer("dallas"))
    response = client.get(reverse("admin:cases_accesslog_changelist"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    html = response.content.decode()
    assert "No puede abrir esta página" in html
    assert 'href="/"' in html
    assert "403 Forbidden" not in html


def test_the_pages_follow_the_users_language(client):
    login_verified(client, f.officer("dallas"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/admin/cases/no-such-page/").content.decode()
    assert "Page not found" in html
    assert "Back to the start page" in html


def test_the_api_keeps_its_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_500_page_needs_no_database_and_no_request_context(django_assert_num_queries):
    from django.views.defaults import server_error

    request = RequestFactory().get("/admin/")
    with translation.override("es"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Algo salió mal" in html
    assert 'href="/"' in html
    assert "Volver a la página de inicio" in html
