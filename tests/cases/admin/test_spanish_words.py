"""The staff UI in Spanish, for every role: no field names, English or developer text on the main pages
(column headers from properties, the outbox's keys, "None", checksums and version numbers, pghistory's
"insert"), dates in words and the decimal comma; developer details (a document's checksum, a case's version,
the loaded data's English source notes) only for administrators."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Reminder
from consulates.models import Consulate, DetentionFacility, ReceptionPoint
from tests.auth import login_verified
from tests.cases.admin.conftest import build_world
from tests.cases.document_samples import hand_made_pdf
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

FORBIDDEN = [
    "FULL NAME",
    "Full name",
    "A number display",
    "A NUMBER DISPLAY",
    "Subject type",
    "Subject id",
    "Recipient key",
    "Lease until",
    "Completed by",
    "Expected version",
    "Versión:",
    "SHA-256",
    "El persona",
    "Pgh ",
    "MiddlewareEvents",
    "cases.Case",
    "cases.Person",
    "None",
    "Record id",
    "Client type",
    "Skip authorization",
    "Allowed origins",
]
# Words of pghistory's own labels, as whole words of the visible text.
FORBIDDEN_WORDS = re.compile(r"\b(insert|update|delete|True|False)\b")


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        world = build_world()
        _enrich(world)
        yield world


@pytest.fixture
def world(module_world):
    return module_world


def _enrich(world) -> None:
    """A document, an art. 36 clock, a change of the person (the audit trail) and a read (the access log)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    now = timezone.now()
    world.case_a = services.case_update(
        actor=world.officer_a,
        case=world.case_a,
        arrested_at=now - dt.timedelta(hours=30),
        consulate_notified_at=now - dt.timedelta(hours=26, minutes=30),
        notified_by="facility",
    )
    services.document_upload(
        actor=world.officer_a,
        case=world.case_a,
        kind="other",
        description="Acta",
        file=SimpleUploadedFile("acta.pdf", hand_made_pdf(), content_type="application/pdf"),
    )
    services.person_update(actor=world.officer_a, person=world.person_a, phone="+1 214 555 0188")


def _visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _pages(world, role: str) -> list[str]:
    pages = {
        "officer_a": [
            reverse("admin:index"),
            reverse("admin:cases_person_changelist"),
            reverse("admin:cases_person_change", args=[world.person_a.pk]),
            reverse("admin:cases_case_changelist"),
            reverse("admin:cases_case_change", args=[world.case_a.pk]),
            reverse("admin:cases_task_change", args=[world.task_a.pk]),
            reverse("admin:cases_hearing_changelist"),
            reverse("admin:cases_reminder_changelist") + "?status=all",
            reverse("admin:cases_reminder_change", args=[_reminder(world).pk]),
            reverse("admin:consulates_consulate_changelist"),
            reverse("admin:consulates_consulate_change", args=[Consulate.objects.get(slug="dallas").pk]),
            reverse(
                "admin:consulates_detentionfacility_change",
                args=[DetentionFacility.objects.order_by("pk")[0].pk],
            ),
            reverse(
                "admin:consulates_receptionpoint_change", args=[ReceptionPoint.objects.order_by("pk")[0].pk]
            ),
        ],
        "auditor": [
            reverse("admin:cases_accesslog_changelist"),
            reverse("admin:pghistory_middlewareevents_changelist"),
            reverse("admin:pghistory_middlewareevents_changelist") + f"?case={world.case_a.reference}",
            reverse("admin:pghistory_middlewareevents_changelist") + f"?person={world.person_a.pk}",
        ],
    }
    pages["supervisor_a"] = pages["officer_a"]
    pages["manager"] = [page for page in pages["officer_a"] if "/task/" not in page]
    pages["administrator"] = [reverse("admin:oauth2_provider_application_changelist"), *pages["auditor"]]
    return pages[role]


def _reminder(world) -> Reminder:
    return Reminder.objects.filter(case=world.case_a).order_by("pk").first()


@pytest.mark.parametrize("role", ["officer_a", "supervisor_a", "manager", "auditor", "administrator"])
def test_no_raw_english_or_developer_text_on_the_main_pages(client, world, role):
    login_verified(client, getattr(world, role))
    # The officer reads the person and the case first, so the access log has rows to show.
    login_verified(client, world.officer_a)
    client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    login_verified(client, getattr(world, role))
    # Administrators may see what runs the system (a record's version, a checksum) in the trail.
    forbidden = [w for w in FORBIDDEN if not (role == "administrator" and w in ("Versión:", "SHA-256"))]
    for url in _pages(world, role):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        text = _visible_text(html)
        # Administrators may see what runs the system (a checksum, a record's version in the trail).
        forbidden = [w for w in FORBIDDEN if not (role == "administrator" and w in ("Versión:", "SHA-256"))]
        found = [
            (word, text[max(text.find(word) - 80, 0) : text.find(word) + 40])
            for word in forbidden
            if word in text
        ]
        assert not found, (url, found)
        assert "None</td>" not in html, url
        assert not FORBIDDEN_WORDS.search(text), (url, FORBIDDEN_WORDS.search(text)[0])


def test_the_case_page_speaks_in_words_and_decimal_commas(client, world):
    login_verified(client, world.officer_a)
    text = _visible_text(
        client.get(reverse("admin:cases_case_change", args=[world.case_a.pk])).content.decode()
    )
    assert re.search(r"arresto → notificación: 3,5 horas", text), text[text.find("arresto") :][:80]
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4} a las \d{2}:\d{2}", text)  # the timeline and the documents
    assert not re.search(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b", text)


@pytest.mark.parametrize(
    ("role", "shown"), [("officer_a", False), ("manager", False), ("administrator", True)]
)
def test_checksums_versions_and_source_notes_are_for_administrators(client, world, role, shown):
    login_verified(client, getattr(world, role))
    case_page = client.get(reverse("admin:cases_case_change", args=[world.case_a.pk])).content.decode()
    assert ("SHA-256" in case_page) is shown
    assert (">Versión:<" in case_page or "Versión:</label>" in case_page) is shown
    consulate = Consulate.objects.get(slug="dallas")
    page = client.get(reverse("admin:consulates_consulate_change", args=[consulate.pk])).content.decode()
    assert ("Fuentes de los datos cargados" in page) is shown
    if consulate.source:
        assert (consulate.source.splitlines()[0][:40] in page.replace("&#x27;", "'")) is shown


def test_consulates_show_their_zone_as_people_say_it(client, world):
    login_verified(client, world.officer_a)
    text = _visible_text(client.get(reverse("admin:consulates_consulate_changelist")).content.decode())
    assert "Hora del Centro" in text
    assert "America/Chicago" not in text
