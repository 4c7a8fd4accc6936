"""The staff UI's own records of a save name no one: Django's change log (``django_admin_log``), the
change message of inline rows and the success message in the messages cookie carry ``#<id>`` for a
person or an emergency contact, and a case's reference (not personal) for a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cases.models import Person
from tests import factories as f
from tests.auth import login_verified
from tests.cases.admin.helpers import inline_management

pytestmark = pytest.mark.django_db

NAME = ("Zacarías", "Quintanilla", "Ybarra")
CONTACT = "Herminia Quintanilla"


def _person_form(**extra) -> dict:
    return {
        "given_names": NAME[0],
        "paternal_surname": NAME[1],
        "maternal_surname": NAME[2],
        "sex": "M",
        "date_of_birth": dt.date(1990, 3, 4).isoformat(),
        "registered_by": f.consulate("dallas").pk,
        "preferred_language": "es",
        "languages": "español",
        **extra,
    }


def _cookie_messages(client) -> str:
    """The messages cookie decoded (it is signed and may be compressed, so the raw value hides names)."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    decoded = CookieStorage(HttpRequest())._decode(client.cookies["messages"].value)
    assert decoded, "the cookie holds the success message"
    return " ".join(str(message) for message in decoded)


def _no_name(text: str) -> bool:
    lowered = text.lower()
    return not any(word.lower() in lowered for word in (*NAME, *CONTACT.split()))


def test_adding_and_changing_a_person_leaves_no_name_in_the_log_or_the_messages():
    ui = Client()
    login_verified(ui, f.officer("dallas"))
    added = ui.post(
        reverse("admin:cases_person_add"),
        _person_form(
            **inline_management("emergency_contacts", total=1),
            **inline_management("aliases"),
            **{"emergency_contacts-0-name": CONTACT, "emergency_contacts-0-relationship": "madre"},
        ),
    )
    assert added.status_code == 302, added.context["adminform"].form.errors if added.context else added
    person = Person.objects.get(paternal_surname=NAME[1])
    contact = person.emergency_contacts.get()
    cookie = _cookie_messages(ui)
    assert f"#{person.pk}" in cookie
    assert _no_name(cookie)
    shown = [str(m) for m in get_messages(ui.get(added["Location"]).wsgi_request)]
    assert any(f"#{person.pk}" in m for m in shown), shown

    change_url = reverse("admin:cases_person_change", args=[person.pk])
    changed = ui.post(
        change_url,
        _person_form(
            given_names="Zacarías Jacinto",
            **inline_management("emergency_contacts", total=1, initial=1),
            **inline_management("aliases"),
            **{
                "emergency_contacts-0-id": contact.pk,
                "emergency_contacts-0-person": person.pk,
                "emergency_contacts-0-name": CONTACT,
                "emergency_contacts-0-relationship": "hermana",
            },
        ),
    )
    assert changed.status_code == 302, (
        changed.context["adminform"].form.errors if changed.context else changed
    )
    assert _no_name(_cookie_messages(ui))

    entries = list(LogEntry.objects.filter(object_id=str(person.pk)).order_by("pk"))
    assert [e.action_flag for e in entries] == [1, 2]
    for entry in entries:
        assert entry.object_repr == f"#{person.pk}"
        assert _no_name(entry.change_message), entry.change_message
    assert f"#{contact.pk}" in entries[1].change_message  # the inline row, by id
    assert entries[1].get_change_message()  # still readable in the history page
    history = ui.get(reverse("admin:cases_person_history", args=[person.pk]))
    assert history.status_code == 200
    assert f"#{contact.pk}" in history.content.decode()


def test_a_case_keeps_its_reference_in_the_log():
    from staffsite.admin_records import record_label

    case = f.make_case(f.officer("dallas"))
    assert record_label(case) == case.reference
    assert record_label(case.person) == f"#{case.person.pk}"
