"""Reminders in the staff UI: the case page's panel (never an address), the list of failed and pending
reminders scoped by consulate, the retry action (officers only; a sent reminder is refused with a
message), and a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Reminder
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import PartnerFactory, make_case, make_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]

LIST = reverse("admin:cases_reminder_changelist")
PHONE = "(214) 555-0199"
EMAIL = "rosa.contacto@example.invalid"


def case_url(case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def listed(client, url: str = LIST) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {r.pk for r in response.context["cl"].result_list}


def set_status(reminder: Reminder, status: str, **fields) -> Reminder:
    Reminder.objects.filter(pk=reminder.pk).update(status=status, **fields)
    reminder.refresh_from_db()
    return reminder


def retry(client, *reminders):
    """The action as posted from the list showing every status (where a sent one can be selected)."""
    return client.post(
        LIST + "?status=all",
        {"action": "retry", "_selected_action": [r.pk for r in reminders], "index": 0},
        follow=True,
    )


@pytest.fixture
def contacted_case(world):
    """A Dallas case whose person consents to SMS, with a hearing in 10 days: person and officer rows."""
    person = make_person(world.officer_a, phone=PHONE, email=EMAIL, contact_consent=True)
    case = make_case(world.officer_a, person=person)
    services.hearing_schedule(
        actor=world.officer_a,
        case=case,
        kind="bond",
        starts_at=timezone.now() + dt.timedelta(days=10),
        location="Sala 3",
    )
    return case


def test_the_case_page_lists_the_case_reminders_without_addresses(client, world, contacted_case):
    person_7d = Reminder.objects.get(case=contacted_case, kind="hearing_person_7d")
    set_status(person_7d, "failed", last_error="HTTP 400 from the provider", attempts=1)
    login_verified(client, world.officer_a)
    response = client.get(case_url(contacted_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID_MARKER not in html
    shown = response.context["case_reminders"]
    assert {r.kind for r in shown} == {"hearing_person_7d", "hearing_person_1d", "hearing_officer_2d"}
    panel = html[html.index('class="case-summary case-reminders"') :]
    panel = panel[: panel.index("</section>")]
    assert panel.count('class="reminder-pending"') == 2
    assert panel.count('class="reminder-failed"') == 1
    assert "HTTP 400 from the provider" in panel  # why it failed
    for reminder in shown:
        assert str(reminder.get_kind_display()) in panel
        assert str(reminder.get_status_display()) in panel
    for address in (PHONE, "555-0199", "2145550199", EMAIL):
        assert address not in panel
    # another case's reminders are not on this page
    assert not {r.case_id for r in shown} - {contacted_case.pk}


def test_the_list_opens_on_failed_and_pending_reminders_of_the_own_consulate(client, world, contacted_case):
    dallas = {r.pk: r for r in Reminder.objects.filter(case__consulate__slug="dallas")}
    el_paso = set(Reminder.objects.filter(case__consulate__slug="el_paso").values_list("pk", flat=True))
    assert len(dallas) >= 3
    assert el_paso
    sent, cancelled, failed = list(dallas.values())[:3]
    set_status(sent, "sent", sent_at=timezone.now())
    set_status(cancelled, "cancelled")
    set_status(failed, "failed", last_error="HTTP 503 from the provider")
    attention = set(dallas) - {sent.pk, cancelled.pk}

    login_verified(client, world.officer_a)
    assert listed(client) == attention
    assert listed(client, LIST + "?status=all") == set(dallas)
    assert listed(client, LIST + "?status=failed") == {failed.pk}
    assert client.get(reverse("admin:cases_reminder_change", args=[min(el_paso)])).status_code in (302, 404)
    to_person = Reminder.objects.filter(case=contacted_case, kind="hearing_person_7d").get()
    own = client.get(reverse("admin:cases_reminder_change", args=[to_person.pk]))
    assert own.status_code == 200
    assert PHONE not in own.content.decode()
    assert EMAIL not in own.content.decode()

    login_verified(client, world.officer_b)
    assert listed(client, LIST + "?status=all") == el_paso

    login_verified(client, world.manager)  # network-wide, read-only
    response = client.get(LIST)
    assert {r.pk for r in response.context["cl"].result_list} == attention | el_paso
    action_form = response.context.get("action_form")
    assert action_form is None or "retry" not in dict(action_form.fields["action"].choices)

    login_verified(client, world.partner)
    assert client.get(LIST).status_code == 302  # not staff: to the login page


def test_digests_are_seen_by_their_own_recipient_only(client, world):
    from cases.reminders.scans import schedule_digests

    morning = dt.datetime.combine(timezone.now().date(), dt.time(13, 30), tzinfo=dt.UTC)  # 08:30 Dallas
    schedule_digests(morning)
    own = Reminder.objects.get(kind="digest", user=world.officer_a)
    login_verified(client, world.officer_a)
    assert own.pk in listed(client)
    assert not Reminder.objects.filter(kind="digest", pk__in=listed(client)).exclude(pk=own.pk).exists()


def test_retry_puts_a_failed_reminder_back_and_refuses_a_sent_one(client, world, contacted_case):
    failed, sent = Reminder.objects.filter(case=contacted_case).order_by("pk")[:2]
    set_status(failed, "failed", attempts=6, last_error="HTTP 503 from the provider")
    set_status(sent, "sent", attempts=1, sent_at=timezone.now())
    login_verified(client, world.officer_a)
    response = retry(client, failed, sent)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error, failed.lease_until) == ("pending", 0, "", None)
    sent.refresh_from_db()
    assert sent.status == "sent"
    notes = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert any(level == "warning" and text.startswith(f"#{sent.pk}:") for level, text in notes), notes
    assert any(level == "success" for level, _text in notes), notes


def test_a_manager_cannot_retry(client, world, contacted_case):
    failed = set_status(Reminder.objects.filter(case=contacted_case).first(), "failed", last_error="x")
    login_verified(client, world.manager)
    retry(client, failed)
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_an_officer_cannot_retry_another_consulates_reminder_through_the_service(world):
    from django.core.exceptions import PermissionDenied

    el_paso = set_status(Reminder.objects.filter(case=world.case_b).first(), "failed", last_error="x")
    with pytest.raises(PermissionDenied):
        services.reminder_retry(actor=world.officer_a, reminder=el_paso)
    el_paso.refresh_from_db()
    assert el_paso.status == "failed"


def _add_reminders(world, count: int) -> None:
    """``count`` failed or pending reminders of each kind of recipient: person, officer, user, partner."""
    partner = PartnerFactory(covers=["dallas"], contact_email="legal@aliada.example")
    now = timezone.now()
    rows = []
    for i in range(count):
        for key, extra in (
            (f"person:{world.person_a.pk}", {"person": world.person_a}),
            ("case-officer", {}),
            (f"user:{world.officer_a.pk}", {"user": world.officer_a}),
            (f"partner:{partner.pk}", {"partner": partner}),
        ):
            rows.append(
                Reminder(
                    kind="hearing_officer_2d",
                    channel="email",
                    subject_type="bench",
                    subject_id=i,
                    recipient_key=key,
                    due_at=now + dt.timedelta(minutes=len(rows)),
                    case=world.case_a,
                    status=("pending", "failed")[i % 2],
                    last_error="HTTP 503 from the provider" if i % 2 else "",
                    **extra,
                )
            )
    Reminder.objects.bulk_create(rows)


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_list_queries_do_not_grow_with_rows(client, world, role):
    login_verified(client, getattr(world, role))
    _add_reminders(world, 2)
    few = _queries(client, LIST), _queries(client, case_url(world.case_a))
    Reminder.objects.filter(subject_type="bench").delete()
    _add_reminders(world, 20)
    many = _queries(client, LIST), _queries(client, case_url(world.case_a))
    assert many == few
    assert len(client.get(LIST).context["cl"].result_list) > 80
