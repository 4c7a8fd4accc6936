"""A small two-consulate world for the API's permission, schema and contract tests.

Everything is built through the services (``tests.factories``), once per module, inside a transaction
that the module rolls back at its end (``module_world``); each test runs in a savepoint of it, so a
write that succeeds in one test is gone before the next.

Records come in kinds, seen from the Dallas consulate's staff:

* ``own``: a Dallas case (person, task, consents, referrals), referred to partner A (accepted, consent
  standing) and once to partner C, whose consent was then withdrawn (ending that referral);
* ``foreign``: a Houston case, referred to partner D (no role of its own in the tests);
* ``unreferred``: a Dallas case with no referral (partner E's consent stands, unused);
* ``withdrawn``: partner C's referral on the own case, ended when the person withdrew consent;
* ``ended``: partner A's first referral of another Dallas case, withdrawn by the consulate after A worked on
  it; the case was then referred to A again (accepted): the case is still shared with A, but not through
  this referral (partner routes only);
* ``inactive``: partner F's accepted, consented referral of a third Dallas case; F's organisation was then
  deactivated behind the staff UI's back, so the token of its user (role ``partner_inactive``) survived:
  the access rules alone must refuse it (partner routes only);
* ``incoming``: a transfer from El Paso to Dallas (``own``/``foreign`` transfers go out from
  Dallas/Houston to El Paso).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseLocateAttempt,
    Consent,
    CriticalIncident,
    CustodyEpisode,
    Document,
    FacilityVisit,
    FamilyChecklistItem,
    FamilyRelationship,
    FormalRequest,
    Hearing,
    Notification,
    Person,
    Referral,
    Task,
    Transfer,
)
from consulates.models import (
    ConsularPost,
    County,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    PartnerService,
    ReceptionPoint,
)
from intake.inquiries.services import inquiry_send
from tests import factories as f
from tests.auth import login_verified
from tests.factories.crossoffice import make_consent, make_referral, make_transfer

STAFF_ROLES = ("officer_own", "officer_foreign", "supervisor_own", "manager", "administrator")
# Auditors log in like staff (a session) but read only the audit trail and the access log: no case data.
AUDITOR_ROLES = ("auditor",)
PARTNER_ROLES = ("partner_referred", "partner_other", "partner_withdrawn", "partner_inactive")
ROLES = ("anonymous", *STAFF_ROLES, *AUDITOR_ROLES, *PARTNER_ROLES)

SERVICES = [PartnerService.LEGAL, PartnerService.SHELTER]


def build_world() -> SimpleNamespace:
    """Create the users, partners, cases and cross-office records; return them by name."""
    w = SimpleNamespace()
    w.dallas, w.houston = f.consulate("dallas"), f.consulate("houston")
    w.el_paso, w.san_antonio = f.consulate("el_paso"), f.consulate("san_antonio")

    w.partner_a = f.PartnerFactory(services=SERVICES, covers=["dallas"])
    w.partner_b = f.PartnerFactory(services=SERVICES, covers=["dallas", "houston"])
    w.partner_c = f.PartnerFactory(services=SERVICES, covers=["dallas"])
    w.partner_d = f.PartnerFactory(services=SERVICES, covers=["houston"])
    w.partner_e = f.PartnerFactory(services=SERVICES, covers=["dallas"])
    w.partner_f = f.PartnerFactory(services=SERVICES, covers=["dallas"])  # deactivated at the end

    w.users = {
        "officer_own": f.officer("dallas"),
        "officer_foreign": f.officer("houston"),
        "supervisor_own": f.supervisor("dallas"),
        "manager": f.manager(),
        "administrator": f.administrator(),
        "auditor": f.auditor(),
        "partner_referred": f.partner_user(w.partner_a),
        "partner_other": f.partner_user(w.partner_b),
        "partner_withdrawn": f.partner_user(w.partner_c),
        "partner_inactive": f.partner_user(w.partner_f),
    }
    officer, foreign_officer = w.users["officer_own"], w.users["officer_foreign"]
    el_paso_officer = f.officer("el_paso")

    # Cases and what hangs off them.
    w.case = {
        "own": f.make_case(officer, summary="Caso propio"),
        "foreign": f.make_case(foreign_officer, summary="Caso ajeno"),
        "unreferred": f.make_case(officer, summary="Caso sin canalizar"),
    }
    w.person = {kind: case.person for kind, case in w.case.items()}
    w.task = {
        kind: services.task_add(
            actor=officer if kind != "foreign" else foreign_officer, case=case, title="Visita"
        )
        for kind, case in w.case.items()
    }

    w.referral = {}
    w.referral["own"] = make_referral(officer, w.case["own"], w.partner_a, service=PartnerService.LEGAL)
    services.referral_accept(actor=w.users["partner_referred"], referral=w.referral["own"])
    w.referral["withdrawn"] = make_referral(officer, w.case["own"], w.partner_c, service=PartnerService.LEGAL)
    services.consent_withdraw(actor=officer, consent=w.referral["withdrawn"].consent, note="Ya no")
    w.referral["foreign"] = make_referral(
        foreign_officer, w.case["foreign"], w.partner_d, service=PartnerService.LEGAL
    )
    _refer_again_after_withdrawal(w, officer)
    w.case_of_inactive_partner = f.make_case(officer, summary="Caso de una organización dada de baja")
    w.referral["inactive"] = make_referral(
        officer, w.case_of_inactive_partner, w.partner_f, service=PartnerService.LEGAL, request_note="Urgente"
    )
    services.referral_accept(actor=w.users["partner_inactive"], referral=w.referral["inactive"])
    services.referral_note_add(
        actor=w.users["partner_inactive"], referral=w.referral["inactive"], text="Primera entrevista hecha"
    )
    # A document the consulate uploaded to each referral's case, of a kind every consent here covers
    # (identity): partners read it through their active referrals only.
    shared = {
        case.pk: _staff_document(officer if case.consulate_id == w.dallas.pk else foreign_officer, case)
        for case in (w.case["own"], w.case["foreign"], w.case_referred_again, w.case_of_inactive_partner)
    }
    w.document = {kind: shared[referral.case_id] for kind, referral in w.referral.items()}
    w.consent = {
        "own": w.referral["own"].consent,
        "foreign": w.referral["foreign"].consent,
        "unreferred": make_consent(officer, w.case["unreferred"], w.partner_e),
    }
    # Inquiries partners sent (intake.inquiries): partner A's ("own" for partner_referred) and partner B's.
    w.inquiry = {
        kind: inquiry_send(
            actor=w.users[role],
            consulate=w.dallas,
            sharing_basis="Consentimiento escrito de la familia",
            sought_paternal_surname="Pérez",
        )
        for kind, role in (("own", "partner_referred"), ("foreign", "partner_other"))
    }
    # The partner each case's consent stands for: a new referral of the case goes to it.
    w.consented_partner = {"own": w.partner_a, "foreign": w.partner_d, "unreferred": w.partner_e}
    w.hearing = services.hearing_schedule(
        actor=officer,
        case=w.case["own"],
        kind="master_calendar",
        starts_at=timezone.now() + dt.timedelta(days=30),
        location="Dallas Immigration Court",
    )

    w.transfer = {
        "own": make_transfer(officer, f.make_case(officer), "el_paso"),
        "foreign": make_transfer(foreign_officer, f.make_case(foreign_officer), "el_paso"),
        "incoming": make_transfer(el_paso_officer, f.make_case(el_paso_officer), "dallas"),
    }
    for transfer in w.transfer.values():
        transfer.refresh_from_db()

    # Reference data of either district.
    w.county = {
        "own": County.objects.filter(consulate=w.dallas).order_by("pk").first(),
        "foreign": County.objects.filter(consulate=w.houston).order_by("pk").first(),
    }
    w.facility = {
        "own": DetentionFacility.objects.filter(county__consulate=w.dallas).order_by("pk").first(),
        "foreign": DetentionFacility.objects.filter(county__consulate=w.houston).order_by("pk").first(),
    }
    w.reception_point = ReceptionPoint.objects.order_by("pk").first()
    w.court = ImmigrationCourt.objects.order_by("pk").first()
    w.outside_post = ConsularPost.objects.get(city="Atlanta")
    # A removal proceeding of each case, decided, with its BIA appeal deadline.
    w.proceeding, w.deadline = {}, {}
    for kind, case in w.case.items():
        actor = foreign_officer if kind == "foreign" else officer
        w.proceeding[kind] = services.proceeding_open(actor=actor, case=case, kind="removal")
        services.proceeding_decide(
            actor=actor,
            proceeding=w.proceeding[kind],
            outcome="removal_ordered",
            decided_on=timezone.localdate(),
        )
        w.deadline[kind] = w.proceeding[kind].deadlines.get()
    # A planned visit of each consulate to a facility of its district, and a draft formal request on each
    # case (decision 0026).
    w.visit = {
        kind: services.visit_plan(actor=actor, facility=w.facility[kind], planned_for=timezone.localdate())
        for kind, actor in (("own", officer), ("foreign", foreign_officer))
    }
    w.formal_request = {
        kind: services.request_create(
            actor=actor,
            authority_kind="ice_field_office",
            authority_name="ICE Field Office",
            kind="custody_records",
            case=w.case[kind],
        )
        for kind, actor in (("own", officer), ("foreign", foreign_officer))
    }
    # Families: each case's person has a child of the same consulate on record, and another relative who
    # is not yet linked (what a new relationship links); each case a family-preparedness item.
    w.relationship, w.spare_relative, w.checklist_item = {}, {}, {}
    for kind, case in w.case.items():
        actor = foreign_officer if kind == "foreign" else officer
        child = f.make_person(actor, given_names="Hijo", is_minor=True)
        w.relationship[kind] = services.relationship_add(
            actor=actor, person=case.person, relative=child, kind="child"
        )
        w.spare_relative[kind] = f.make_person(actor, given_names="Hermana")
        w.checklist_item[kind] = services.checklist_item_add(actor=actor, case=case, kind="nationality")
    # A hunger strike on each case (its consulate's supervisors and the managers are told of it): the
    # own supervisor's and the manager's notification of the own case's.
    w.incident = {
        kind: services.incident_record(
            actor=foreign_officer if kind == "foreign" else officer,
            case=case,
            kind="hunger_strike",
            occurred_at=timezone.now() - dt.timedelta(days=1),
            place="Enfermería del centro",
            source="facility",
            description="Rechaza los alimentos desde hace tres días.",
        )
        for kind, case in w.case.items()
    }
    w.notification = {
        who: Notification.objects.get(recipient=w.users[role], target_id=w.incident["own"].pk)
        for who, role in (("supervisor", "supervisor_own"), ("manager", "manager"))
    }

    # Children (decision 0029): a ten-year-old's case in each district, with its agency case (Texas DFPS), a
    # request of the agency and an assessment.
    w.dfps = Partner.objects.get(kind="child_welfare", state="TX")
    w.child = {}
    for kind, actor in (("own", officer), ("foreign", foreign_officer)):
        person = f.make_person(actor, date_of_birth=timezone.localdate() - dt.timedelta(days=3660))
        case = f.make_case(actor, person=person, summary="Niña bajo la tutela de DFPS")
        w.child[kind] = SimpleNamespace(
            case=case,
            welfare=services.child_welfare_record(
                actor=actor, case=case, agency=w.dfps, agency_case_number="1"
            ),
            request=services.agency_request_add(
                actor=actor, case=case, kind="locate_family", due_date=timezone.localdate()
            ),
            assessment=services.child_assess(
                actor=actor, case=case, situation="separated", age_basis="document"
            ),
        )

    # Credentials: staff use sessions (as the staff apps do), partners their API tokens.
    w.session = {}
    for role in (*STAFF_ROLES, *AUDITOR_ROLES):
        client = APIClient()
        login_verified(client, w.users[role])
        w.session[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    w.token = {}
    for role in PARTNER_ROLES:
        _, raw = ApiToken.objects.create(user=w.users[role], expiry=dt.timedelta(days=30), name="tests")
        w.token[role] = raw
    # The organisation is deactivated without going through the staff UI (which would revoke the token):
    # whatever door its token knocks on, the access rules alone must refuse it.
    Partner.objects.filter(pk=w.partner_f.pk).update(active=False)
    w.partner_f.refresh_from_db()
    return w


def _staff_document(officer, case) -> Document:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories.documents import valid_pdf_bytes

    upload = SimpleUploadedFile("pasaporte.pdf", valid_pdf_bytes(), content_type="application/pdf")
    return services.document_upload(actor=officer, case=case, file=upload, kind="identity")


def _refer_again_after_withdrawal(w, officer) -> None:
    """Partner A worked on a referral the consulate then withdrew, and the same case was referred to A
    again: ``ended`` is the first referral, ``again`` the new, accepted one."""
    partner_user = w.users["partner_referred"]
    w.case_referred_again = f.make_case(officer, summary="Caso canalizado de nuevo")
    ended = make_referral(
        officer,
        w.case_referred_again,
        w.partner_a,
        service=PartnerService.LEGAL,
        request_note="Necesita representación en la audiencia de fianza",
    )
    services.referral_accept(actor=partner_user, referral=ended)
    services.referral_note_add(actor=partner_user, referral=ended, text="Primera cita con la familia")
    services.referral_withdraw(actor=officer, referral=ended, reason="Se canaliza de nuevo")
    again = make_referral(
        officer, w.case_referred_again, w.partner_a, service=PartnerService.LEGAL, request_note="Segunda vez"
    )
    services.referral_accept(actor=partner_user, referral=again)
    w.referral["ended"], w.referral["again"] = ended, again


def client_for(world, role: str) -> APIClient:
    client = APIClient()
    if role in world.session:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.session[role]
    elif role in world.token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token[role]}")
    return client


@contextmanager
def world_transaction(django_db_blocker):
    """Build the world in a transaction rolled back when the block ends (tests nest savepoints in it)."""
    with django_db_blocker.unblock(), tempfile.TemporaryDirectory() as media_root:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(MEDIA_ROOT=media_root):
                world = build_world()
            world.media_root = media_root  # where its documents' files are (see ``api_media_root``)
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with world_transaction(django_db_blocker) as world:
        yield world


def fingerprint() -> tuple:
    """Everything an API write could change, to prove that a refused write changed nothing."""
    return (
        list(Case.objects.order_by("pk").values_list("pk", "version", "status", "assigned_to_id", "summary")),
        list(Person.objects.order_by("pk").values_list("pk", "updated_at")),
        CaseEvent.objects.count(),
        CustodyEpisode.objects.count(),
        CaseLocateAttempt.objects.count(),
        Hearing.objects.count(),
        Document.objects.count(),
        list(Task.objects.order_by("pk").values_list("pk", "done")),
        list(Transfer.objects.order_by("pk").values_list("pk", "status")),
        list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        list(Referral.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(FacilityVisit.objects.order_by("pk").values_list("pk", "version", "status")),
        list(FormalRequest.objects.order_by("pk").values_list("pk", "version", "status")),
        list(FamilyRelationship.objects.order_by("pk").values_list("pk", "version", "ended_at")),
        list(FamilyChecklistItem.objects.order_by("pk").values_list("pk", "version", "status")),
        list(CriticalIncident.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
    )


# ------------------------------------------------------------------------------------------------
# The routes the resolver knows


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def resolved_operations() -> set[tuple[str, str]]:
    """Every (route name, HTTP method) under ``/api/v1/`` (HEAD and OPTIONS aside: HEAD is GET and
    OPTIONS only describes the route, behind the same permission classes)."""
    operations = set()
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace != "v1":
            continue
        view_class = pattern.callback.cls
        allowed = {m.upper() for m in view_class.http_method_names} - {"HEAD", "OPTIONS"}
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            methods = {m.upper() for m in actions} & allowed
        else:
            methods = {m for m in allowed if hasattr(view_class, m.lower())}
        operations |= {(pattern.name, method) for method in methods}
    return operations
