"""Idempotent replays in the permission matrix: a replay never returns what the caller may no longer see.

The routes are every POST of ``/api/v1/`` whose view takes ``Idempotency-Key`` (``IdempotentPostMixin``,
read-only searches aside), found through the URL resolver: a new route joins the matrix by itself and
fails ``test_every_keyed_route_has_a_scenario`` until it gets one. Each cell makes the first request
with a key, takes the caller's sight of the record away, and replays the key. The replay must answer what
a fresh read answers now: the same resource as the detail (or timeline) read, or 404 in the API's error
shape where that read finds nothing; and it may hold none of the person's identifiers.

Ways to lose sight: the officer moved to another consulate, the case transferred to another consulate,
the person's consent withdrawn, the referral withdrawn.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from django.utils import timezone
from PIL import Image
from rest_framework.views import APIView

from api.conditional import etag_for
from api.idempotency import IdempotentPostMixin
from cases import services
from cases.models import Case, Consent, Referral, Transfer
from consulates.access import forget_access
from consulates.models import DetentionFacility, PartnerService, StaffMembership
from tests import factories as f
from tests.api.support_matrix import _walk, client_for, module_world
from tests.factories.crossoffice import make_referral

__all__ = ["module_world"]


def keyed_post_routes() -> set[str]:
    """Route names of ``v1`` whose POST stores an idempotent answer."""
    names = set()
    for namespace, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if namespace != "v1" or view_class is None or not issubclass(view_class, IdempotentPostMixin):
            continue
        actions = getattr(pattern.callback, "actions", None) or {}
        action = actions.get("post") or ("post" if not actions and hasattr(view_class, "post") else None)
        if action and action not in view_class.read_only_post_actions:
            names.add(pattern.name)
    return names


# ------------------------------------------------------------------------------------------------
# Scenarios: who posts what, how they lose sight of it, and how they would read it now


@dataclass(frozen=True)
class Scenario:
    role: str
    target: Callable | None  # (world, ctx) -> pk of the URL; None for a create on a list route
    body: Callable  # (world, ctx) -> request data
    losses: tuple[str, ...]
    # (world, ctx, first answer) -> (path of a fresh read, how to pick the resource out of it); None: 404
    read: Callable | None = None
    setup: Callable = field(default=lambda w: {})  # (world) -> ctx, the state the first request needs
    case: Callable = field(default=lambda w, ctx, first: w.case["unreferred"])  # whose data is at stake
    multipart: bool = False
    url: Callable = field(default=lambda w, ctx: {})  # (world, ctx) -> other URL kwargs (a nested route's)
    if_match: Callable | None = None  # (world, ctx) -> the object whose ETag the write must name


def _later():
    return (timezone.now() + dt.timedelta(days=20)).isoformat()


def _detail(prefix: str, id_from: Callable = lambda w, ctx, first: first["id"]):
    return lambda w, ctx, first: (f"/api/v1/{prefix}/{id_from(w, ctx, first)}/", lambda body: body)


def _in_timeline(prefix: str, pk: Callable):
    def read(w, ctx, first):
        def pick(body):
            return next((row for row in body["results"] if row["id"] == first["id"]), None)

        return f"/api/v1/{prefix}/{pk(w, ctx)}/timeline/?limit=100", pick

    return read


def _unreferred(w, ctx, first=None):
    return w.case["unreferred"].pk


def _pending_closure(w):
    case = w.case["unreferred"]
    officer = w.users["officer_own"]
    services.case_update(actor=officer, case=case, priority="urgent")
    services.case_close_request(actor=officer, case=case, outcome="resolved")
    return {}


def _closed(w):
    services.case_close_request(actor=w.users["officer_own"], case=w.case["unreferred"], outcome="resolved")
    return {}


def _prairieland():
    return DetentionFacility.objects.get(name="Prairieland Detention Center")


def _in_custody(w):
    services.case_update(actor=w.users["officer_own"], case=w.case["unreferred"], facility=_prairieland())
    return {}


def _pending_referral_to_a(w):
    case = f.make_case(w.users["officer_own"])
    return {
        "referral": make_referral(w.users["officer_own"], case, w.partner_a, service=PartnerService.LEGAL)
    }


def _started(w):
    services.referral_start(actor=w.users["partner_referred"], referral=w.referral["own"])
    return {}


def _own_referral(w, ctx):
    return ctx["referral"].pk if "referral" in ctx else w.referral["own"].pk


def _referral_case(w, ctx, first):
    return ctx["referral"].case if "referral" in ctx else w.case["own"]


def _handover_in_case(w, ctx, first):
    def pick(body):
        return next((row for row in body.get("handovers", []) if row["id"] == first["id"]), None)

    return f"/api/v1/cases/{w.case['unreferred'].pk}/", pick


def _handed_over(w):
    case = w.case["unreferred"]
    handover = services.handover_record(
        actor=f.supervisor(case.consulate.slug),
        case=case,
        post=w.outside_post,
        reason="moved",
        method="email",
    )
    return {"handover": handover}


BOTH = ("officer_moved", "case_transferred")
PARTNER = ("consent_withdrawn", "referral_withdrawn")


def _case_pk(w, ctx):
    return {"case_pk": w.case["unreferred"].pk}


def _proceeding_detail(w, ctx, first):
    path = f"/api/v1/cases/{w.case['unreferred'].pk}/proceedings/{first['id']}/"
    return path, lambda body: body


def _relationship_in_list(w, ctx, first):
    def pick(body):
        return next((row for row in body if row["id"] == first["id"]), None)

    return f"/api/v1/persons/{w.person['unreferred'].pk}/relationships/", pick


def _pending_proceeding(w):
    case = w.case["unreferred"]
    return {"proceeding": services.proceeding_open(actor=w.users["officer_own"], case=case, kind="removal")}


def _decided_proceeding(w):
    ctx = _pending_proceeding(w)
    services.proceeding_decide(
        actor=w.users["officer_own"],
        proceeding=ctx["proceeding"],
        outcome="removal_ordered",
        decided_on=timezone.localdate(),
    )
    ctx["proceeding"].refresh_from_db()
    return ctx


def _proceeding_route(body, *, setup, if_match=False):
    return Scenario(
        "officer_own",
        lambda w, ctx: ctx["proceeding"].pk,
        body,
        BOTH,
        _proceeding_detail,
        setup=setup,
        url=_case_pk,
        if_match=(lambda w, ctx: ctx["proceeding"]) if if_match else None,
    )


def _incident_detail(w, ctx, first):
    path = f"/api/v1/cases/{w.case['unreferred'].pk}/incidents/{first['id']}/"
    return path, lambda body: body


def _incident_body(w, ctx):
    return {
        "kind": "serious_injury",
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "place": "Hospital del condado",
        "source": "hospital",
        "description": "Fractura tras una caída en el área común.",
    }


def _open_incident(w):
    body = _incident_body(w, {})
    body["occurred_at"] = timezone.now() - dt.timedelta(hours=3)
    incident = services.incident_record(actor=w.users["officer_own"], case=w.case["unreferred"], **body)
    return {"incident": incident}


def _notification_detail(w, ctx, first):
    return f"/api/v1/notifications/{first['id']}/", lambda body: body


def _child_pk(w, ctx):
    return {"case_pk": w.child["own"].case.pk}


def _child_detail(prefix: str):
    def read(w, ctx, first):
        return f"/api/v1/cases/{w.child['own'].case.pk}/{prefix}/{first['id']}/", lambda body: body

    return read


def _child_route(prefix: str, body):
    """A POST under the world's own child's case (``support_matrix``: ``w.child``)."""
    return Scenario(
        "officer_own",
        None,
        body,
        BOTH,
        _child_detail(prefix),
        url=_child_pk,
        case=lambda w, ctx, first: w.child["own"].case,
    )


def _case_route(body, losses=BOTH, read=None, **extra):
    return Scenario("officer_own", _unreferred, body, losses, read or _detail("cases", _unreferred), **extra)


def _partner_route(body, losses=PARTNER, read=None, **extra):
    read = read or _detail("partner/referrals", lambda w, ctx, first: _own_referral(w, ctx))
    return Scenario("partner_referred", _own_referral, body, losses, read, case=_referral_case, **extra)


# Facility visits and formal requests (decision 0026): the officer's consulate's; read again in their
# detail, which a moved officer no longer finds.
def _planned_visit(w):
    officer = w.users["officer_own"]
    services.custody_move(
        actor=officer,
        case=w.case["unreferred"],
        facility=_prairieland(),
        since=timezone.localdate(),
        source="ice_locator",
    )
    return {
        "visit": services.visit_plan(actor=officer, facility=_prairieland(), planned_for=timezone.localdate())
    }


def _draft_request(w, sent=False):
    return {
        "request": services.request_create(
            actor=w.users["officer_own"],
            authority_kind="facility",
            authority_name="Prairieland Detention Center",
            kind="medical_records",
            case=w.case["unreferred"],
            sent_on=timezone.localdate() if sent else None,
        )
    }


def _visit_route(body, setup=_planned_visit):
    return Scenario(
        "officer_own",
        lambda w, ctx: ctx["visit"].pk,
        body,
        ("officer_moved",),
        _detail("visits", lambda w, ctx, first: ctx["visit"].pk),
        setup=setup,
        if_match=lambda w, ctx: ctx["visit"],
    )


def _request_route(body, setup=_draft_request):
    return Scenario(
        "officer_own",
        lambda w, ctx: ctx["request"].pk,
        body,
        ("officer_moved",),
        _detail("formal-requests", lambda w, ctx, first: ctx["request"].pk),
        setup=setup,
        if_match=lambda w, ctx: ctx["request"],
    )


VISIT_SCENARIOS = {
    "visit-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {"facility": _prairieland().pk, "planned_for": timezone.localdate().isoformat()},
        ("officer_moved",),
        _detail("visits"),
    ),
    "visit-interviews": _visit_route(
        lambda w, ctx: {"interviews": [{"case": w.case["unreferred"].pk, "seen": True, "findings": "Bien"}]}
    ),
    "visit-checklist": _visit_route(lambda w, ctx: {"answers": [{"key": "food", "answer": "adequate"}]}),
    "formal-request-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {
            "authority_kind": "ice_field_office",
            "authority_name": "ICE Dallas",
            "kind": "custody_records",
            "case": w.case["unreferred"].pk,
        },
        ("officer_moved",),
        _detail("formal-requests"),
    ),
    "formal-request-send": _request_route(lambda w, ctx: {"sent_on": timezone.localdate().isoformat()}),
    "formal-request-answer": _request_route(
        lambda w, ctx: {"answered_on": timezone.localdate().isoformat(), "response": "Enviado"},
        setup=lambda w: _draft_request(w, sent=True),
    ),
    "formal-request-withdraw": _request_route(lambda w, ctx: {}),
}

SCENARIOS: dict[str, Scenario] = {
    "person-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {"given_names": "Juana", "paternal_surname": "Réplica", "registered_by": w.dallas.pk},
        ("officer_moved",),
        _detail("persons"),
        case=lambda w, ctx, first: None,
    ),
    "case-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {
            "person": w.person["unreferred"].pk,
            "category": "migratorio",
            "subtype": "detencion_migratoria",
        },
        BOTH,
        _detail("cases"),
        case=lambda w, ctx, first: Case.objects.get(pk=first["id"]),
    ),
    "case-assign": _case_route(lambda w, ctx: {"assignee": w.users["officer_own"].pk}),
    "case-request-closure": _case_route(lambda w, ctx: {"outcome": "resolved"}, ("officer_moved",)),
    "case-approve-closure": Scenario(
        "supervisor_own",
        _unreferred,
        lambda w, ctx: {},
        ("officer_moved",),
        _detail("cases", _unreferred),
        setup=_pending_closure,
    ),
    "case-reject-closure": Scenario(
        "supervisor_own",
        _unreferred,
        lambda w, ctx: {"reason": "Falta la constancia"},
        BOTH,
        _detail("cases", _unreferred),
        setup=_pending_closure,
    ),
    "case-reopen": _case_route(lambda w, ctx: {"reason": "Nueva detención"}, setup=_closed),
    "case-removal-warnings": _case_route(lambda w, ctx: {"reason": "No hay otro punto posible"}),
    "case-notes": _case_route(
        lambda w, ctx: {"kind": "call", "text": "Llamada a la familia"},
        read=_in_timeline("cases", _unreferred),
    ),
    "case-hearings": Scenario(  # no read of a hearing alone: visible only with its case
        "officer_own",
        _unreferred,
        lambda w, ctx: {"kind": "bond", "starts_at": _later(), "location": "Corte de inmigración"},
        BOTH,
    ),
    "case-tasks": _case_route(lambda w, ctx: {"title": "Visitar al connacional"}, read=_detail("tasks")),
    # Custody episodes and searches are read only with their case (like hearings).
    "case-custody": Scenario(
        "officer_own",
        _unreferred,
        lambda w, ctx: {
            "facility": _prairieland().pk,
            "since": timezone.localdate().isoformat(),
            "source": "family",
        },
        BOTH,
    ),
    "case-custody-release": Scenario(
        "officer_own",
        _unreferred,
        lambda w, ctx: {"on": timezone.localdate().isoformat(), "source": "family"},
        BOTH,
        setup=_in_custody,
    ),
    "case-custody-verified": _case_route(lambda w, ctx: {}, setup=_in_custody),
    "case-locate-attempts": Scenario(
        "officer_own", _unreferred, lambda w, ctx: {"where": "ice_locator", "result": "not_found"}, BOTH
    ),
    "case-transfers": _case_route(
        lambda w, ctx: {"to_consulate": w.san_antonio.pk, "reason": "La familia vive en San Antonio"},
        read=_detail("transfers"),
    ),
    "case-consents": _case_route(
        lambda w, ctx: {"partner": w.partner_b.pk, "scope": ["identity"], "method": "verbal"},
        read=_detail("consents"),
    ),
    "case-referrals": _case_route(
        lambda w, ctx: {"partner": w.partner_e.pk, "service": "shelter"}, read=_detail("referrals")
    ),
    # A hand-over closes the case: the closed case can no longer be transferred away, so the supervisor's
    # move is the loss; the hand-over is read again in the case detail.
    "case-handover": Scenario(
        "supervisor_own",
        _unreferred,
        lambda w, ctx: {"post": w.outside_post.pk, "reason": "moved", "method": "email"},
        ("officer_moved",),
        _handover_in_case,
    ),
    "case-handover-receipt": Scenario(
        "officer_own",
        _unreferred,
        lambda w, ctx: {"handover": ctx["handover"].pk, "acknowledged_by_name": "Lic. Ana Ruiz"},
        ("officer_moved",),
        _handover_in_case,
        setup=_handed_over,
    ),
    # Families: a relationship recorded on the person of a case, read again in the person's list; a
    # family-preparedness item, in its detail.
    "person-relationship-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {"relative": w.spare_relative["unreferred"].pk, "kind": "sibling"},
        BOTH,
        _relationship_in_list,
        url=lambda w, ctx: {"person_pk": w.person["unreferred"].pk},
    ),
    "case-family-checklist-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {"kind": "caregiver", "caregiver_name": "Carmen Ruiz", "due_on": "2027-01-15"},
        BOTH,
        lambda w, ctx, first: (
            f"/api/v1/cases/{w.case['unreferred'].pk}/family-checklist/{first['id']}/",
            lambda body: body,
        ),
        url=_case_pk,
    ),
    # Legal proceedings of a case (nested under it): read again in the proceeding's detail.
    "case-proceeding-list": Scenario(
        "officer_own",
        None,
        lambda w, ctx: {"kind": "removal", "notes": "Audiencia inicial pendiente"},
        BOTH,
        _proceeding_detail,
        url=_case_pk,
    ),
    "case-proceeding-decision": _proceeding_route(
        lambda w, ctx: {"outcome": "removal_ordered", "decided_on": timezone.localdate().isoformat()},
        setup=_pending_proceeding,
        if_match=True,
    ),
    "case-proceeding-status-set": _proceeding_route(
        lambda w, ctx: {"status": "on_appeal"}, setup=_decided_proceeding, if_match=True
    ),
    "case-proceeding-deadlines": _proceeding_route(
        lambda w, ctx: {
            "kind": "filing",
            "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "description": "Escrito de pruebas",
        },
        setup=_pending_proceeding,
    ),
    "case-proceeding-resolve-deadline": _proceeding_route(
        lambda w, ctx: {"deadline": ctx["proceeding"].deadlines.get().pk, "status": "waived"},
        setup=_decided_proceeding,
    ),
    # Critical incidents of a case (nested under it): read again in the incident's detail.
    "case-incident-list": Scenario("officer_own", None, _incident_body, BOTH, _incident_detail, url=_case_pk),
    "case-incident-close": Scenario(
        "supervisor_own",
        lambda w, ctx: ctx["incident"].pk,
        lambda w, ctx: {"note": "Dado de alta; la familia fue informada."},
        BOTH,
        _incident_detail,
        setup=_open_incident,
        url=_case_pk,
        if_match=lambda w, ctx: ctx["incident"],
    ),
    # One's own notification: still one's own after moving to another consulate (a fresh read shows it).
    "notification-read": Scenario(
        "supervisor_own",
        lambda w, ctx: w.notification["supervisor"].pk,
        lambda w, ctx: {},
        ("officer_moved",),
        _notification_detail,
        case=lambda w, ctx, first: w.case["own"],
    ),
    # A child's case (decision 0029): read again in each record's detail.
    "case-child-welfare-list": _child_route(
        "child-welfare", lambda w, ctx: {"agency": w.dfps.pk, "court_cause_number": "DF-26-00002"}
    ),
    "case-agency-request-list": _child_route(
        "agency-requests",
        lambda w, ctx: {"kind": "reunification", "due_date": timezone.localdate().isoformat()},
    ),
    "case-child-assessment-list": _child_route(
        "child-assessments", lambda w, ctx: {"situation": "separated", "age_basis": "document"}
    ),
    "transfer-accept": Scenario(
        "supervisor_own",
        lambda w, ctx: w.transfer["incoming"].pk,
        lambda w, ctx: {"note": "Bienvenido"},
        BOTH,
        _detail("transfers"),
        case=lambda w, ctx, first: w.transfer["incoming"].case,
    ),
    "transfer-reject": Scenario(
        "supervisor_own",
        lambda w, ctx: w.transfer["incoming"].pk,
        lambda w, ctx: {"reason": "No es nuestro"},
        ("officer_moved",),
        _detail("transfers"),
        case=lambda w, ctx, first: w.transfer["incoming"].case,
    ),
    "transfer-cancel": Scenario(
        "officer_own",
        lambda w, ctx: w.transfer["own"].pk,
        lambda w, ctx: {},
        ("officer_moved",),
        _detail("transfers"),
        case=lambda w, ctx, first: w.transfer["own"].case,
    ),
    "referral-withdraw": Scenario(
        "officer_own",
        lambda w, ctx: w.referral["own"].pk,
        lambda w, ctx: {"reason": "Ya no hace falta"},
        BOTH,
        _detail("referrals"),
        case=lambda w, ctx, first: w.case["own"],
    ),
    "consent-withdraw": Scenario(
        "officer_own",
        lambda w, ctx: w.consent["unreferred"].pk,
        lambda w, ctx: {},
        BOTH,
        _detail("consents"),
    ),
    "task-complete": Scenario(
        "officer_own", lambda w, ctx: w.task["unreferred"].pk, lambda w, ctx: {}, BOTH, _detail("tasks")
    ),
    "partner-referral-accept": _partner_route(lambda w, ctx: {}, setup=_pending_referral_to_a),
    "partner-referral-decline": _partner_route(
        lambda w, ctx: {"reason": "Sin cupo"}, ("consent_withdrawn",), setup=_pending_referral_to_a
    ),
    "partner-referral-start": _partner_route(lambda w, ctx: {"note": "Empezamos"}),
    "partner-referral-complete": _partner_route(
        lambda w, ctx: {"outcome_note": "Listo"}, ("consent_withdrawn",), setup=_started
    ),
    "partner-referral-notes": _partner_route(
        lambda w, ctx: {"text": "Cita el lunes"},
        read=_in_timeline("partner/referrals", _own_referral),
    ),
    # A new signing secret is about no case: there is no sight of a person to lose, so no loss applies.
    # Its replay shows no secret at all (tests/api/test_partner_webhook_secret_api.py).
    "partner-webhook-secret": Scenario(
        "partner_referred", None, lambda w, ctx: {}, (), case=lambda w, ctx, first: None
    ),
    # A partner's inquiry stays its own (``partner_id``): no sight to lose. Its replay is tested in
    # tests/api/test_inquiry_matrix.py.
    "partner-inquiry-list": Scenario(
        "partner_referred",
        None,
        lambda w, ctx: {
            "consulate": w.dallas.pk,
            "sharing_basis": "Consentimiento",
            "sought_paternal_surname": "Pérez",
        },
        (),
        case=lambda w, ctx, first: None,
    ),
    "partner-referral-documents": Scenario(
        "partner_referred",
        _own_referral,
        lambda w, ctx: {"file": _png(), "kind": "correspondence", "description": "Carta"},
        PARTNER,
        case=_referral_case,
        multipart=True,
    ),
    **VISIT_SCENARIOS,
}


def _png():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return SimpleUploadedFile("carta.png", out.getvalue(), content_type="image/png")


# ------------------------------------------------------------------------------------------------
# Losing sight


def _move_officer(w, role, case):
    user = w.users[role]
    StaffMembership.objects.filter(user=user).update(consulate=w.houston)
    forget_access(user)


def _transfer_away(w, role, case):
    pending = Transfer.objects.pending().filter(case=case).first()
    if pending is None:
        holder = f.supervisor(case.consulate.slug)
        target = w.el_paso if case.consulate_id != w.el_paso.pk else w.san_antonio
        pending = services.transfer_request(actor=holder, case=case, to_consulate=target, reason="Se mudó")
    services.transfer_accept(actor=f.supervisor(pending.to_consulate.slug), transfer=pending)


def _withdraw_consent(w, role, case):
    for consent in Consent.objects.active().filter(case=case, partner__members__user=w.users[role]):
        services.consent_withdraw(actor=f.officer(case.consulate.slug), consent=consent, note="Ya no")


def _withdraw_referral(w, role, case):
    for referral in Referral.objects.active().filter(case=case, partner__members__user=w.users[role]):
        services.referral_withdraw(actor=f.officer(case.consulate.slug), referral=referral, reason="Otro")


LOSSES = {
    "officer_moved": _move_officer,
    "case_transferred": _transfer_away,
    "consent_withdrawn": _withdraw_consent,
    "referral_withdrawn": _withdraw_referral,
}


# ------------------------------------------------------------------------------------------------
# Tests


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])


def _cells():
    for name, scenario in sorted(SCENARIOS.items()):
        for loss in scenario.losses:
            yield pytest.param(name, loss, id=f"{name}:{loss}")


def test_every_keyed_route_has_a_scenario():
    routes = keyed_post_routes()
    assert "partner-referral-accept" in routes
    assert not {"person-search", "case-search"} & routes  # searches only read: nothing to replay
    assert sorted(routes - set(SCENARIOS)) == [], "keyed POST routes without a replay scenario"
    assert sorted(set(SCENARIOS) - routes) == [], "scenarios of routes that no longer exist"
    assert set(LOSSES) >= {loss for scenario in SCENARIOS.values() for loss in scenario.losses}


def _post(client, path, scenario, data, key, if_match=None):
    fmt = "multipart" if scenario.multipart else "json"
    headers = {"Idempotency-Key": key} | ({"If-Match": if_match} if if_match else {})
    return client.post(path, data, format=fmt, headers=headers)


def _identifiers(case) -> list[str]:
    if case is None:
        return []
    person = case.person
    person.refresh_from_db()
    return [value for value in (person.curp, person.a_number, person.phone, person.full_name) if value]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "loss"), list(_cells()))
def test_a_replay_after_losing_sight_shows_only_what_a_fresh_read_shows(module_world, name, loss):
    w, scenario = module_world, SCENARIOS[name]
    ctx = scenario.setup(w)
    kwargs = {"version": "v1"} | scenario.url(w, ctx)
    if scenario.target is not None:
        kwargs["pk"] = scenario.target(w, ctx)
    if_match = etag_for(scenario.if_match(w, ctx)) if scenario.if_match else None
    path = reverse(f"v1:{name}", kwargs=kwargs)
    client = client_for(w, scenario.role)
    key = f"replay-{name}-{loss}"

    data = scenario.body(w, ctx)
    first = _post(client, path, scenario, data, key, if_match)
    assert 200 <= first.status_code < 300, first.content[:300]
    case = scenario.case(w, ctx, first.json())
    LOSSES[loss](w, scenario.role, case)
    body = scenario.body(w, ctx) if scenario.multipart else data
    replay = _post(client, path, scenario, body, key, if_match)

    assert replay.get("Idempotent-Replayed") == "true", (replay.status_code, replay.content[:300])
    shown = replay.content.decode()
    assert [value for value in _identifiers(case) if value in shown] == []
    fresh = None
    if scenario.read is not None:
        read_path, pick = scenario.read(w, ctx, first.json())
        answer = client.get(read_path)
        fresh = pick(answer.json()) if answer.status_code == 200 else None
    if fresh is None:
        assert replay.status_code == 404, shown[:300]
        assert set(replay.json()) == {"type", "code", "title", "status", "detail", "errors"}
    else:
        assert replay.status_code == first.status_code
        assert replay.json() == fresh
