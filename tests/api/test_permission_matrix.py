"""The API permission matrix: every route x method x role x record kind, from the URL resolver.

``EXPECTATIONS`` states, for each ``(route name, method)`` of the ``v1`` namespace, what each role gets
for each kind of record (see ``support_matrix``): ``2xx``, or the refusal code. A route added to the
API without a row here fails ``test_every_route_is_in_the_matrix``. Refusal codes mean:

* ``401``: no credentials; ``403``: the role may not use this door or take this action;
* ``404``: the record is not visible to the caller (no hint that it exists);
* ``409``: the caller passed every permission check and the record's state refused the action (e.g.
  approving a closure nobody requested) -- a permitted call, not a permission leak; its ``code`` is one
  of ``api.errors.CONFLICTS``;
* ``400``: the caller passed every permission check and its input was refused (e.g. opening a case for
  a person its consulate does not hold).

A refused write must leave the database exactly as it was, and no caller may ever get a 2xx for a
record of another tenant (another consulate's case for consulate staff, another partner's referral or
an unreferred case for a partner).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.views import APIView

from api.conditional import etag_for
from api.errors import CONFLICTS
from cases.models import (
    Case,
    CriticalIncident,
    FacilityVisit,
    FamilyChecklistItem,
    FamilyRelationship,
    FormalRequest,
    Person,
    Proceeding,
)
from consulates.models import DetentionFacility
from tests.api.support_matrix import (
    AUDITOR_ROLES,
    PARTNER_ROLES,
    ROLES,
    STAFF_ROLES,
    client_for,
    fingerprint,
    module_world,
    resolved_operations,
)
from tests.factories.documents import valid_pdf_bytes

__all__ = ["module_world"]

LIST = "-"  # the only "record" of a list route
CONFLICT_CODES = set(CONFLICTS.values())

# ------------------------------------------------------------------------------------------------
# What each route acts on, and a valid request body (so that only permission and state decide)


@dataclass(frozen=True)
class Op:
    family: str  # whose records: reference, case, consent, referral, transfer
    kinds: tuple[str, ...]
    target: Callable | None = None  # (world, kind) -> pk; None for list routes
    body: Callable | None = None  # (world, kind) -> request data
    multipart: bool = False
    if_match: Callable | None = None  # (world, kind) -> model instance whose ETag is sent
    lookup: str = "pk"  # the URL keyword ``target`` fills
    more: Callable | None = None  # (world, kind) -> more URL keywords


CASE_KINDS = ("own", "foreign", "unreferred")
REFERRAL_KINDS = ("own", "foreign", "withdrawn")
# The partner side also sees referrals that ended while the case stays shared (``ended``) and the
# referral of an organisation that was deactivated (``inactive``).
PARTNER_REFERRAL_KINDS = (*REFERRAL_KINDS, "ended", "inactive")
TRANSFER_KINDS = ("own", "foreign", "incoming")


def _case(w, k):
    return w.case[k].pk


def _facility_pk():
    return DetentionFacility.objects.get(name="Prairieland Detention Center").pk


def _later():
    return (timezone.now() + dt.timedelta(days=20)).isoformat()


def _pdf():
    upload = io.BytesIO(valid_pdf_bytes())
    upload.name = "carta.pdf"
    return upload


def _case_action(body=None):
    return Op("case", CASE_KINDS, _case, body or (lambda w, k: {}))


def _proceeding_op(body=None, *, etag=False):
    return Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.proceeding[k].pk,
        body,
        if_match=(lambda w, k: Proceeding.objects.get(pk=w.proceeding[k].pk)) if etag else None,
        more=lambda w, k: {"case_pk": w.case[k].pk},
    )


VISIT_KINDS = ("own", "foreign")


def _visit_op(body=None, *, etag=False):
    return Op(
        "case",
        VISIT_KINDS,
        lambda w, k: w.visit[k].pk,
        body,
        if_match=(lambda w, k: FacilityVisit.objects.get(pk=w.visit[k].pk)) if etag else None,
    )


def _request_op(body=None, *, etag=False):
    return Op(
        "case",
        VISIT_KINDS,
        lambda w, k: w.formal_request[k].pk,
        body,
        if_match=(lambda w, k: FormalRequest.objects.get(pk=w.formal_request[k].pk)) if etag else None,
    )


def _relationship_op(body):
    return Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.relationship[k].pk,
        body,
        if_match=lambda w, k: FamilyRelationship.objects.get(pk=w.relationship[k].pk),
        more=lambda w, k: {"person_pk": w.person[k].pk},
    )


def _checklist_op(body=None, *, etag=False):
    return Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.checklist_item[k].pk,
        body,
        if_match=(lambda w, k: FamilyChecklistItem.objects.get(pk=w.checklist_item[k].pk)) if etag else None,
        more=lambda w, k: {"case_pk": w.case[k].pk},
    )


def _incident_op(body=None, *, etag=False):
    return Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.incident[k].pk,
        body,
        if_match=(lambda w, k: CriticalIncident.objects.get(pk=w.incident[k].pk)) if etag else None,
        more=lambda w, k: {"case_pk": w.case[k].pk},
    )


CHILD_KINDS = ("own", "foreign")  # a child's case of each district (``support_matrix``: ``w.child``)


def _child_case(w, k):
    return w.child[k].case.pk


def _child_op(record: str, body=None, *, etag=False):
    """A row under a child's case: its agency case (``welfare``), a request, an assessment."""
    return Op(
        "case",
        CHILD_KINDS,
        lambda w, k: getattr(w.child[k], record).pk,
        body,
        if_match=(
            lambda w, k: type(getattr(w.child[k], record)).objects.get(pk=getattr(w.child[k], record).pk)
        )
        if etag
        else None,
        more=lambda w, k: {"case_pk": w.child[k].case.pk},
    )


def _partner_op(body=None):
    return Op("referral", PARTNER_REFERRAL_KINDS, lambda w, k: w.referral[k].pk, body)


OPERATIONS: dict[tuple[str, str], Op] = {
    # Reference data
    ("consulate-list", "GET"): Op("reference", (LIST,)),
    ("consulate-detail", "GET"): Op(
        "reference", ("own", "foreign"), lambda w, k: (w.dallas if k == "own" else w.houston).pk
    ),
    ("county-list", "GET"): Op("reference", (LIST,)),
    ("county-detail", "GET"): Op("reference", ("own", "foreign"), lambda w, k: w.county[k].pk),
    ("facility-list", "GET"): Op("reference", (LIST,)),
    ("facility-detail", "GET"): Op("reference", ("own", "foreign"), lambda w, k: w.facility[k].pk),
    ("reception-point-list", "GET"): Op("reference", (LIST,)),
    ("reception-point-detail", "GET"): Op("reference", ("any",), lambda w, k: w.reception_point.pk),
    ("court-list", "GET"): Op("reference", (LIST,)),
    ("court-detail", "GET"): Op("reference", ("any",), lambda w, k: w.court.pk),
    ("consular-post-list", "GET"): Op("reference", (LIST,)),
    ("consular-post-detail", "GET"): Op("reference", ("any",), lambda w, k: w.outside_post.pk),
    ("partner-list", "GET"): Op("reference", (LIST,)),
    ("partner-detail", "GET"): Op(
        "reference", ("own", "foreign"), lambda w, k: (w.partner_a if k == "own" else w.partner_d).pk
    ),
    # Reports: network figures, scoped inside the report to the caller's consulate (no record to own).
    ("report-list", "GET"): Op("report", (LIST,)),
    ("report-detail", "GET"): Op("report", ("any",), lambda w, k: "open_cases", lookup="name"),
    # Persons
    ("person-list", "GET"): Op("case", (LIST,)),
    ("person-list", "POST"): Op(
        "case",
        ("own", "foreign"),
        body=lambda w, k: {
            "given_names": "Juana",
            "paternal_surname": "Matriz",
            "registered_by": (w.dallas if k == "own" else w.houston).pk,
        },
    ),
    ("person-search", "POST"): Op("case", (LIST,), body=lambda w, k: {"limit": 100}),
    ("person-detail", "GET"): Op("case", CASE_KINDS, lambda w, k: w.person[k].pk),
    ("person-detail", "PATCH"): Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.person[k].pk,
        lambda w, k: {"phone": "+1 214 555 0100"},
        if_match=lambda w, k: Person.objects.get(pk=w.person[k].pk),
    ),
    # Cases
    ("case-list", "GET"): Op("case", (LIST,)),
    ("case-list", "POST"): Op(
        "case",
        CASE_KINDS,
        body=lambda w, k: {
            "person": w.person[k].pk,
            "consulate": w.case[k].consulate_id,
            "category": "migratorio",
            "subtype": "detencion_migratoria",
        },
    ),
    ("case-search", "POST"): Op("case", (LIST,), body=lambda w, k: {"limit": 100}),
    ("case-detail", "GET"): Op("case", CASE_KINDS, _case),
    ("case-detail", "PATCH"): Op(
        "case",
        CASE_KINDS,
        _case,
        lambda w, k: {"summary": "Cambiado por la matriz"},
        if_match=lambda w, k: Case.objects.get(pk=w.case[k].pk),
    ),
    ("case-timeline", "GET"): Op("case", CASE_KINDS, _case),
    ("case-assign", "POST"): _case_action(
        lambda w, k: {"assignee": w.users["officer_foreign" if k == "foreign" else "officer_own"].pk}
    ),
    ("case-request-closure", "POST"): _case_action(
        lambda w, k: {"outcome": "resolved", "outcome_notes": "Resuelto"}
    ),
    ("case-approve-closure", "POST"): _case_action(),
    ("case-reject-closure", "POST"): _case_action(lambda w, k: {"reason": "Falta la constancia"}),
    ("case-reopen", "POST"): _case_action(lambda w, k: {"reason": "Nueva detención"}),
    ("case-notes", "POST"): _case_action(lambda w, k: {"kind": "call", "text": "Llamada a la familia"}),
    ("case-removal-warnings", "GET"): Op("case", CASE_KINDS, _case),
    ("case-removal-warnings", "POST"): _case_action(lambda w, k: {"reason": "No hay otro punto posible"}),
    ("case-hearings", "POST"): _case_action(
        lambda w, k: {"kind": "bond", "starts_at": _later(), "location": "Corte de inmigración"}
    ),
    ("case-tasks", "POST"): _case_action(lambda w, k: {"title": "Visitar al connacional"}),
    ("case-custody", "GET"): Op("case", CASE_KINDS, _case),
    ("case-custody", "POST"): _case_action(
        lambda w, k: {
            "facility": _facility_pk(),
            "since": timezone.localdate().isoformat(),
            "source": "ice_locator",
        }
    ),
    ("case-custody-release", "POST"): _case_action(
        lambda w, k: {"on": timezone.localdate().isoformat(), "source": "family"}
    ),
    ("case-custody-verified", "POST"): _case_action(),
    ("case-locate-attempts", "GET"): Op("case", CASE_KINDS, _case),
    ("case-locate-attempts", "POST"): _case_action(
        lambda w, k: {"where": "ice_locator", "result": "not_found", "searched_for": "Número A"}
    ),
    ("case-transfers", "POST"): _case_action(
        lambda w, k: {"to_consulate": w.san_antonio.pk, "reason": "La familia vive en San Antonio"}
    ),
    ("case-consents", "POST"): _case_action(
        lambda w, k: {"partner": w.partner_b.pk, "scope": ["identity"], "method": "verbal"}
    ),
    ("case-referrals", "POST"): _case_action(
        lambda w, k: {"partner": w.consented_partner[k].pk, "service": "shelter"}
    ),
    ("case-handover", "POST"): _case_action(
        lambda w, k: {"post": w.outside_post.pk, "reason": "moved", "method": "email"}
    ),
    # No hand-over in the world: whoever may record a receipt on the case is told so (400).
    ("case-handover-receipt", "POST"): _case_action(
        lambda w, k: {"handover": 0, "acknowledged_by_name": "Lic. Ana Ruiz"}
    ),
    # Proceedings of a case (under /cases/{case_pk}/proceedings/)
    ("case-proceeding-list", "GET"): Op("case", CASE_KINDS, _case, lookup="case_pk"),
    ("case-proceeding-list", "POST"): Op(
        "case",
        CASE_KINDS,
        _case,
        lambda w, k: {"kind": "criminal", "court_name": "Corte penal del condado", "docket_number": "F-1"},
        lookup="case_pk",
    ),
    ("case-proceeding-detail", "GET"): _proceeding_op(),
    ("case-proceeding-detail", "PATCH"): _proceeding_op(lambda w, k: {"notes": "Cambiado"}, etag=True),
    ("case-proceeding-decision", "POST"): _proceeding_op(
        lambda w, k: {"outcome": "relief_granted", "decided_on": timezone.localdate().isoformat()}, etag=True
    ),
    ("case-proceeding-status-set", "POST"): _proceeding_op(lambda w, k: {"status": "on_appeal"}, etag=True),
    ("case-proceeding-deadlines", "POST"): _proceeding_op(
        lambda w, k: {"kind": "filing", "due_on": timezone.localdate().isoformat(), "description": "Escrito"}
    ),
    ("case-proceeding-resolve-deadline", "POST"): _proceeding_op(
        lambda w, k: {"deadline": w.deadline[k].pk, "status": "waived"}
    ),
    # Facility visits and formal requests (decision 0026): own = Dallas's, foreign = Houston's.
    ("visit-list", "GET"): Op("case", (LIST,)),
    ("visit-list", "POST"): Op(
        "case",
        VISIT_KINDS,
        body=lambda w, k: {"facility": w.facility[k].pk, "planned_for": timezone.localdate().isoformat()},
    ),
    ("visit-detail", "GET"): _visit_op(),
    ("visit-detail", "PATCH"): _visit_op(lambda w, k: {"notes": "Llevar formatos"}, etag=True),
    ("visit-interviews", "POST"): _visit_op(
        lambda w, k: {"interviews": [{"case": w.case[k].pk, "seen": True}]}, etag=True
    ),
    ("visit-checklist", "POST"): _visit_op(
        lambda w, k: {"answers": [{"key": "food", "answer": "adequate"}]}, etag=True
    ),
    ("formal-request-list", "GET"): Op("case", (LIST,)),
    ("formal-request-list", "POST"): Op(
        "case",
        VISIT_KINDS,
        body=lambda w, k: {
            "authority_kind": "court",
            "authority_name": "Corte del condado",
            "kind": "custody_records",
            "case": w.case[k].pk,
        },
    ),
    ("formal-request-detail", "GET"): _request_op(),
    ("formal-request-detail", "PATCH"): _request_op(lambda w, k: {"details": "Cambiado"}, etag=True),
    ("formal-request-send", "POST"): _request_op(
        lambda w, k: {"sent_on": timezone.localdate().isoformat()}, etag=True
    ),
    ("formal-request-answer", "POST"): _request_op(
        lambda w, k: {"answered_on": timezone.localdate().isoformat(), "response": "Sí"}, etag=True
    ),
    ("formal-request-withdraw", "POST"): _request_op(lambda w, k: {}, etag=True),
    # Families: a person's relationships (under /persons/{person_pk}/), a case's (its person's) and its
    # family-preparedness checklist, a partner's read through its referral
    ("person-relationship-list", "GET"): Op(
        "case", CASE_KINDS, lambda w, k: w.person[k].pk, lookup="person_pk"
    ),
    ("person-relationship-list", "POST"): Op(
        "case",
        CASE_KINDS,
        lambda w, k: w.person[k].pk,
        lambda w, k: {
            "relative": w.spare_relative[k].pk,
            "kind": "sibling",
            "relative_whereabouts": "mexico",
        },
        lookup="person_pk",
    ),
    ("person-relationship-detail", "PATCH"): _relationship_op(
        lambda w, k: {"relative_whereabouts": "mexico"}
    ),
    ("person-relationship-detail", "DELETE"): _relationship_op(
        lambda w, k: {"reason": "Registrado por error"}
    ),
    ("case-relationship-list", "GET"): Op("case", CASE_KINDS, _case, lookup="case_pk"),
    ("case-family-checklist-list", "GET"): Op("case", CASE_KINDS, _case, lookup="case_pk"),
    ("case-family-checklist-list", "POST"): Op(
        "case",
        CASE_KINDS,
        _case,
        lambda w, k: {"kind": "documents", "document": "passport"},
        lookup="case_pk",
    ),
    ("case-family-checklist-detail", "GET"): _checklist_op(),
    ("case-family-checklist-detail", "PATCH"): _checklist_op(lambda w, k: {"status": "done"}, etag=True),
    ("partner-referral-relationship-list", "GET"): Op(
        "referral", PARTNER_REFERRAL_KINDS, lambda w, k: w.referral[k].pk, lookup="referral_pk"
    ),
    # Critical incidents of a case (under /cases/{case_pk}/incidents/)
    ("case-incident-list", "GET"): Op("case", CASE_KINDS, _case, lookup="case_pk"),
    ("case-incident-list", "POST"): Op(
        "case",
        CASE_KINDS,
        _case,
        lambda w, k: {
            "kind": "medical_emergency",
            "occurred_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
            "facility": _facility_pk(),
            "source": "family",
            "description": "Trasladado al hospital con dolor en el pecho.",
        },
        lookup="case_pk",
    ),
    ("case-incident-detail", "GET"): _incident_op(),
    ("case-incident-close", "POST"): _incident_op(lambda w, k: {"note": "Huelga terminada."}, etag=True),
    # One's notifications (supervisor: the own supervisor's; manager: the manager's)
    ("notification-list", "GET"): Op("notification", (LIST,)),
    ("notification-detail", "GET"): Op(
        "notification", ("supervisor", "manager"), lambda w, k: w.notification[k].pk
    ),
    ("notification-read", "POST"): Op(
        "notification", ("supervisor", "manager"), lambda w, k: w.notification[k].pk, lambda w, k: {}
    ),
    # A child's case (decision 0029): the agency's case, its requests, the child's assessments
    ("case-child-welfare-list", "GET"): Op("case", CHILD_KINDS, _child_case, lookup="case_pk"),
    ("case-child-welfare-list", "POST"): Op(
        "case",
        CHILD_KINDS,
        _child_case,
        lambda w, k: {"agency": w.dfps.pk, "court_cause_number": "DF-26-00001"},
        lookup="case_pk",
    ),
    ("case-child-welfare-detail", "GET"): _child_op("welfare"),
    ("case-child-welfare-detail", "PATCH"): _child_op(
        "welfare", lambda w, k: {"caseworker_name": "Laura Benavides"}, etag=True
    ),
    ("case-agency-request-list", "GET"): Op("case", CHILD_KINDS, _child_case, lookup="case_pk"),
    ("case-agency-request-list", "POST"): Op(
        "case",
        CHILD_KINDS,
        _child_case,
        lambda w, k: {"kind": "birth_certificates", "due_date": timezone.localdate().isoformat()},
        lookup="case_pk",
    ),
    ("case-agency-request-detail", "GET"): _child_op("request"),
    ("case-agency-request-detail", "PATCH"): _child_op(
        "request", lambda w, k: {"status": "in_progress"}, etag=True
    ),
    ("case-child-assessment-list", "GET"): Op("case", CHILD_KINDS, _child_case, lookup="case_pk"),
    ("case-child-assessment-list", "POST"): Op(
        "case",
        CHILD_KINDS,
        _child_case,
        lambda w, k: {"situation": "unaccompanied", "age_basis": "statement", "fears_return": "no"},
        lookup="case_pk",
    ),
    ("case-child-assessment-detail", "GET"): _child_op("assessment"),
    # Transfers
    ("transfer-list", "GET"): Op("transfer", (LIST,)),
    ("transfer-detail", "GET"): Op("transfer", TRANSFER_KINDS, lambda w, k: w.transfer[k].pk),
    ("transfer-accept", "POST"): Op(
        "transfer", TRANSFER_KINDS, lambda w, k: w.transfer[k].pk, lambda w, k: {"note": "Bienvenido"}
    ),
    ("transfer-reject", "POST"): Op(
        "transfer", TRANSFER_KINDS, lambda w, k: w.transfer[k].pk, lambda w, k: {"reason": "No es nuestro"}
    ),
    ("transfer-cancel", "POST"): Op(
        "transfer", TRANSFER_KINDS, lambda w, k: w.transfer[k].pk, lambda w, k: {}
    ),
    # Referrals, staff side
    ("referral-list", "GET"): Op("referral", (LIST,)),
    ("referral-detail", "GET"): Op("referral", REFERRAL_KINDS, lambda w, k: w.referral[k].pk),
    ("referral-withdraw", "POST"): Op(
        "referral", REFERRAL_KINDS, lambda w, k: w.referral[k].pk, lambda w, k: {"reason": "Ya no hace falta"}
    ),
    # Consents
    ("consent-list", "GET"): Op("consent", (LIST,)),
    ("consent-detail", "GET"): Op("consent", CASE_KINDS, lambda w, k: w.consent[k].pk),
    ("consent-withdraw", "POST"): Op("consent", CASE_KINDS, lambda w, k: w.consent[k].pk, lambda w, k: {}),
    # Tasks
    ("task-list", "GET"): Op("case", (LIST,)),
    ("task-detail", "GET"): Op("case", CASE_KINDS, lambda w, k: w.task[k].pk),
    ("task-complete", "POST"): Op("case", CASE_KINDS, lambda w, k: w.task[k].pk, lambda w, k: {}),
    # Referrals, partner side
    ("partner-referral-list", "GET"): Op("referral", (LIST,)),
    ("partner-referral-detail", "GET"): _partner_op(),
    ("partner-referral-timeline", "GET"): _partner_op(),
    ("partner-referral-accept", "POST"): _partner_op(lambda w, k: {}),
    ("partner-referral-decline", "POST"): _partner_op(lambda w, k: {"reason": "Sin cupo"}),
    ("partner-referral-start", "POST"): _partner_op(lambda w, k: {"note": "Empezamos"}),
    ("partner-referral-complete", "POST"): _partner_op(lambda w, k: {"outcome_note": "Listo"}),
    ("partner-referral-notes", "POST"): _partner_op(lambda w, k: {"text": "Cita el lunes"}),
    ("partner-webhook-secret", "POST"): Op("partner-self", (LIST,), body=lambda w, k: {}),
    ("partner-referral-documents", "GET"): _partner_op(),
    ("partner-referral-document", "GET"): Op(
        "referral",
        PARTNER_REFERRAL_KINDS,
        lambda w, k: w.referral[k].pk,
        more=lambda w, k: {"document_id": w.document[k].pk},
    ),
    # Inquiries, partner side (own: sent by partner A, whose user is partner_referred; foreign: partner B's)
    ("partner-inquiry-list", "GET"): Op("inquiry", (LIST,)),
    ("partner-inquiry-list", "POST"): Op(
        "inquiry",
        (LIST,),
        body=lambda w, k: {
            "consulate": w.dallas.pk,
            "sharing_basis": "Consentimiento",
            "sought_paternal_surname": "Pérez",
        },
    ),
    ("partner-inquiry-detail", "GET"): Op("inquiry", ("own", "foreign"), lambda w, k: w.inquiry[k].pk),
    ("partner-referral-documents", "POST"): Op(
        "referral",
        PARTNER_REFERRAL_KINDS,
        lambda w, k: w.referral[k].pk,
        lambda w, k: {"file": _pdf(), "kind": "correspondence", "description": "Carta"},
        multipart=True,
    ),
}

# ------------------------------------------------------------------------------------------------
# Expectations


def row(kinds: tuple[str, ...], **by_role: str) -> dict[str, dict[str, str]]:
    """``role="2xx 404 2xx"`` (one code per record kind, in ``kinds`` order) or one code for all."""
    table = {}
    for role in ROLES:
        codes = by_role[role].split()
        if len(codes) == 1:
            codes = codes * len(kinds)
        assert len(codes) == len(kinds), (role, kinds, codes)
        table[role] = dict(zip(kinds, codes, strict=True))
    return table


# Who reads a consulate's records: its own staff and the network-wide roles; partners use /partner/.
PARTNERS_REFUSED = {role: "403" for role in PARTNER_ROLES}
STAFF_REFUSED = {role: "403" for role in STAFF_ROLES}
# Auditors: the reference data of the network (no personal data) and nothing of the cases, reports or
# partner side; their door is the audit pages of the staff UI.
AUDITORS_REFUSED = {role: "403" for role in AUDITOR_ROLES}
PUBLIC = {"anonymous": "401", **{role: "2xx" for role in (*STAFF_ROLES, *AUDITOR_ROLES, *PARTNER_ROLES)}}
STAFF_LIST = {
    "anonymous": "401",
    **{role: "2xx" for role in STAFF_ROLES},
    **AUDITORS_REFUSED,
    **PARTNERS_REFUSED,
}
READ = {
    "anonymous": "401",
    "officer_own": "2xx 404 2xx",
    "officer_foreign": "404 2xx 404",
    "supervisor_own": "2xx 404 2xx",
    "manager": "2xx",
    "administrator": "2xx",
    **AUDITORS_REFUSED,
    **PARTNERS_REFUSED,
}
# Case work: officers and supervisors of the record's consulate, and administrators; managers only read.
WORK = {**READ, "manager": "403"}
CHILD_READ = {
    "anonymous": "401",
    "officer_own": "2xx 404",
    "officer_foreign": "404 2xx",
    "supervisor_own": "2xx 404",
    "manager": "2xx",
    "administrator": "2xx",
    **AUDITORS_REFUSED,
    **PARTNERS_REFUSED,
}
CHILD_WORK = {**CHILD_READ, "manager": "403"}
# Work refused by the record's state (nothing to reopen): permitted callers get 409, never 2xx.
WORK_STATE_REFUSED = {
    **WORK,
    "officer_own": "409 404 409",
    "officer_foreign": "404 409 404",
    "supervisor_own": "409 404 409",
    "administrator": "409",
}
# Closure decisions: a supervisor of the case's consulate (no closure is pending here: 409).
SUPERVISE_CLOSURE = {
    **WORK,
    "officer_own": "403 404 403",
    "officer_foreign": "404 403 404",
    "supervisor_own": "409 404 409",
    "administrator": "409",
}
# Opening a case for the person of an own/foreign/unreferred case, in that case's consulate: a person
# another consulate registered is not even offered (400), whatever the consulate named.
OPEN_CASE = {
    **WORK,
    "officer_own": "2xx 400 2xx",
    "officer_foreign": "400 2xx 400",
    "supervisor_own": "2xx 400 2xx",
}
# Registering a person for the own/foreign consulate.
REGISTER = {
    **WORK,
    "officer_own": "2xx 403",
    "officer_foreign": "403 2xx",
    "supervisor_own": "2xx 403",
    "manager": "403",
    "administrator": "2xx",
}
# A hand-over to a consulate outside the network: a supervisor of the case's consulate (and
# administrators); officers are refused (403), like closure decisions.
HANDOVER = {
    **WORK,
    "officer_own": "403 404 403",
    "officer_foreign": "404 403 404",
    "supervisor_own": "2xx 404 2xx",
    "administrator": "2xx",
}
# Its receipt: whoever works the case (none exists in the world: 400 once permitted).
HANDOVER_RECEIPT = {
    **WORK,
    "officer_own": "400 404 400",
    "officer_foreign": "404 400 404",
    "supervisor_own": "400 404 400",
    "administrator": "400",
}
# A notification is its recipient's alone (another's is not there: 404); auditors and partners have none.
NOTIFICATION_READ = {
    "anonymous": "401",
    "officer_own": "404",
    "officer_foreign": "404",
    "supervisor_own": "2xx 404",
    "manager": "404 2xx",
    "administrator": "404",
    **AUDITORS_REFUSED,
    **PARTNERS_REFUSED,
}
# Transfers (own: Dallas -> El Paso; foreign: Houston -> El Paso; incoming: El Paso -> Dallas).
TRANSFER_DECIDE = {
    **WORK,
    "officer_own": "403 404 403",
    "officer_foreign": "404 403 404",
    "supervisor_own": "403 404 2xx",
    "administrator": "2xx",
}
TRANSFER_CANCEL = {**WORK, "officer_own": "2xx 404 403", "supervisor_own": "2xx 404 403"}
REFERRAL_WITHDRAW = {
    **WORK,
    "officer_own": "2xx 404 409",
    "supervisor_own": "2xx 404 409",
    "administrator": "2xx 2xx 409",
}
# The partner side (own: accepted referral to partner A; foreign: partner D's; withdrawn: partner C's,
# ended with its consent; ended: partner A's withdrawn referral of a case referred to A again; inactive:
# partner F's accepted referral, F since deactivated). A partner reads its own referral rows, ended ones
# too (without case data); a deactivated organisation gets nothing at all, whatever its token.
PARTNER_READ = {
    "anonymous": "401",
    **STAFF_REFUSED,
    **AUDITORS_REFUSED,
    "partner_referred": "2xx 404 404 2xx 404",
    "partner_other": "404",
    "partner_withdrawn": "404 404 2xx 404 404",
    "partner_inactive": "403",
}
PARTNER_LIST = {
    "anonymous": "401",
    **STAFF_REFUSED,
    **AUDITORS_REFUSED,
    **{role: "2xx" for role in PARTNER_ROLES},
    "partner_inactive": "403",
}
# An ended referral refuses work (409), even while its case is shared with the partner through another.
PARTNER_WORK = {
    **PARTNER_READ,
    "partner_referred": "2xx 404 404 409 404",
    "partner_withdrawn": "404 404 409 404 404",
}
PARTNER_ANSWER = {**PARTNER_WORK, "partner_referred": "409 404 404 409 404"}  # already accepted
PARTNER_UPLOAD = PARTNER_WORK
# A document of the case, through the referral: only while that referral is active (not the ended one,
# even though the same case is shared with the partner through another).
PARTNER_DOWNLOAD = {
    **PARTNER_READ,
    "partner_referred": "2xx 404 404 404 404",
    "partner_withdrawn": "404",
}

# A partner reads the inquiries its organisation sent, nobody else's; staff use the staff pages.
PARTNER_INQUIRY_READ = {
    "anonymous": "401",
    **STAFF_REFUSED,
    **AUDITORS_REFUSED,
    "partner_referred": "2xx 404",
    "partner_other": "404 2xx",
    "partner_withdrawn": "404",
    "partner_inactive": "403",
}

# Visits and formal requests (own: Dallas's, foreign: Houston's): their consulate's staff read them and
# network-wide roles; its workers and administrators change them; managers read.
VISIT_READ = {
    "anonymous": "401",
    "officer_own": "2xx 404",
    "officer_foreign": "404 2xx",
    "supervisor_own": "2xx 404",
    "manager": "2xx",
    "administrator": "2xx",
    **AUDITORS_REFUSED,
    **PARTNERS_REFUSED,
}
VISIT_WORK = {**VISIT_READ, "manager": "403"}
# Planning at a facility of another consulate's district is refused (403): the policy's ``visit.plan``.
VISIT_PLAN = {
    **VISIT_WORK,
    "officer_own": "2xx 403",
    "officer_foreign": "403 2xx",
    "supervisor_own": "2xx 403",
}
# The world's cases are held nowhere: no one is on a visit's list (400 for whoever may record it).
VISIT_INTERVIEWS = {
    **VISIT_WORK,
    "officer_own": "400 404",
    "officer_foreign": "404 400",
    "supervisor_own": "400 404",
    "administrator": "400",
}
# A request on a case the caller does not see: the case is refused as input (400); managers read only.
REQUEST_CREATE = {
    **VISIT_WORK,
    "officer_own": "2xx 400",
    "officer_foreign": "400 2xx",
    "supervisor_own": "2xx 400",
}
# The world's requests are drafts: answering one is refused by its state (409).
REQUEST_ANSWER = {
    **VISIT_WORK,
    "officer_own": "409 404",
    "officer_foreign": "404 409",
    "supervisor_own": "409 404",
    "administrator": "409",
}

PATTERNS: dict[tuple[str, str], dict[str, str]] = {
    ("visit-list", "GET"): STAFF_LIST,
    ("visit-list", "POST"): VISIT_PLAN,
    ("visit-detail", "GET"): VISIT_READ,
    ("visit-detail", "PATCH"): VISIT_WORK,
    ("visit-interviews", "POST"): VISIT_INTERVIEWS,
    ("visit-checklist", "POST"): VISIT_WORK,
    ("formal-request-list", "GET"): STAFF_LIST,
    ("formal-request-list", "POST"): REQUEST_CREATE,
    ("formal-request-detail", "GET"): VISIT_READ,
    ("formal-request-detail", "PATCH"): VISIT_WORK,
    ("formal-request-send", "POST"): VISIT_WORK,
    ("formal-request-answer", "POST"): REQUEST_ANSWER,
    ("formal-request-withdraw", "POST"): VISIT_WORK,
    ("partner-inquiry-list", "GET"): PARTNER_LIST,
    ("partner-inquiry-list", "POST"): PARTNER_LIST,
    ("partner-inquiry-detail", "GET"): PARTNER_INQUIRY_READ,
    ("consulate-list", "GET"): PUBLIC,
    ("consulate-detail", "GET"): PUBLIC,
    ("county-list", "GET"): PUBLIC,
    ("county-detail", "GET"): PUBLIC,
    ("facility-list", "GET"): PUBLIC,
    ("facility-detail", "GET"): PUBLIC,
    ("reception-point-list", "GET"): PUBLIC,
    ("reception-point-detail", "GET"): PUBLIC,
    ("court-list", "GET"): PUBLIC,
    ("court-detail", "GET"): PUBLIC,
    ("consular-post-list", "GET"): PUBLIC,
    ("consular-post-detail", "GET"): PUBLIC,
    ("partner-list", "GET"): PUBLIC,
    ("partner-detail", "GET"): PUBLIC,
    ("report-list", "GET"): STAFF_LIST,
    ("report-detail", "GET"): STAFF_LIST,
    ("person-list", "GET"): STAFF_LIST,
    ("person-list", "POST"): REGISTER,
    ("person-search", "POST"): STAFF_LIST,
    ("person-detail", "GET"): READ,
    ("person-detail", "PATCH"): WORK,
    ("case-list", "GET"): STAFF_LIST,
    ("case-list", "POST"): OPEN_CASE,
    ("case-search", "POST"): STAFF_LIST,
    ("case-detail", "GET"): READ,
    ("case-detail", "PATCH"): WORK,
    ("case-timeline", "GET"): READ,
    ("case-assign", "POST"): WORK,
    ("case-request-closure", "POST"): WORK,
    ("case-approve-closure", "POST"): SUPERVISE_CLOSURE,
    ("case-reject-closure", "POST"): SUPERVISE_CLOSURE,
    ("case-reopen", "POST"): WORK_STATE_REFUSED,
    ("case-notes", "POST"): WORK,
    ("case-removal-warnings", "GET"): READ,
    ("case-removal-warnings", "POST"): WORK,
    ("case-hearings", "POST"): WORK,
    ("case-tasks", "POST"): WORK,
    ("case-custody", "GET"): READ,
    ("case-custody", "POST"): WORK,
    # The world's cases show no custody: nothing to release or to verify (409 for whoever may work).
    ("case-custody-release", "POST"): WORK_STATE_REFUSED,
    ("case-custody-verified", "POST"): WORK_STATE_REFUSED,
    ("case-locate-attempts", "GET"): READ,
    ("case-locate-attempts", "POST"): WORK,
    ("case-transfers", "POST"): WORK,
    ("case-consents", "POST"): WORK,
    ("case-referrals", "POST"): WORK,
    ("case-handover", "POST"): HANDOVER,
    ("case-handover-receipt", "POST"): HANDOVER_RECEIPT,
    **{
        (name, method): READ if method == "GET" else WORK
        for name, method in OPERATIONS
        if name.startswith("case-proceeding-")
    },
    ("person-relationship-list", "GET"): READ,
    ("person-relationship-list", "POST"): WORK,
    ("person-relationship-detail", "PATCH"): WORK,
    ("person-relationship-detail", "DELETE"): WORK,
    ("case-relationship-list", "GET"): READ,
    ("case-family-checklist-list", "GET"): READ,
    ("case-family-checklist-list", "POST"): WORK,
    ("case-family-checklist-detail", "GET"): READ,
    ("case-family-checklist-detail", "PATCH"): WORK,
    # The relationships of a referred case's person: through an active referral whose consent covers the
    # family (the own case's, with every category), never an ended one's.
    ("partner-referral-relationship-list", "GET"): PARTNER_DOWNLOAD,
    ("case-incident-list", "GET"): READ,
    ("case-incident-list", "POST"): WORK,
    ("case-incident-detail", "GET"): READ,
    # Closing an incident: a supervisor of the case's consulate (and administrators), as a hand-over.
    ("case-incident-close", "POST"): HANDOVER,
    ("notification-list", "GET"): STAFF_LIST,
    ("notification-detail", "GET"): NOTIFICATION_READ,
    ("notification-read", "POST"): NOTIFICATION_READ,
    # A child's case: read by its consulate's staff and the network-wide roles, written by its consulate's
    # workers and administrators (``child.record``); never a partner's.
    **{
        (name, method): CHILD_READ if method == "GET" else CHILD_WORK
        for name, method in OPERATIONS
        if name.startswith(("case-child-", "case-agency-request-"))
    },
    ("transfer-list", "GET"): STAFF_LIST,
    ("transfer-detail", "GET"): READ,
    ("transfer-accept", "POST"): TRANSFER_DECIDE,
    ("transfer-reject", "POST"): TRANSFER_DECIDE,
    ("transfer-cancel", "POST"): TRANSFER_CANCEL,
    ("referral-list", "GET"): STAFF_LIST,
    ("referral-detail", "GET"): READ,
    ("referral-withdraw", "POST"): REFERRAL_WITHDRAW,
    ("consent-list", "GET"): STAFF_LIST,
    ("consent-detail", "GET"): READ,
    ("consent-withdraw", "POST"): WORK,
    ("task-list", "GET"): STAFF_LIST,
    ("task-detail", "GET"): READ,
    ("task-complete", "POST"): WORK,
    ("partner-referral-list", "GET"): PARTNER_LIST,
    ("partner-referral-detail", "GET"): PARTNER_READ,
    ("partner-referral-timeline", "GET"): PARTNER_READ,
    ("partner-referral-accept", "POST"): PARTNER_ANSWER,
    ("partner-referral-decline", "POST"): PARTNER_ANSWER,
    ("partner-referral-start", "POST"): PARTNER_WORK,
    ("partner-referral-complete", "POST"): PARTNER_WORK,
    ("partner-referral-notes", "POST"): PARTNER_WORK,
    ("partner-referral-documents", "POST"): PARTNER_UPLOAD,
    # Its documents: listed on every referral row it reads (empty once ended), downloaded through an
    # active referral only.
    ("partner-webhook-secret", "POST"): PARTNER_LIST,  # each organisation its own secret
    ("partner-referral-documents", "GET"): PARTNER_READ,
    ("partner-referral-document", "GET"): PARTNER_DOWNLOAD,
}

EXPECTATIONS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    key: row(OPERATIONS[key].kinds if key in OPERATIONS else (LIST,), **pattern)
    for key, pattern in PATTERNS.items()
}

# ------------------------------------------------------------------------------------------------
# Tenancy: which record kinds belong to a role's tenant (consulate, or partner) -- used to prove that
# no request ever succeeds on another tenant's record, whatever the table says.

OWNED: dict[str, dict[str, set[str]]] = {
    "anonymous": {},
    "officer_own": {
        f: {"own", "unreferred", "withdrawn", "incoming"} for f in ("case", "consent", "referral", "transfer")
    },
    "supervisor_own": {
        **{
            f: {"own", "unreferred", "withdrawn", "incoming"}
            for f in ("case", "consent", "referral", "transfer")
        },
        "notification": {"supervisor"},
    },
    "officer_foreign": {f: {"foreign"} for f in ("case", "consent", "referral", "transfer")},
    "manager": {
        **{
            f: {"own", "foreign", "unreferred", "withdrawn", "incoming"}
            for f in ("case", "consent", "referral", "transfer")
        },
        "notification": {"manager"},
    },
    "administrator": {
        f: {"own", "foreign", "unreferred", "withdrawn", "incoming"}
        for f in ("case", "consent", "referral", "transfer")
    },
    "auditor": {},
    "partner_referred": {"referral": {"own", "ended"}, "inquiry": {"own"}},
    "partner_other": {"inquiry": {"foreign"}},
    "partner_withdrawn": {"referral": {"withdrawn"}},
    "partner_inactive": {},  # a deactivated organisation owns nothing any more
}


def is_cross_tenant(role: str, family: str, kind: str) -> bool:
    if family in ("reference", "report") or kind == LIST:
        # Reference data is public to every caller; reports are scoped to the caller inside (see
        # tests/cases/reports/test_scoping.py); lists are checked item by item.
        return False
    return kind not in OWNED[role].get(family, set())


# ------------------------------------------------------------------------------------------------
# Running a cell

DUMP = os.environ.get("PERMISSION_MATRIX_DUMP")  # write the observed table (to draft new rows)
RESULTS: list[tuple[str, str, str, str, int]] = []  # (name, method, role, kind, status)


@pytest.fixture(autouse=True)
def api_media_root(settings, module_world):
    """The world's documents are stored once, for the module: downloads read them there."""
    settings.MEDIA_ROOT = module_world.media_root
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # Rate limits are tested in test_throttling; ~1500 calls here must not trip them.
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])


def call(world, name: str, method: str, role: str, kind: str):
    op = OPERATIONS[(name, method)]
    kwargs = {"version": "v1"}
    if op.target is not None:
        kwargs[op.lookup] = op.target(world, kind)
    if op.more is not None:
        kwargs.update(op.more(world, kind))
    url = reverse(f"v1:{name}", kwargs=kwargs)
    client = client_for(world, role)
    headers = {}
    if op.if_match is not None:
        headers["If-Match"] = etag_for(op.if_match(world, kind))
    if method == "GET":
        return client.get(url, {"limit": 100} if op.target is None else None, headers=headers)
    data = op.body(world, kind) if op.body else {}
    fmt = "multipart" if op.multipart else "json"
    return getattr(client, method.lower())(url, data, format=fmt, headers=headers)


def _matches(expected: str, status: int) -> bool:
    return 200 <= status < 300 if expected == "2xx" else status == int(expected)


def _cells():
    for (name, method), op in sorted(OPERATIONS.items()):
        for role in ROLES:
            for kind in op.kinds:
                yield pytest.param(name, method, role, kind, id=f"{name}:{method}:{role}:{kind}")


# ------------------------------------------------------------------------------------------------
# Tests


def test_every_route_is_in_the_matrix():
    """A new route (or method) must get a row; a removed one must lose it."""
    resolved = resolved_operations()
    assert resolved, "no /api/v1/ routes resolved"
    missing = sorted(resolved - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - resolved)
    assert not missing, f"routes missing from EXPECTATIONS: {missing}"
    assert not stale, f"EXPECTATIONS rows for routes that no longer exist: {stale}"
    assert set(OPERATIONS) == set(EXPECTATIONS)


def test_every_row_covers_every_role_and_record_kind():
    for key, table in EXPECTATIONS.items():
        assert set(table) == set(ROLES), key
        for role, cells in table.items():
            assert set(cells) == set(OPERATIONS[key].kinds), (key, role)
            assert all(code == "2xx" or code.isdigit() for code in cells.values()), (key, role)


def test_the_table_grants_no_cross_tenant_success():
    granted = [
        (key, role, kind)
        for key, table in EXPECTATIONS.items()
        for role, cells in table.items()
        for kind, code in cells.items()
        if code == "2xx" and is_cross_tenant(role, OPERATIONS[key].family, kind)
    ]
    assert granted == []


def test_anonymous_callers_get_401_everywhere():
    assert {code for table in EXPECTATIONS.values() for code in table["anonymous"].values()} == {"401"}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "kind"), list(_cells()))
def test_cell(module_world, name, method, role, kind):
    op = OPERATIONS[(name, method)]
    before = fingerprint() if method != "GET" else None
    response = call(module_world, name, method, role, kind)
    status = response.status_code
    RESULTS.append((name, method, role, kind, status))
    if DUMP:
        with open(DUMP, "a") as out:
            out.write(f"{name}\t{method}\t{role}\t{kind}\t{status}\n")
        return

    assert status < 500, response.content
    assert not (200 <= status < 300 and is_cross_tenant(role, op.family, kind)), (
        f"cross-tenant success: {role} got {status} on the {kind} record of {name} {method}"
    )
    expected = EXPECTATIONS[(name, method)][role][kind]
    assert _matches(expected, status), (
        f"{role} {method} {name} ({kind}): expected {expected}, got {status}: {response.content[:300]}"
    )
    if status >= 300:
        body = response.json()
        assert set(body) >= {"type", "code", "title", "status", "detail", "errors"}, body
        assert body["status"] == status
        assert body["code"], body
        assert body["code"] == body["type"], body
        if status == 409:
            assert body["code"] in CONFLICT_CODES, body
        if before is not None:
            assert fingerprint() == before, f"refused {method} {name} by {role} changed the database"
    is_list = (method == "GET" and name.endswith("-list")) or name.endswith("-search")
    if op.target is None and is_list and 200 <= status < 300:
        _check_list_contents(module_world, name, role, response.json())


def _check_list_contents(world, name: str, role: str, body):
    """A list shows exactly the records whose detail the role may read: never another tenant's."""
    detail = name.replace("-list", "-detail").replace("-search", "-detail")
    op = OPERATIONS[(detail, "GET")]
    if op.family in ("reference", "report"):
        return
    listed = {item["id"] for item in body["results"]}
    for kind in op.kinds:
        pk = op.target(world, kind)
        visible = _matches(EXPECTATIONS[(detail, "GET")][role][kind], 200)
        assert (pk in listed) == visible, f"{name} for {role}: the {kind} record listed={pk in listed}"
        if pk in listed:
            assert not is_cross_tenant(role, op.family, kind), (
                f"{name} lists another tenant's record to {role}"
            )


def test_zero_cross_tenant_successes():
    """Over every cell that ran in this session: no 2xx for another tenant's record."""
    if not RESULTS:
        pytest.skip("no matrix cell ran")
    forbidden = [
        result
        for result in RESULTS
        if 200 <= result[4] < 300 and is_cross_tenant(result[2], OPERATIONS[result[:2]].family, result[3])
    ]
    assert len(forbidden) == 0, forbidden
    partner_or_foreign = [r for r in RESULTS if r[2] in (*PARTNER_ROLES, "officer_foreign")]
    assert partner_or_foreign, "the matrix ran no partner or foreign-consulate request"


@pytest.mark.django_db
def test_a_partner_sees_case_data_only_while_referred_and_consented(module_world):
    """The row of an ended referral stays readable to its partner, without any of the case's data."""
    w = module_world
    own = client_for(w, "partner_referred").get(
        reverse("v1:partner-referral-detail", kwargs={"version": "v1", "pk": w.referral["own"].pk})
    )
    assert own.status_code == 200
    assert own.json()["case"]["id"] == w.case["own"].pk
    assert own.json()["case"]["identity"]["curp"] == w.person["own"].curp

    client = client_for(w, "partner_withdrawn")
    pk = w.referral["withdrawn"].pk
    ended = client.get(reverse("v1:partner-referral-detail", kwargs={"version": "v1", "pk": pk}))
    assert ended.status_code == 200
    assert ended.json()["status"] == "withdrawn"
    assert ended.json()["case"] is None
    timeline = client.get(reverse("v1:partner-referral-timeline", kwargs={"version": "v1", "pk": pk}))
    assert timeline.status_code == 200
    assert timeline.json()["results"] == []
    listed = client.get(reverse("v1:partner-referral-list", kwargs={"version": "v1"})).json()["results"]
    assert [(item["id"], item["case"]) for item in listed] == [(pk, None)]


def test_the_auditor_gets_no_case_data_through_the_api():
    """Auditors read the audit trail in the staff UI; through the API only the network's reference data
    (no personal data), and a refusal on every route of persons, cases, reports and partners."""
    for key, table in EXPECTATIONS.items():
        codes = set(table["auditor"].values())
        if OPERATIONS[key].family == "reference":
            assert codes == {"2xx"}, key
        else:
            assert codes == {"403"}, key


def test_a_deactivated_partner_is_refused_on_every_partner_and_staff_route():
    """Whatever its token: only the network's public reference data answers (no personal data)."""
    for key, table in EXPECTATIONS.items():
        codes = set(table["partner_inactive"].values())
        if OPERATIONS[key].family == "reference":
            assert codes == {"2xx"}, key
        else:
            assert codes <= {"403", "404"}, key


@pytest.mark.django_db
def test_an_ended_referral_shows_neither_the_consulates_notes_nor_a_timeline(module_world):
    """The case is still shared with partner A through a new referral, but the ended one is only a row:
    no notes, no case, no timeline; the new referral's timeline holds its own entries only."""
    w = module_world
    client = client_for(w, "partner_referred")

    def get(name, referral):
        return client.get(reverse(f"v1:{name}", kwargs={"version": "v1", "pk": referral.pk}))

    ended = get("partner-referral-detail", w.referral["ended"])
    assert ended.status_code == 200
    body = ended.json()
    assert (body["status"], body["request_note"], body["outcome_note"], body["case"]) == (
        "withdrawn",
        "",
        "",
        None,
    )
    assert get("partner-referral-timeline", w.referral["ended"]).json()["results"] == []

    again = get("partner-referral-detail", w.referral["again"]).json()
    assert again["request_note"] == "Segunda vez"
    assert again["case"]["id"] == w.case_referred_again.pk
    entries = get("partner-referral-timeline", w.referral["again"]).json()["results"]
    assert entries, "the active referral's timeline shows its own entries"
    referral_entries = [e for e in entries if e["payload"].get("referral_id") is not None]
    assert {e["payload"]["referral_id"] for e in referral_entries} == {w.referral["again"].pk}
    assert "Primera cita con la familia" not in str(entries)
