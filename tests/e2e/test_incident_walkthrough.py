"""A death in custody, in a real browser (Spanish, Dallas's zone): the officer records it on the case page
(the facility's clock); the supervisor, signed in elsewhere, sees the unread count in the header and the
notification in the list, and opens the case from it; the email reaches the supervisor through the outbox
(a real Celery worker, a local SMTP server); the case shows the checklist, the repatriation of the remains
included. Screenshots in test-artifacts/ (incident-*.png), looked at by the author."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

import pytest
from django.utils import timezone

from cases.models import CriticalIncident
from consulates.models import DetentionFacility
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker, filesystem_transport_options, make_app
from tests.cases.reminders.smtp_server import LocalSMTPServer
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "incidentes-2026"
CENTRAL = zoneinfo.ZoneInfo("America/Chicago")


def _context(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="es-MX", timezone_id="America/Chicago"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def desks(browser):
    officer_context, officer_page = _context(browser)
    chief_context, chief_page = _context(browser)
    yield officer_page, chief_page
    officer_context.close()
    chief_context.close()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, desks):
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for name, page in zip(("officer", "supervisor"), desks, strict=True):
            page.screenshot(path=str(ARTIFACTS / f"FAILED-incident-{name}.png"), full_page=True)


@pytest.fixture
def mail_server(settings):
    with LocalSMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


@pytest.fixture
def worker_app(tmp_path):
    if os.environ.get("REDIS_URL"):
        return make_app(broker_url=os.environ["REDIS_URL"])
    options = filesystem_transport_options(tmp_path / "broker")
    options["polling_interval"] = 0.1
    return make_app(broker_url="filesystem://", transport_options=options)


def test_a_death_in_custody_notifies_the_supervisor_and_opens_the_checklist(
    desks, live_server, mail_server, worker_app
):
    officer_page, chief_page = desks
    officer, chief = f.officer("dallas"), f.supervisor("dallas")
    for user in (officer, chief):
        user.set_password(PASSWORD)
        user.save()
    case = f.make_case(officer)
    prairieland = DetentionFacility.objects.get(name="Prairieland Detention Center")

    with embedded_worker(worker_app) as tasks:
        sign_in(chief_page, live_server, chief, PASSWORD)
        assert chief_page.locator("#notifications-unread").count() == 0

        sign_in(officer_page, live_server, officer, PASSWORD)
        officer_page.goto(f"{live_server.url}/case/{case.pk}/")
        panel = officer_page.locator("#incidents")
        assert "No hay incidentes críticos registrados." in panel.inner_text()
        panel.get_by_text("Registrar un incidente crítico", exact=True).click()
        officer_page.select_option("#id_incident-kind", "death")
        happened = (timezone.now() - dt.timedelta(hours=3)).astimezone(CENTRAL)
        officer_page.fill("#id_incident-occurred_at", happened.strftime("%Y-%m-%dT%H:%M"))
        officer_page.select_option("#id_incident-facility", str(prairieland.pk))
        officer_page.select_option("#id_incident-source", "ice")
        officer_page.fill(
            "#id_incident-description", "Encontrado sin respuesta en su celda durante el conteo."
        )
        officer_page.screenshot(path=str(ARTIFACTS / "incident-1-form.png"), full_page=True)
        officer_page.locator("#incident-form button[type=submit]").click()
        officer_page.locator("#incidents [data-checklist]").wait_for()
        incident = CriticalIncident.objects.get(case=case)
        checklist = officer_page.locator("#incidents [data-checklist]").inner_text()
        for task in (
            "Contactar a la familia en Estados Unidos",
            "Contactar a la familia en México",
            "Solicitar los expedientes médicos y de custodia",
            "Conseguir asesoría legal para la familia",
            "Gestionar la repatriación de los restos",
        ):
            assert task in checklist
        assert "Gestionar la repatriación de los restos" in officer_page.locator("#tasks").inner_text()
        officer_page.screenshot(path=str(ARTIFACTS / "incident-2-recorded.png"), full_page=True)

        tasks.wait_for_handled("reminders.send", 1)  # queued when the incident was recorded
        assert [recipients for recipients, _message in mail_server.messages] == [[chief.email]]
        subject = " ".join(str(mail_server.messages[0][1]["Subject"]).split())
        assert subject.startswith("Incidente crítico: Muerte bajo custodia en Prairieland Detention Center")

    chief_page.reload()
    assert chief_page.locator("#notifications-unread").inner_text().startswith("1")
    chief_page.locator("#notifications-link").click()
    item = chief_page.locator("#notifications-list li").first
    assert "Muerte bajo custodia en Prairieland Detention Center" in item.inner_text()
    assert case.reference in item.inner_text()
    chief_page.screenshot(path=str(ARTIFACTS / "incident-3-notifications.png"), full_page=True)
    item.get_by_role("button", name="Abrir el caso y marcar como leída").click()
    chief_page.locator(f"#incident-{incident.pk}").wait_for()
    assert chief_page.locator("#notifications-unread").count() == 0
    assert "Cerrar el incidente" in chief_page.locator(f"#incident-{incident.pk}").inner_text()
    chief_page.screenshot(path=str(ARTIFACTS / "incident-4-supervisor-case.png"), full_page=True)
