"""Erasure on request: the service, the confirmation page, its audit, and who may."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from kombu.simple import SimpleQueue

from cases import services
from cases.models import AccessLog, Case, CriticalIncident, Document, EmergencyContact, Person
from cases.models.access import AccessAction
from cases.services import privacy
from config.celery import MAINTENANCE_QUEUE
from config.celery import app as celery_app
from tests import factories as f
from tests.auth import login_verified
from tests.cases.admin.helpers import refused
from tests.cases.privacy.builders import build_person, case_tables, find_values

pytestmark = pytest.mark.django_db

REASON = "Solicitud escrita recibida el 3 de noviembre, folio 118"


@pytest.fixture
def closed(officer):
    return build_person(officer, "Rt5m")


@pytest.fixture
def still_open(officer):
    return build_person(officer, "Yu8n", close=False)


def test_erasure_is_refused_while_a_case_is_open(still_open, admin_user):
    with pytest.raises(ValidationError) as exc:
        privacy.person_erase(actor=admin_user, person=still_open.person, reason=REASON)
    assert exc.value.code == "open_cases"
    assert still_open.case.reference in exc.value.messages[0]
    person = Person.objects.get(pk=still_open.person.pk)
    assert (person.anonymised_at, person.curp) == (None, still_open.person.curp)
    assert EmergencyContact.objects.filter(person=person).exists()


def test_erasure_is_refused_while_a_closure_awaits_approval(officer, admin_user):
    case = f.make_case(officer, priority="urgent")
    services.case_close_request(actor=officer, case=case, outcome="released")
    assert Case.objects.get(pk=case.pk).status == "pending_closure"
    with pytest.raises(ValidationError) as exc:
        privacy.person_erase(actor=admin_user, person=case.person, reason=REASON)
    assert exc.value.code == "open_cases"


def test_erasure_needs_a_reason_and_an_administrator(closed, admin_user):
    with pytest.raises(ValidationError) as exc:
        privacy.person_erase(actor=admin_user, person=closed.person, reason="  ")
    assert set(exc.value.message_dict) == {"reason"}
    for actor in (f.officer("dallas"), f.supervisor("dallas"), f.manager()):
        with pytest.raises(PermissionDenied):
            privacy.person_erase(actor=actor, person=closed.person, reason=REASON)
    assert Person.objects.get(pk=closed.person.pk).anonymised_at is None


def test_erasure_clears_everything_whatever_the_age(closed, admin_user, django_capture_on_commit_callbacks):
    other = build_person(f.officer("dallas"), "Kk2d")  # another person: untouched
    with django_capture_on_commit_callbacks(execute=True):
        privacy.person_erase(actor=admin_user, person=closed.person, reason=REASON)
    erased = Person.objects.get(pk=closed.person.pk)
    assert erased.anonymised_at is not None
    assert (erased.us_address, erased.mexico_address) == ("", "")
    history = apps.get_model("cases", "PersonHistory").objects.filter(pgh_obj_id=erased.pk)
    assert set(history.values_list("us_address", "mexico_address")) == {("", "")}
    assert Person.objects.get(pk=other.person.pk).us_address == other.person.us_address != ""
    assert Case.objects.get(pk=closed.case.pk).anonymised_at is not None
    assert not Document.objects.filter(case__person=closed.person).exists()
    incidents = CriticalIncident.objects.filter(case=closed.case)
    assert set(incidents.values_list("description", "closing_note")) == {("***", "***")}
    history = apps.get_model("cases", "CriticalIncidentHistory").objects.filter(case_id=closed.case.pk)
    assert history.exists()
    assert set(history.values_list("description", "closing_note")) <= {("***", "***")}
    assert find_values(case_tables(), closed.values) == {}
    assert set(find_values(case_tables(), other.values)) >= {"cases_person", "cases_personhistory"}
    assert Person.objects.get(pk=other.person.pk).anonymised_at is None
    with pytest.raises(ValidationError) as exc:
        privacy.person_erase(actor=admin_user, person=closed.person, reason=REASON)
    assert exc.value.code == "anonymised"


# --- The page -------------------------------------------------------------------------------------


@pytest.fixture
def maintenance_queue():
    """The app's real broker's ``maintenance`` queue (only the maintenance worker consumes it), emptied
    before and after."""
    queue = next(q for q in celery_app.conf.task_queues if q.name == MAINTENANCE_QUEUE)
    with celery_app.connection_for_write() as connection:
        simple = SimpleQueue(connection, queue)
        simple.clear()
        yield simple
        simple.clear()
        simple.close()


def run_queued(queue) -> list[tuple]:
    """Take every message off the queue and run its task here, as the maintenance worker would."""
    celery_app.loader.import_default_modules()  # what a worker does first: the tasks' modules
    ran = []
    while True:
        try:
            message = queue.get(block=False)
        except queue.Empty:
            return ran
        args, kwargs, _embed = message.decode()
        message.ack()
        ran.append((message.headers["task"], args, kwargs))
        celery_app.tasks[message.headers["task"]](*args, **kwargs)


def erase_url(person) -> str:
    return reverse("admin:cases_person_erase", args=[person.pk])


def test_the_page_erases_with_reason_and_typed_number(
    client, closed, admin_user, django_capture_on_commit_callbacks, maintenance_queue
):
    login_verified(client, admin_user)
    person = closed.person
    page = client.get(erase_url(person))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"].split(", ")

    wrong = client.post(erase_url(person), {"reason": REASON, "confirmation": str(person.pk + 1)})
    assert wrong.status_code == 200
    assert "confirmation" in wrong.context["form"].errors
    no_reason = client.post(erase_url(person), {"reason": "", "confirmation": str(person.pk)})
    assert "reason" in no_reason.context["form"].errors
    assert Person.objects.get(pk=person.pk).anonymised_at is None
    assert not AccessLog.objects.filter(action=AccessAction.ERASE).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(erase_url(person), {"reason": REASON, "confirmation": str(person.pk)}, follow=True)
    assert done.redirect_chain == [(reverse("admin:cases_person_change", args=[person.pk]), 302)]
    # Staff read Spanish by default: the message says the erasure is under way.
    assert "Se están eliminando los datos" in [str(m) for m in done.context["messages"]][0]
    (row,) = AccessLog.objects.filter(action=AccessAction.ERASE)
    assert (row.user, row.person_id) == (admin_user, person.pk)
    assert REASON not in str(
        AccessLog.objects.values().filter(action=AccessAction.ERASE).get()
    )  # audit trail only

    # The web server may not rewrite history: the maintenance worker erases, told the request's id only.
    assert Person.objects.get(pk=person.pk).anonymised_at is None
    ran = run_queued(maintenance_queue)
    assert [(task, len(args)) for task, args, _kwargs in ran] == [("privacy.erase_person", 1)]
    assert REASON not in json.dumps(ran)
    assert person.given_names not in json.dumps(ran)
    assert Person.objects.get(pk=person.pk).anonymised_at is not None
    history = apps.get_model("cases", "PersonHistory")
    last = history.objects.filter(pgh_obj_id=person.pk).order_by("-pgh_id").first()
    assert last.pgh_context.metadata["erasure_reason"] == REASON
    assert last.pgh_context.metadata["privacy_action"] == "erasure"
    assert last.pgh_context.metadata["user"] == admin_user.pk

    # The person's page says so, is read-only and offers no second erasure.
    page = client.get(reverse("admin:cases_person_change", args=[person.pk]))
    assert b"anonymised-note" in page.content
    assert erase_url(person).encode() not in page.content
    assert client.post(reverse("admin:cases_person_change", args=[person.pk]), {}).status_code == 403
    case_page = client.get(reverse("admin:cases_case_change", args=[closed.case.pk]))
    assert b"anonymised-note" in case_page.content
    assert b"case-action-reopen" not in case_page.content


def test_the_page_refuses_while_a_case_is_open(client, still_open, admin_user):
    login_verified(client, admin_user)
    person = still_open.person
    page = client.get(erase_url(person))
    assert still_open.case.reference in page.content.decode()
    response = client.post(erase_url(person), {"reason": REASON, "confirmation": str(person.pk)})
    assert response.status_code == 200
    assert any(still_open.case.reference in e for e in response.context["form"].non_field_errors())
    assert Person.objects.get(pk=person.pk).anonymised_at is None
    assert not AccessLog.objects.filter(action=AccessAction.ERASE).exists()


# --- Who may: every role on both pages, GET and POST -------------------------------------------------


ROLES = {
    "officer": (lambda: f.officer("dallas"), True),
    "supervisor": (lambda: f.supervisor("dallas"), True),
    "manager": (lambda: f.manager(), True),
    "partner": (lambda: f.partner_user(), False),
    "inactive": (lambda: f.officer("dallas", is_active=False), False),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("page", ["cases_person_export", "cases_person_erase"])
def test_non_administrators_are_refused(client, closed, role, page):
    make, is_staff = ROLES[role]
    login_verified(client, make())
    url = reverse(f"admin:{page}", args=[closed.person.pk])
    assert refused(is_staff, client.get(url))
    assert refused(is_staff, client.post(url, {"reason": REASON, "confirmation": str(closed.person.pk)}))
    assert Person.objects.get(pk=closed.person.pk).anonymised_at is None
    assert not AccessLog.objects.filter(action__in=[AccessAction.ERASE, AccessAction.PERSON_EXPORT]).exists()


@pytest.mark.parametrize("page", ["cases_person_export", "cases_person_erase"])
def test_anonymous_users_are_sent_to_log_in_and_unknown_persons_are_not_found(client, admin_user, page):
    response = client.get(reverse(f"admin:{page}", args=[1]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    login_verified(client, admin_user)
    assert client.get(reverse(f"admin:{page}", args=[987654321])).status_code == 404
