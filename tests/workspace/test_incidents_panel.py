"""The case page's critical incidents panel and the notifications page: an officer records a death in
custody on the facility's clock; the supervisor sees it in the header's count and the list, opens it and
it is read; the checklist shows on the case; refusals land on the form in Spanish; a manager reads the
panel without its forms; another user's notification is a 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CriticalIncident, Notification
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

MOUNTAIN = zoneinfo.ZoneInfo("America/Denver")


def _post(client, name, args, prefix, data):
    return client.post(reverse(f"workspace:{name}", args=args), {f"{prefix}-{k}": v for k, v in data.items()})


@pytest.fixture
def world():
    officer, chief, manager = f.officer("dallas"), f.supervisor("dallas"), f.manager()
    case = f.make_case(officer)
    return officer, chief, manager, case


def test_an_officer_records_a_death_and_the_supervisor_reads_the_notification(client, world):
    officer, chief, manager, case = world
    el_paso = DetentionFacility.objects.get(name="El Paso Service Processing Center")  # Mountain time
    login_verified(client, officer)
    yesterday = timezone.now().astimezone(MOUNTAIN).date() - dt.timedelta(days=1)
    answer = _post(
        client,
        "case_incident_add",
        [case.pk],
        "incident",
        {
            "kind": "death",
            "occurred_at": f"{yesterday.isoformat()}T06:15",
            "facility": el_paso.pk,
            "source": "ice",
            "description": "Hallado sin vida en su celda.",
        },
    )
    assert answer.status_code == 302
    incident = CriticalIncident.objects.get(case=case)
    assert incident.occurred_at.astimezone(MOUNTAIN).strftime("%H:%M") == "06:15"  # the facility's clock
    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert "Muerte bajo custodia" in page
    assert "Repatriación de los restos" in page or "repatriación de los restos" in page
    assert "hora de la Montaña" in page

    client.logout()
    login_verified(client, chief)
    home = client.get(reverse("workspace:notifications")).content.decode()
    assert 'id="notifications-unread">1' in home
    assert "El Paso Service Processing Center" in home
    assert case.reference in home
    note = Notification.objects.get(recipient=chief)
    answer = client.post(
        reverse("workspace:notification_read", args=[note.pk]), {"next": f"/case/{case.pk}/#incidents"}
    )
    assert answer.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="notifications-unread"' not in client.get(reverse("workspace:notifications")).content.decode()

    # Another user's notification does not exist for the supervisor.
    other = Notification.objects.get(recipient=manager)
    assert client.post(reverse("workspace:notification_read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_refusal_is_shown_on_the_form_in_spanish_and_nothing_is_saved(client, world):
    officer, _chief, _manager, case = world
    login_verified(client, officer)
    answer = _post(
        client, "case_incident_add", [case.pk], "incident", {"kind": "hunger_strike", "source": "family"}
    )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Diga cuándo ocurrió" in body
    assert "Elija el centro o diga dónde ocurrió" in body
    assert not CriticalIncident.objects.exists()
    assert not Notification.objects.exists()


def test_a_manager_reads_the_panel_without_forms_and_the_supervisor_closes(client, world):
    from cases import services

    officer, chief, manager, case = world
    incident = services.incident_record(
        actor=officer,
        case=case,
        kind="hunger_strike",
        occurred_at=timezone.now() - dt.timedelta(days=2),
        place="Hospital del condado",
        source="partner",
        description="Lleva cinco días sin comer.",
    )
    login_verified(client, manager)
    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert "Huelga de hambre" in page
    assert reverse("workspace:case_incident_add", args=[case.pk]) not in page
    assert reverse("workspace:case_incident_close", args=[case.pk, incident.pk]) not in page
    client.logout()
    login_verified(client, chief)
    answer = _post(
        client,
        "case_incident_close",
        [case.pk, incident.pk],
        f"incident-{incident.pk}",
        {"note": "Terminó la huelga."},
    )
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_the_notifications_page_reads_a_fixed_number_of_queries(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import services

    officer, chief, _manager, case = world

    def record(count: int) -> None:
        for i in range(count):
            services.incident_record(
                actor=officer,
                case=f.make_case(officer) if i % 2 else case,
                kind="medical_emergency",
                occurred_at=timezone.now() - dt.timedelta(hours=i + 1),
                place=f"Hospital {i}",
                source="facility",
                description="Dolor en el pecho.",
            )

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("workspace:notifications"))
        assert page.status_code == 200
        return len(captured), page.content.decode().count('id="notification-')

    login_verified(client, chief)
    record(2)
    client.get(reverse("workspace:notifications"))
    few, few_rows = measure()
    record(8)
    many, many_rows = measure()
    assert (few_rows, many_rows) == (2, 10)
    assert few == many
