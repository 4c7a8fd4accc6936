"""The admin's confirmations read as Spanish for every model, whatever its gender (staffsite/admin_messages.py):
never "El persona … fue agregado"."""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.models import Hearing, Person
from staffsite.admin_messages import REWORDED


def test_each_confirmation_is_ours_in_spanish_and_djangos_in_english():
    singular = [message for message in REWORDED if isinstance(message, str)]  # the plural is lazy
    with translation.override("es"):
        spanish = [translation.gettext(message) for message in singular]
    with translation.override("en"):
        english = [translation.gettext(message) for message in singular]
    assert len(singular) == 6
    assert english == singular
    for text in spanish:
        assert text.startswith(("Registro agregado", "Cambios guardados", "Registro eliminado")), text
        assert not text.startswith("El")


def test_a_feminine_model_reads_right():
    with translation.override("es"):
        added = translation.gettext("The {name} “{obj}” was added successfully.").format(
            name=Person._meta.verbose_name, obj="Juana Pérez"
        )
        deleted = translation.gettext("The %(name)s “%(obj)s” was deleted successfully.") % {
            "name": Hearing._meta.verbose_name,
            "obj": "fianza",
        }
    assert added == "Registro agregado: persona “Juana Pérez”."
    assert deleted == "Registro eliminado: audiencia “fianza”."


# --- The confirmations in words (staffsite.admin_messages.ConfirmationsMixin) -------------------------


def test_every_subject_reads_as_spanish_with_its_article():
    from staffsite.admin_messages import ADDED, CHANGED, DELETED, SUBJECTS, confirmation

    with translation.override("es"):
        for label in SUBJECTS:
            for what in (ADDED, CHANGED, DELETED):
                text = str(confirmation(label, what, "X"))
                assert text.startswith(("El ", "La ")), text
                assert text.endswith(("se registró.", "se actualizó.", "se eliminó.")), text
                assert "El persona" not in text
        assert (
            str(confirmation("cases.person", ADDED, "Juana Pérez")) == "La persona «Juana Pérez» se registró."
        )
        assert (
            str(confirmation("cases.case", CHANGED, "DAL-2026-000001"))
            == "El caso «DAL-2026-000001» se actualizó."
        )
    with translation.override("en"):
        assert (
            str(confirmation("cases.person", ADDED, "Juana Pérez"))
            == "The person “Juana Pérez” was registered."
        )


def test_a_record_text_is_escaped():
    from staffsite.admin_messages import CHANGED, confirmation

    with translation.override("es"):
        text = str(confirmation("consulates.partner", CHANGED, "<b>Red</b>", url="/admin/x/"))
    assert "&lt;b&gt;Red&lt;/b&gt;" in text
    assert '<a href="/admin/x/">' in text


def test_every_staff_admin_confirms_in_words():
    from django.contrib import admin

    from staffsite.admin_messages import SUBJECTS, ConfirmationsMixin

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ConfirmationsMixin), model
        # Every model a staff user can add, change or delete has its subject; the logs are only read.
        logs = (
            "pghistory.",
            "cases.accesslog",
            "cases.webhookdelivery",
            "axes.accesslog",
            "axes.accessfailure",
        )
        if not model._meta.label_lower.startswith((*logs, "api.apitokenuse", "staff_oauth.")):
            assert model._meta.label_lower in SUBJECTS, model


@pytest.mark.django_db
def test_the_page_after_saving_a_person_names_her_but_the_cookie_does_not(client):
    """The officer sees "La persona «Zacarías Quintanilla Ybarra» se registró.": the name is put in while
    the page is drawn, for a user who may see her; the messages cookie holds "#<id>" only."""
    from django.urls import reverse

    from cases.models import Person
    from tests import factories as f
    from tests.auth import login_verified
    from tests.cases.admin.helpers import person_post

    officer = f.officer("dallas")
    login_verified(client, officer)
    response = client.post(
        reverse("admin:cases_person_add"),
        person_post(
            given_names="Zacarías", paternal_surname="Quintanilla", maternal_surname="Ybarra", curp=""
        ),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    person = Person.objects.get(paternal_surname="Quintanilla")
    from tests.staffsite.test_admin_records import _cookie_messages

    stored = _cookie_messages(client)
    assert f"#{person.pk}" in stored
    assert "Quintanilla" not in stored
    page = client.get(response["Location"]).content.decode()
    assert (
        f'La persona «<a href="{reverse("admin:cases_person_change", args=[person.pk])}">Zacarías Quintanilla Ybarra</a>» se registró.'
        in page
    )
    assert "El persona" not in page


@pytest.mark.django_db
def test_someone_who_may_not_see_the_record_keeps_its_number():
    from django.contrib.messages.storage.base import Message
    from django.template import Context, Template
    from django.test import RequestFactory

    from staffsite.admin_messages import record_tag
    from tests import factories as f

    person = f.make_person(f.officer("dallas"), given_names="Wendy", paternal_surname="Bóxer")
    message = Message(25, f"La persona «#{person.pk}» se registró.", extra_tags=record_tag(person))
    template = Template("{% load staff_messages %}{% staff_message message %}")
    for user, shown in ((f.officer("dallas"), "Wendy Bóxer"), (f.officer("el_paso"), f"#{person.pk}")):
        request = RequestFactory().get("/")
        request.user = user
        text = template.render(Context({"message": message, "request": request}))
        assert shown in text
        assert ("Wendy" in text) is (shown != f"#{person.pk}")
