"""Every list endpoint of /api/v1/ runs a fixed number of queries, whatever the number of rows: each is
measured with 2 rows and with 20, and the counts must be equal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import EmergencyContact
from config.api_urls import router
from consulates.models import DetentionFacility
from intake.inquiries.services import inquiry_send
from tests import factories as f
from tests.api.conftest import csrf_client, token_client, url
from tests.factories.crossoffice import FULL_SCOPE, make_consent

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 20

# Reference lists: the network's rows are fixed, so the page size varies instead.
REFERENCE = ["consulates/", "counties/", "facilities/", "reception-points/", "courts/", "consular-posts/"]
# Lists whose rows the test creates; "{case}"/"{referral}" is the first case/referral of the world.
STAFF = [
    "partners/",
    "persons/",
    "cases/",
    "transfers/",
    "referrals/",
    "consents/",
    "tasks/",
    "cases/{case}/timeline/",
    "cases/{case}/proceedings/",
    "visits/",
    "formal-requests/",
    "cases/{case}/incidents/",
]
# The supervisor's own notifications (one per incident of the first case).
SUPERVISOR = ["notifications/"]
# A child's case's lists: measured in tests/api/test_children_api.py (on a child's case).
CHILDREN = ["cases/{case}/child-welfare/", "cases/{case}/agency-requests/", "cases/{case}/child-assessments/"]
PARTNER = ["partner/referrals/", "partner/referrals/{referral}/timeline/", "partner/inquiries/"]
# The families' lists (one person's or one case's rows, not paged): measured in tests/api/test_family_api.py.
FAMILY = [
    r"persons/(?P<person_pk>\d+)/relationships",
    "cases/{case}/relationships",
    "cases/{case}/family-checklist",
    r"partner/referrals/(?P<referral_pk>\d+)/relationships",
]
# Searches (POST, terms in the body): every row of the world matches ``{"search": "Ortega"}``.
SEARCHES = ["persons/search/", "cases/search/"]


class World:
    def __init__(self):
        self.officer = f.officer("dallas")
        self.colleague = f.officer("dallas")
        self.partner = f.PartnerFactory(covers=["dallas"], services=["shelter"])
        self.partner_user = f.partner_user(self.partner)
        self.facility = DetentionFacility.objects.get(name="Prairieland Detention Center")
        self.cases, self.referrals = [], []
        self.chief = f.supervisor("dallas")
        self.staff = csrf_client(self.officer)
        self.supervisor = csrf_client(self.chief)
        self.partner_client, _token = token_client(self.partner_user)

    def grow(self, count: int) -> None:
        """Add ``count`` cases, each with everything a list row can show: a person with an emergency
        contact, an assignee, custody, a hearing, a task, a pending transfer, a consent and a referral
        (accepted, with a partner note), and a partner organisation."""
        now = timezone.now()
        for i in range(count):
            f.PartnerFactory(covers=["dallas"], services=["medical"])
            person = f.make_person(
                self.officer, paternal_surname="Ortega", phone=f"555-{i}", email=f"p{i}@example.invalid"
            )
            services.emergency_contact_save(
                actor=self.officer, person=person, contact=EmergencyContact(name=f"Madre {i}", phone="1")
            )
            case = f.make_case(
                self.officer, person=person, facility=self.facility, detained_since=dt.date(2025, 1, 2)
            )
            services.case_assign(
                actor=self.officer, case=case, assignee=(self.officer, self.colleague)[i % 2]
            )
            services.hearing_schedule(
                actor=self.officer,
                case=case,
                kind="bond",
                starts_at=now + dt.timedelta(days=3 + i),
                location="Dallas Immigration Court",
            )
            services.task_add(actor=self.officer, case=case, title=f"Tarea {i}", assignee=self.colleague)
            services.transfer_request(
                actor=self.officer, case=case, to_consulate=f.consulate("houston"), reason="Familia"
            )
            make_consent(self.officer, case, self.partner, scope=FULL_SCOPE)
            referral = services.referral_create(
                actor=self.officer, case=case, partner=self.partner, service="shelter"
            )
            services.referral_accept(actor=self.partner_user, referral=referral)
            services.referral_note_add(actor=self.partner_user, referral=referral, text=f"Nota {i}")
            self.cases.append(case)
            self.referrals.append(referral)
            inquiry_send(  # the partner's own inquiries (partner/inquiries/)
                actor=self.partner_user,
                consulate=f.consulate("dallas"),
                sharing_basis="Consentimiento",
                sought_paternal_surname="Ortega",
                sought_a_number=f"A{200000000 + i}",
            )
            # the first case's proceedings grow, each with a deadline and a hearing
            proceeding = services.proceeding_open(
                actor=self.officer, case=self.cases[0], kind="criminal", court_name=f"Corte penal {i}"
            )
            services.deadline_add(
                actor=self.officer,
                proceeding=proceeding,
                kind="filing",
                due_on=now.date(),
                description="Escrito",
            )
            services.hearing_schedule(
                actor=self.officer,
                case=self.cases[0],
                kind="criminal",
                starts_at=now + dt.timedelta(days=5),
                location="Sala penal",
                proceeding=proceeding,
            )
            # a visit per case, with its interview and checklist, and a formal request with a document
            visit = services.visit_plan(
                actor=self.officer, facility=self.facility, planned_for=now.date(), officers=[self.colleague]
            )
            services.visit_interviews_record(
                actor=self.officer, visit=visit, rows=[{"case_id": case.pk, "seen": True, "findings": "Bien"}]
            )
            services.visit_checklist_record(actor=self.officer, visit=visit, answers={})
            services.request_create(
                actor=self.officer,
                authority_kind="facility",
                authority_name=self.facility.name,
                kind="medical_records",
                case=case,
                facility=self.facility,
                sent_on=now.date(),
                due_on=now.date(),
            )
            # the first case's incidents grow, each with its checklist and a notification to the supervisor
            services.incident_record(
                actor=self.officer,
                case=self.cases[0],
                kind="death" if i % 2 else "medical_emergency",
                occurred_at=now - dt.timedelta(hours=i + 1),
                facility=self.facility if i % 2 else None,
                place="" if i % 2 else f"Hospital {i}",
                source="facility",
                description=f"Descripción {i}",
            )
            # the first case's timeline grows too, written by different people
            author = (self.officer, self.colleague)[i % 2]
            services.case_note_add(actor=author, case=self.cases[0], kind="call", text=f"Llamada {i}")
            services.referral_note_add(
                actor=self.partner_user, referral=self.referrals[0], text=f"Avance {i}"
            )

    def path(self, template: str) -> str:
        return url(template.format(case=self.cases[0].pk, referral=self.referrals[0].pk))


def count_queries(client, path: str, params: dict, *, method: str = "get") -> tuple[int, int]:
    def send():
        if method == "post":
            return client.post(path, params, format="json")
        return client.get(path, params)

    send()  # warm up: the token's last use is recorded once a minute
    with CaptureQueriesContext(connection) as context:
        response = send()
    assert response.status_code == 200, (path, response.content)
    return len(context.captured_queries), len(response.json()["results"])


def test_every_list_endpoint_is_measured():
    listed = {
        prefix.replace(r"(?P<case_pk>\d+)", "{case}")  # a list under a case
        for prefix, viewset, _basename in router.registry
        if hasattr(viewset, "list")
    }
    measured = {
        p.rstrip("/")
        for p in REFERENCE + STAFF + PARTNER + SUPERVISOR + CHILDREN
        if "{" not in p
        or p.startswith(
            ("cases/{case}/proc", "cases/{case}/inc", "cases/{case}/child", "cases/{case}/agency")
        )
    }
    assert listed == measured | set(FAMILY)
    timelines = {
        prefix
        for prefix, viewset, _basename in router.registry
        for extra in viewset.get_extra_actions()
        if extra.detail and "get" in extra.mapping and extra.url_path == "timeline"
    }
    assert timelines == {"cases", "partner/referrals"}
    searches = {
        f"{prefix}/{extra.url_path}/"
        for prefix, viewset, _basename in router.registry
        for extra in viewset.get_extra_actions()
        if not extra.detail and extra.url_path == "search"
    }
    assert searches == set(SEARCHES)


@pytest.mark.parametrize("path", REFERENCE)
def test_reference_lists(path):
    client = csrf_client(f.officer("dallas"))
    few, few_rows = count_queries(client, url(path), {"limit": FEW})
    many, many_rows = count_queries(client, url(path), {"limit": 10})
    assert (few_rows, many_rows) == (FEW, 10)
    assert few == many, path


def test_lists_with_rows():
    world = World()
    world.grow(FEW)
    measured = {}
    for client, templates in (
        (world.staff, STAFF),
        (world.partner_client, PARTNER),
        (world.supervisor, SUPERVISOR),
    ):
        for template in templates:
            measured[template] = [count_queries(client, world.path(template), {"limit": 100})]
    for template in SEARCHES:
        body = {"search": "Ortega", "limit": 100}
        measured[template] = [count_queries(world.staff, url(template), body, method="post")]
    world.grow(MANY - FEW)
    for client, templates in (
        (world.staff, STAFF),
        (world.partner_client, PARTNER),
        (world.supervisor, SUPERVISOR),
    ):
        for template in templates:
            measured[template].append(count_queries(client, world.path(template), {"limit": 100}))
    for template in SEARCHES:
        body = {"search": "Ortega", "limit": 100}
        measured[template].append(count_queries(world.staff, url(template), body, method="post"))
    rows_grew = {t: (a[1], b[1]) for t, (a, b) in measured.items() if not b[1] > a[1]}
    assert not rows_grew, f"these lists did not grow, so the measure means nothing: {rows_grew}"
    differ = {t: (a[0], b[0]) for t, (a, b) in measured.items() if a[0] != b[0]}
    assert not differ, f"queries with {FEW} and {MANY} rows: {differ}"
