"""The staff UI's list searches keep the term out of every address (staffsite/admin_search.py): the box
posts, the list answers 303 with an opaque ``qs`` key, the session keeps the term encrypted, and the
list's own links (pages, sorting, filters, the change page's way back) carry ``qs``."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse

from staffsite.admin_search import MAX_STORED_SEARCHES, SESSION_KEY, PostedSearchAdminMixin
from tests.auth import login_verified
from tests.factories import make_case, make_person, officer

pytestmark = pytest.mark.django_db

PERSONS = "/admin/cases/person/"
CASES = "/admin/cases/case/"


@pytest.fixture
def staff(client):
    user = officer("dallas")
    login_verified(client, user)
    return user


def _query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


def _links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'(?:href|action)="([^"]*)"', html)]


def _session_data(client) -> dict:
    return Session.objects.get(session_key=client.session.session_key).get_decoded()


def test_every_admin_with_a_search_box_or_autocomplete_keeps_terms_out_of_addresses():
    missing = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if (model_admin.search_fields or model_admin.autocomplete_fields)
        and not isinstance(model_admin, PostedSearchAdminMixin)
    ]
    assert missing == []


def test_the_search_box_posts_with_its_csrf_token(client, staff):
    html = client.get(PERSONS).content.decode()
    form = re.search(r'<form id="changelist-search"[^>]*>.*?</form>', html, re.S).group(0)
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form


def test_a_posted_search_answers_303_with_an_opaque_key_and_shows_the_results(client, staff):
    wanted = make_person(staff, paternal_surname="Villaseñor", a_number="A-204-613-579")
    make_person(staff, paternal_surname="Otero")
    response = client.post(PERSONS, {"q": wanted.curp, "vulnerable": "yes"})
    assert response.status_code == 303
    location = response["Location"]
    assert wanted.curp not in location
    query = _query(location)
    assert set(query) == {"qs", "vulnerable"}
    assert len(query["qs"][0]) >= 20
    for term in (wanted.curp, "villasenor", "A-204-613-579", "204613579"):
        page = client.get(client.post(PERSONS, {"q": term})["Location"])
        assert page.status_code == 200
        assert list(page.context["cl"].result_list) == [wanted], term
        html = page.content.decode()
        assert f'value="{term}"' in html  # the box shows the term
        assert not [link for link in _links(html) if term in link]


def test_the_session_holds_no_plaintext_term(client, staff):
    person = make_person(staff)
    client.post(PERSONS, {"q": person.curp})
    client.post(PERSONS, {"q": "Villaseñor Quintanilla"})
    row = Session.objects.get(session_key=client.session.session_key)
    decoded = row.get_decoded()
    stored = json.dumps(decoded, ensure_ascii=False)
    for plaintext in (person.curp, "Quintanilla"):
        assert plaintext not in stored
        assert plaintext not in row.session_data
    assert len(decoded[SESSION_KEY]) == 2
    assert all(value.startswith("e1:") for _key, value in decoded[SESSION_KEY])


def test_a_session_keeps_only_the_latest_searches(client, staff):
    first = client.post(PERSONS, {"q": "primera"})["Location"]
    for i in range(MAX_STORED_SEARCHES):
        client.post(PERSONS, {"q": f"busqueda {i}"})
    assert len(_session_data(client)[SESSION_KEY]) == MAX_STORED_SEARCHES
    response = client.get(first)
    assert response.status_code == 303  # dropped: the whole list, with a message
    latest = client.post(PERSONS, {"q": "ultima"})["Location"]
    assert client.get(latest).status_code == 200


def test_an_unknown_key_shows_the_whole_list_with_a_message(client, staff):
    make_person(staff)
    response = client.get(PERSONS, {"qs": "no-such-key", "vulnerable": "yes"}, follow=True)
    assert response.redirect_chain == [(f"{PERSONS}?vulnerable=yes", 303)]
    assert response.status_code == 200
    assert response.context["cl"].query == ""
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Esa búsqueda ya no está disponible; se muestra la lista completa. Busque de nuevo."]


def test_a_search_stored_under_a_removed_key_is_dropped_not_an_error(client, staff, settings):
    """Key rotation rewrites the database, not the sessions: after the old key is removed, a stored
    search under it shows the whole list with the message (never a 500 or ciphertext)."""
    old_key = "b2xkLWtleS1mb3ItdGhlLXNlYXJjaC10ZXN0LTAwMDE="
    new_key = "bmV3LWtleS1mb3ItdGhlLXNlYXJjaC10ZXN0LTAwMDI="
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    make_person(staff)
    address = client.post(PERSONS, {"q": "Hernández"})["Location"]
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # rotated, and the old key removed
    response = client.get(address, follow=True)
    assert response.status_code == 200
    assert response.context["cl"].query == ""
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Esa búsqueda ya no está disponible; se muestra la lista completa. Busque de nuevo."]


def test_an_old_address_with_q_is_converted(client, staff):
    person = make_person(staff, paternal_surname="Zamudio")
    response = client.get(PERSONS, {"q": "zamudio", "p": "2", "o": "1"})
    assert response.status_code == 303
    assert "zamudio" not in response["Location"]
    assert set(_query(response["Location"])) == {"qs", "o"}
    page = client.get(response["Location"])
    assert list(page.context["cl"].result_list) == [person]


def test_an_empty_search_clears_it(client, staff):
    response = client.post(PERSONS, {"q": "  ", "vulnerable": "yes"})
    assert response.status_code == 303
    assert response["Location"] == f"{PERSONS}?vulnerable=yes"


def test_pages_sorting_filters_and_the_way_back_keep_the_key(client, staff, settings):
    from cases.admin.cases import CaseAdmin

    person = make_person(staff, paternal_surname="Arreola")
    cases = [make_case(staff, person=person) for _ in range(3)]
    make_case(staff)  # another person's case, not found
    original = CaseAdmin.list_per_page
    CaseAdmin.list_per_page = 2
    try:
        location = client.post(CASES, {"q": person.curp})["Location"]
        key = _query(location)["qs"][0]
        page = client.get(location)
        assert page.context["cl"].result_count == 3
        html = page.content.decode()
        links = [link for link in _links(html) if link.startswith("?")]
        paging = [link for link in links if "p=" in link]
        sorting = [link for link in links if "o=" in link]
        assert paging
        assert sorting
        assert all(_query(link)["qs"] == [key] for link in paging + sorting)
        assert not [link for link in _links(html) if person.curp in link or "q=" in link.replace("qs=", "")]
        second = client.get(CASES + paging[0])
        assert second.status_code == 200
        assert len(second.context["cl"].result_list) == 1
        # The change page's links back to the list carry the key, never the term.
        change = client.get(
            reverse("admin:cases_case_change", args=[cases[0].pk]) + f"?_changelist_filters=qs%3D{key}"
        )
        assert change.status_code == 200
        change_html = change.content.decode()
        assert f"qs%3D{key}" in change_html
        assert person.curp not in "".join(_links(change_html))
    finally:
        CaseAdmin.list_per_page = original


def test_old_changelist_filters_with_a_term_are_converted(client, staff):
    case = make_case(staff)
    url = (
        reverse("admin:cases_case_change", args=[case.pk])
        + "?_changelist_filters=q%3DArreola%26status%3Dopen"
    )
    html = client.get(url).content.decode()
    links = _links(html)
    assert not [link for link in links if "Arreola" in link]
    assert [link for link in links if "qs%3D" in link and "status%3Dopen" in link]


def test_the_autocomplete_is_answered_to_post_only(client, staff):
    person = make_person(staff, paternal_surname="Ibarra")
    query = {"app_label": "cases", "model_name": "case", "field_name": "person", "term": "ibarra"}
    assert client.get("/admin/autocomplete/", query).status_code == 405
    found = client.post("/admin/autocomplete/", query)
    assert found.status_code == 200
    assert [int(item["id"]) for item in found.json()["results"]] == [person.pk]
    form = client.get(reverse("admin:cases_case_add")).content.decode()
    widget = re.search(r'<select[^>]*name="person"[^>]*>', form).group(0)
    assert 'data-ajax--type="POST"' in widget


def test_the_autocomplete_needs_the_csrf_token(staff):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, staff)
    query = {"app_label": "cases", "model_name": "case", "field_name": "person", "term": "x"}
    assert strict.post("/admin/autocomplete/", query).status_code == 403
