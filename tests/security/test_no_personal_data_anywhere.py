"""No personal data in logs, Celery messages, server-produced URLs or the access log, across a workflow.

One realistic day of a case, through the real doors: an officer registers a person on the staff UI's add
form and another through the API, reads them back, opens a case (custody recorded, released since), schedules a hearing (which
writes reminders), uploads and downloads a document, refers the case to a partner with consent; the
partner lists, reads and accepts the referral with its API token; a duplicate CURP is refused and an
unknown id is a 404; the beat dispatcher publishes the due reminders on the real broker (Redis, the
app's own producer), the messages are read back off the queue and run, and the SMS goes to the fake
provider over HTTP; an administrator exports the person and the case is closed.

Captured meanwhile: every log record of every logger at DEBUG (message with its arguments, exception
text, and the record's extra attributes), every Celery message published (task name, args, kwargs,
headers) and every message body read back off the broker, every path and query string requested and
every ``Location`` the server answered, every address the pages link to, and the access log's ``what``.
The workflow searches by CURP, A-number and name through the API (POST bodies) and the staff UI's
search box (posted, then listed under an opaque key) and its autocomplete. None may contain a name, the
CURP, the A-number (raw or formatted), the phone (typed or normalised), the email or a street address
(whole, or its street and number alone) of either person. The cookies the server sets are scanned too,
the ``messages`` cookie decoded (the admin's success messages name a person by ``#<id>``). Echoing a
user's own input back to them in a form with an error is normal and is not scanned, nor is the database
(see test_dump_scan.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu import Queue
from kombu.simple import SimpleQueue

from cases import services, tasks
from cases.models import AccessLog, Case, Person, Reminder
from config.celery import app as celery_app
from consulates.models import DetentionFacility
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.api.conftest import csrf_client, token_client, url
from tests.api.test_case_actions import PNG
from tests.auth import login_verified
from tests.cases.admin.helpers import inline_management
from tests.factories.crossoffice import make_consent

pytestmark = pytest.mark.django_db

DOB = dt.date(1987, 3, 14)
MARKER = "pdscan-capture-marker-7f3a"
FIRST = {
    "given_names": "Yatzil Citlalmina",
    "paternal_surname": "Tlanextli",
    "maternal_surname": "Ixchelbalam",
    "a_number": "A-204-613-579",
    "phone": "(469) 555-0187",
    "email": "yatzil.tlanextli@example.invalid",
    "us_address": "5172 Imaginary Way, Apt 31, Garland, TX 75041",
    "mexico_address": "Andador Inventado 208, Col. Ficticia, Tehuacán, Puebla",
}
FIRST_FORMS = ["204613579", "204-613-579", "+14695550187", "4695550187", "555-0187", "5550187"]
SECOND = {
    "given_names": "Anacaona",
    "paternal_surname": "Mixcoatzin",
    "a_number": "A-318-275-046",
    "phone": "+1 972 555 0163",
    "email": "anacaona.m@example.invalid",
    "mexico_address": "Callejón Imaginario 77, Barrio de Muestra, Celaya, Guanajuato",
}
SECOND_FORMS = ["318275046", "318-275-046", "+19725550163", "9725550163", "555-0163", "5550163"]
GIVEN_WORDS = ["Yatzil", "Citlalmina", "Anacaona"]  # each word of the given names on its own too
LINK = re.compile(r"""(?:href|src|action)=["']([^"']*)["']""")
STREET_WORDS = ["5172 Imaginary", "Andador Inventado 208", "Callejón Imaginario 77"]  # an address's street


class Capture(logging.Handler):
    """Every record of every logger, formatted, plus its arguments and extra attributes."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record):
        extra = {k: v for k, v in vars(record).items() if k not in ("msg", "args", "exc_info")}
        self.texts.append(f"{self.format(record)} {record.args!r} {extra!r}")


@pytest.fixture
def logs():
    """DEBUG on the root and every known logger for the test; a handler on the root and on every logger
    that does not propagate (so nothing escapes the capture)."""
    handler = Capture()
    names = ["", "django", "django.request", "django.server", "django.security", "celery", "celery.app"]
    names += ["kombu", "axes", "cases", "cases.reminders", "config", "consulates", "rest_framework"]
    names += [n for n in logging.root.manager.loggerDict if not n.startswith("django.db")]
    saved = []
    for name in dict.fromkeys(names):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if name == "" or not logger.propagate:
            logger.addHandler(handler)
    yield handler
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(handler)


@pytest.fixture
def messages():
    """Every Celery message published with the app's producer: name, args, kwargs and headers."""
    from celery.signals import before_task_publish

    seen: list[dict] = []

    def record(sender=None, body=None, headers=None, routing_key=None, **kwargs):
        seen.append({"task": sender, "body": body, "headers": headers, "routing_key": routing_key})

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


@pytest.fixture
def provider(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    fake = FakeProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_TOKEN = "token"
    yield fake
    fake.stop()


@pytest.fixture
def broker():
    """The app's real broker (``REDIS_URL``), its default queue emptied before and after."""
    queue = Queue(celery_app.conf.task_default_queue)
    with celery_app.connection_for_write() as conn:
        simple = SimpleQueue(conn, queue)
        simple.clear()
        yield simple
        simple.clear()
        simple.close()


def _cookie_text(name: str, value: str) -> str:
    if name == "messages" and value:
        from django.contrib.messages.storage.cookie import CookieStorage
        from django.http import HttpRequest

        decoded = CookieStorage(HttpRequest())._decode(value) or []
        return " ".join(str(message) for message in decoded)
    return value


class Urls:
    """Wraps clients' ``request`` to record each path with its query string, each ``Location``, and
    every address a page links to (``href``, ``src``, ``action``)."""

    def __init__(self):
        self.seen: list[str] = []
        self.cookies: list[str] = []

    def watch(self, client):
        original = client.request

        def request(**environ):
            self.seen.append(f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")
            response = original(**environ)
            if response.has_header("Location"):
                self.seen.append(response["Location"])
            for name, morsel in response.cookies.items():
                self.cookies.append(_cookie_text(name, morsel.value))
            if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
                page = response.content.decode(errors="replace")
                self.seen += [unescape(link) for link in LINK.findall(page)]
            return response

        client.request = request
        return client


def run_queued(broker, received: list[str]) -> int:
    """Read every message back off the broker and run its task in this process, as a worker would."""
    count = 0
    while True:
        try:
            message = broker.get(block=False)
        except broker.Empty:
            return count
        args, kwargs, _embed = message.decode()
        received.append(json.dumps([message.headers, args, kwargs], default=str))
        message.ack()
        celery_app.tasks[message.headers["task"]](*args, **kwargs)
        count += 1


def secrets(*people: dict) -> list[str]:
    values = []
    for person in people:
        values += list(person.values())
    return [str(v).lower() for v in values + FIRST_FORMS + SECOND_FORMS + GIVEN_WORDS + STREET_WORDS]


def test_a_whole_workflow_leaves_no_personal_data_behind(logs, messages, provider, broker, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    officer = f.officer("dallas")
    supervisor = f.supervisor("dallas")
    urls = Urls()
    first = {**FIRST, "curp": f.make_curp(date_of_birth=DOB, sex="M", state="OC")}
    second = {**SECOND, "curp": f.make_curp(date_of_birth=dt.date(1993, 8, 2), sex="M", state="GR")}
    logging.getLogger("cases").info("%s", MARKER)  # the control: this must be found

    # The staff UI's add form.
    ui = urls.watch(Client())
    login_verified(ui, officer)
    added = ui.post(
        reverse("admin:cases_person_add"),
        {
            "given_names": first["given_names"],
            "paternal_surname": first["paternal_surname"],
            "maternal_surname": first["maternal_surname"],
            "sex": "M",
            "date_of_birth": DOB.isoformat(),
            "state_of_birth": "OC",
            "curp": first["curp"],
            "a_number": first["a_number"],
            "phone": first["phone"],
            "email": first["email"],
            "us_address": first["us_address"],
            "mexico_address": first["mexico_address"],
            "contact_consent": "on",
            "registered_by": f.consulate("dallas").pk,
            "preferred_language": "es",
            "languages": "español",
            **inline_management("emergency_contacts"),
            **inline_management("aliases"),
        },
    )
    assert added.status_code == 302, added.context["adminform"].form.errors if added.context else added
    person = Person.objects.with_curp(first["curp"]).get()
    assert (person.us_address, person.mexico_address) == (first["us_address"], first["mexico_address"])
    assert ui.get(reverse("admin:cases_person_change", args=[person.pk])).status_code == 200

    # The API: create, retrieve, a duplicate CURP (400) and an unknown id (404).
    api = urls.watch(csrf_client(officer))
    created = api.post(
        url("persons/"),
        {
            **second,
            "sex": "M",
            "date_of_birth": "1993-08-02",
            "languages": ["español"],
            "is_minor": False,
            "fears_return": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["mexico_address"] == second["mexico_address"]
    assert api.get(url(f"persons/{created.json()['id']}/")).status_code == 200
    assert api.get(url(f"persons/{person.pk}/")).status_code == 200
    duplicate = api.post(
        url("persons/"),
        {**second, "curp": first["curp"], "sex": "M", "date_of_birth": DOB.isoformat()},
        format="json",
    )
    assert duplicate.status_code == 400
    assert "curp" in duplicate.json()["errors"]
    assert api.get(url("persons/987654321/")).status_code == 404

    # A case with its custody (released since: a detained person's phone is never texted, and this
    # walk needs the person's own SMS), a hearing (reminders), a document, a referral with consent.
    facility = DetentionFacility.objects.get(name="Prairieland Detention Center")
    opened = api.post(
        url("cases/"),
        {
            "person": person.pk,
            "category": "migratorio",
            "subtype": "detencion_migratoria",
            "facility": facility.pk,
            "detained_since": "2026-01-05",
        },
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    case = Case.objects.get(pk=opened.json()["id"])
    case = services.case_update(actor=officer, case=case, released_on=dt.date(2026, 1, 9))

    # Searches by CURP, A-number and name: the API takes them in a POST body, the staff UI's search box
    # posts them and lists with an opaque key; the autocomplete of the case's person posts too.
    for term in (first["curp"], first["a_number"], "204613579", "tlanextli yatzil"):
        for what, found in (("persons", person.pk), ("cases", case.pk)):
            body = {"search": term}
            results = api.post(url(f"{what}/search/"), body, format="json").json()["results"]
            assert [row["id"] for row in results] == [found], (what, term)
        for changelist, found in (
            ("admin:cases_person_changelist", person),
            ("admin:cases_case_changelist", case),
        ):
            listed = ui.post(reverse(changelist), {"q": term}, follow=True)
            assert listed.redirect_chain[0][1] == 303
            assert list(listed.context["cl"].result_list) == [found], (changelist, term)
            page = listed.context["cl"].get_query_string({"p": 1})  # the pagination links' address
            urls.seen.append(page)
    by_identifier = api.post(url("cases/search/"), {"curp": first["curp"]}, format="json").json()
    assert [row["id"] for row in by_identifier["results"]] == [case.pk]
    by_a_number = api.post(url("persons/search/"), {"a_number": first["a_number"]}, format="json").json()
    assert [row["id"] for row in by_a_number["results"]] == [person.pk]
    offered = ui.post(
        "/admin/autocomplete/",
        {"term": "Tlanextli", "app_label": "cases", "model_name": "case", "field_name": "person"},
    )
    assert [int(item["id"]) for item in offered.json()["results"]] == [person.pk]
    starts = timezone.now() + dt.timedelta(days=8)
    hearing = api.post(
        url(f"cases/{case.pk}/hearings/"),
        {"kind": "bond", "starts_at": starts.isoformat(), "location": "Dallas Immigration Court"},
        format="json",
    )
    assert hearing.status_code == 201, hearing.json()
    document = services.document_upload(
        actor=officer, case=case, file=SimpleUploadedFile("acta.png", PNG), kind="identity"
    )
    assert ui.get(reverse("cases:document_download", args=[document.pk])).status_code == 200
    assert ui.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation", "shelter"])
    make_consent(officer, case, partner)
    referral = services.referral_create(actor=officer, case=case, partner=partner, service="shelter")

    # The partner, with its API token.
    partner_api, _token = token_client(f.partner_user(partner))
    partner_api = urls.watch(partner_api)
    listed = partner_api.get(url("partner/referrals/"))
    assert [row["id"] for row in listed.json()["results"]] == [referral.pk]
    assert partner_api.get(url(f"partner/referrals/{referral.pk}/")).status_code == 200
    assert partner_api.post(url(f"partner/referrals/{referral.pk}/accept/")).status_code == 200

    # Beat's dispatcher at the first reminder's due time: published on Redis, read back and run.
    received: list[str] = []
    due = Reminder.objects.filter(status="pending", channel="sms").order_by("due_at").first()
    assert due is not None, "the hearing wrote an SMS reminder for the person"
    with time_machine.travel(due.due_at + dt.timedelta(minutes=1), tick=False):
        assert tasks.dispatch_reminders() >= 1
        assert run_queued(broker, received) >= 1
    assert provider.deliveries, "the SMS went out"
    assert provider.deliveries[0]["body"]["to"] == "+14695550187"

    # Export by an administrator, then the case is closed.
    admin_ui = urls.watch(Client())
    login_verified(admin_ui, f.administrator())
    exported = admin_ui.post(reverse("admin:cases_person_export", args=[person.pk]))
    assert exported.status_code == 200
    api = urls.watch(csrf_client(officer))
    closing = api.post(url(f"cases/{case.pk}/request-closure/"), {"outcome": "resolved"}, format="json")
    assert closing.status_code == 200, closing.json()
    case.refresh_from_db()
    if case.status != "closed":
        approved = urls.watch(csrf_client(supervisor)).post(url(f"cases/{case.pk}/approve-closure/"))
        assert approved.status_code == 200, approved.json()
        case.refresh_from_db()
    assert case.status == "closed"

    # The scan.
    log_text = "\n".join(logs.texts).lower()
    message_text = json.dumps(messages, default=str).lower() + "\n".join(received).lower()
    url_text = "\n".join(urls.seen).lower()
    cookie_text = "\n".join(urls.cookies).lower()
    assert "#" in cookie_text, "the admin's success message was read from its cookie"
    access_text = "\n".join(AccessLog.objects.values_list("what", flat=True)).lower()
    assert MARKER in log_text, "the capture sees what is logged"
    assert any(m["task"] == "reminders.send" for m in messages), "the send task was published"
    assert received
    assert "reminders.send" in received[0]
    assert "/api/v1/persons/" in url_text
    assert "/admin/cases/person/add/" in url_text
    assert "/api/v1/persons/search/" in url_text
    assert "?qs=" in url_text, "the lists were asked for with a stored search"
    assert "/admin/cases/case/?" in url_text, "the pages' links were read"
    assert AccessLog.objects.filter(person_id=person.pk).exists()
    leaks = {
        where: [s for s in secrets(first, second) if s in text]
        for where, text in {
            "logs": log_text,
            "messages": message_text,
            "urls": url_text,
            "access log": access_text,
            "cookies": cookie_text,
        }.items()
    }
    assert leaks == {"logs": [], "messages": [], "urls": [], "access log": [], "cookies": []}
