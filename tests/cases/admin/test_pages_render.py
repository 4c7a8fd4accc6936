"""Every staff-UI page, for every role: it renders for those who may see it and is refused to the rest.

The expectations are a table keyed by model; a ModelAdmin registered without a row here fails
``test_every_registered_model_has_expectations``, so a new page cannot slip in untested. Pages render
with a strict template engine: an unresolvable variable prints a marker the tests look for.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from consulates.models import DetentionFacility, ReceptionPoint
from tests.auth import login_verified
from tests.cases.admin.conftest import build_world
from tests.cases.admin.helpers import INVALID_MARKER, refused
from tests.factories import consulate, make_case, make_person
from tests.worlds import rolled_back

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The staff and records of ``conftest.build_world``, built once for this module's few hundred page
    tests and rolled back at its end; each test runs in a savepoint of it."""
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(module_world):
    """The module's world with its records re-read: a previous test's writes were rolled back, but the
    objects it moved on (a case's version after ``case_update``) are shared."""
    for name in ("person_a", "case_a", "person_b", "case_b", "hearing_a", "task_a", "hearing_b", "task_b"):
        getattr(module_world, name).refresh_from_db()
    return module_world


STAFF = frozenset({"officer_a", "supervisor_a", "manager", "administrator"})
WORKERS = frozenset({"officer_a", "supervisor_a", "administrator"})
SUPERVISORS = frozenset({"supervisor_a", "administrator"})
ADMINS = frozenset({"administrator"})
AUDITORS = frozenset({"administrator", "auditor"})  # the audit trail and the access log
NOBODY = frozenset()
ADMIN_UI = STAFF | {"auditor"}  # who gets into the staff UI at all (auditors only to the audit pages)
ROLES = [*sorted(STAFF), "auditor", "partner", "inactive"]

# model label -> who may (view: the list, change and history pages; add; delete)
EXPECTED = {
    "consulates.Consulate": (STAFF, ADMINS, NOBODY),
    "consulates.County": (STAFF, ADMINS, NOBODY),
    "consulates.DetentionFacility": (STAFF, ADMINS, NOBODY),
    "consulates.ReceptionPoint": (STAFF, ADMINS, NOBODY),
    "consulates.ImmigrationCourt": (STAFF, ADMINS, NOBODY),
    "consulates.ConsularPost": (STAFF, ADMINS, NOBODY),
    "consulates.Partner": (STAFF, ADMINS, NOBODY),
    "consulates.StaffMembership": (ADMINS, ADMINS, ADMINS),
    "consulates.PartnerMembership": (ADMINS, ADMINS, ADMINS),
    "auth.User": (ADMINS, ADMINS, NOBODY),  # users are deactivated, never deleted
    "cases.Case": (STAFF, WORKERS, NOBODY),
    "cases.Person": (STAFF, WORKERS, NOBODY),
    "cases.Task": (STAFF, NOBODY, NOBODY),  # edited on the case page
    "cases.Hearing": (STAFF, NOBODY, NOBODY),
    "cases.RepatriationHandoff": (STAFF, NOBODY, NOBODY),  # prepared and confirmed on the case page
    "cases.Transfer": (STAFF, NOBODY, NOBODY),  # requested and decided through action pages
    "cases.Referral": (STAFF, NOBODY, NOBODY),
    # Administrators and the consulate owning the person (here Dallas); resolved from the list.
    "cases.IdentifierReview": (WORKERS, NOBODY, NOBODY),
    "pghistory.MiddlewareEvents": (AUDITORS, NOBODY, NOBODY),
    "cases.AccessLog": (AUDITORS, NOBODY, NOBODY),  # written by the read paths, never edited
    "api.ApiToken": (ADMINS, ADMINS, ADMINS),  # issued (shown once) and revoked, never edited
    "cases.Reminder": (STAFF, NOBODY, NOBODY),  # written by the services; retried from the list
    "cases.WebhookDelivery": (ADMINS, NOBODY, NOBODY),  # the outbox's webhook rows; retried from the list
    "api.ApiTokenUse": (ADMINS, NOBODY, NOBODY),  # every partner-token call, read-only
    # Staff apps (OAuth clients): registered (a confidential one's secret shown once), edited and removed.
    "oauth2_provider.Application": (ADMINS, ADMINS, ADMINS),
    "staff_oauth.AppTokenUse": (ADMINS, NOBODY, NOBODY),  # every staff-app token call, read-only
    # Sign-in records (django-axes): deleting a failed-attempt row unlocks that username on that address.
    "axes.AccessAttempt": (ADMINS, NOBODY, ADMINS),
    "axes.AccessLog": (ADMINS, NOBODY, NOBODY),
    "axes.AccessFailureLog": (ADMINS, NOBODY, NOBODY),
}

SIGN_IN_RECORD = {
    "username": "oficial.dallas",
    "ip_address": "192.0.2.10",
    "user_agent": "Firefox",
    "http_accept": "text/html",
    "path_info": "/admin/login/",
}


def assert_renders(response, *, strict: bool = True) -> str:
    assert response.status_code == 200, getattr(response, "url", response.status_code)
    html = response.content.decode()
    if strict:
        assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:120]
    return html


def assert_outcome(role, response, allowed: bool, *, strict: bool = True) -> None:
    if allowed:
        assert_renders(response, strict=strict)
    else:
        assert _refused(role, response), (role, response.status_code)


def _refused(role, response) -> bool:
    """An auditor is refused case pages (403) or, where the page starts from the record, does not find it
    at all (``visible_to`` gives auditors nothing: 404, or the admin's "does not exist" redirect to its
    index); staff get 403; anyone else the login page."""
    if role == "auditor":
        if response.status_code == 302:
            return response["Location"] == reverse("admin:index")
        return response.status_code in (403, 404)
    return refused(role in STAFF, response)


def _object_for(label, world):
    """A record of the viewer's own consulate (Dallas), or any row of reference data."""
    own = {
        "cases.Case": world.case_a,
        "cases.Person": world.person_a,
        "cases.Task": world.task_a,
        "cases.Hearing": world.hearing_a,
        "auth.User": world.officer_a,
        "consulates.StaffMembership": world.officer_a.staff_membership,
        "consulates.PartnerMembership": world.partner.partner_membership,
    }
    if label in own:
        return own[label]
    if label in ("cases.Transfer", "cases.Referral"):
        return _crossoffice_record(label, world)
    if label == "cases.RepatriationHandoff":
        case = services.case_update(
            actor=world.officer_a,
            case=world.case_a,
            expected_removal_date=timezone.localdate() + dt.timedelta(days=10),
            reception_point=ReceptionPoint.objects.order_by("pk").first(),
        )
        return services.handoff_prepare(actor=world.officer_a, case=case)
    if label == "cases.IdentifierReview":
        # El Paso enters the CURP of Dallas's person: a review for Dallas and the administrators.
        person = services.person_register(
            actor=world.officer_b, given_names="Wendy", paternal_surname="Bóxer", curp=world.person_a.curp
        )
        return person.identifier_reviews_as_attempted.get()
    if label in ("pghistory.MiddlewareEvents", "cases.AccessLog"):
        return None  # an aggregate of event tables, and a log: only their lists are pages
    if label == "cases.Reminder":
        from cases.models import Hearing

        hearing = services.hearing_schedule(
            actor=world.officer_a,
            case=world.case_a,
            kind="master_calendar",
            starts_at=timezone.now() + dt.timedelta(days=10),
            location="Corte de Inmigración de Dallas",
        )
        assert isinstance(hearing, Hearing)
        return world.case_a.reminders.order_by("pk").first()
    if label == "cases.WebhookDelivery":
        from cases.models import WebhookDelivery
        from tests.factories import PartnerFactory

        partner = PartnerFactory(covers=["dallas"], webhook_url="https://hooks.example.org/in")
        case = make_case(world.officer_a)
        services.consent_record(
            actor=world.officer_a, case=case, partner=partner, scope=["identity"], method="verbal"
        )
        services.referral_create(
            actor=world.officer_a, case=case, partner=partner, service="legal_representation"
        )
        return WebhookDelivery.objects.get(partner=partner, kind="event_referral_created")
    if label == "api.ApiToken":
        from api.models import ApiToken

        token, _raw = ApiToken.objects.create(user=world.partner, name="sincronización")
        return token
    if label == "api.ApiTokenUse":
        from api.models import ApiTokenUse

        return ApiTokenUse.objects.create(
            token_key="abcdef123456789",
            user_id=world.partner.pk,
            method="GET",
            path="/api/v1/partner/referrals/",
            status=200,
        )
    if label == "oauth2_provider.Application":
        from oauth2_provider.models import get_application_model

        return get_application_model().objects.create(
            name="Expedientes (escritorio)",
            client_type="public",
            authorization_grant_type="authorization-code",
            redirect_uris="http://127.0.0.1/callback",
            algorithm="",
        )
    if label == "staff_oauth.AppTokenUse":
        from oauth.models import AppTokenUse

        return AppTokenUse.objects.create(
            application_id=1, user_id=world.officer_a.pk, method="GET", path="/api/v1/cases/", status=200
        )
    if label.startswith("axes."):
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        if label == "axes.AccessAttempt":
            return AccessAttempt.objects.create(
                **SIGN_IN_RECORD, get_data="", post_data="", failures_since_start=2
            )
        model = AccessLog if label == "axes.AccessLog" else AccessFailureLog
        return model.objects.create(**SIGN_IN_RECORD)
    model = next(m for m in admin.site._registry if m._meta.label == label)
    return model.objects.order_by("pk").first()


def _crossoffice_record(label, world):
    """A pending transfer of the Dallas case to El Paso, or its referral to the partner (consented)."""
    actor, case = world.officer_a, world.case_a
    if label == "cases.Transfer":
        return services.transfer_request(
            actor=actor, case=case, to_consulate=consulate("el_paso"), reason="Vive en El Paso"
        )
    partner = world.partner.partner_membership.partner
    services.consent_record(actor=actor, case=case, partner=partner, scope=["identity"], method="verbal")
    return services.referral_create(actor=actor, case=case, partner=partner, service="legal_representation")


def test_every_registered_model_has_expectations():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(EXPECTED), "add the new admin page to EXPECTED"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_model_pages(client, world, role, label):
    viewers, adders, deleters = EXPECTED[label]
    login_verified(client, getattr(world, role))
    prefix = "admin:{}_{}".format(*label.lower().split("."))
    assert_outcome(role, client.get(reverse(f"{prefix}_changelist")), role in viewers)
    try:
        add_url = reverse(f"{prefix}_add")
    except NoReverseMatch:
        add_url = None
    if add_url:
        assert_outcome(role, client.get(add_url), role in adders)
    obj = _object_for(label, world)
    if obj is None:
        return
    for page, allowed in (("change", viewers), ("history", viewers), ("delete", deleters)):
        response = client.get(reverse(f"{prefix}_{page}", args=[obj.pk]))
        assert_outcome(role, response, role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_admin_index_lists_exactly_the_pages_of_the_role(client, world, role):
    login_verified(client, getattr(world, role))
    response = client.get(reverse("admin:index"))
    if role not in ADMIN_UI:
        assert refused(False, response)
        return
    assert_renders(response)
    listed = {
        f"{app['app_label']}.{model['object_name']}": bool(model.get("add_url"))
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert set(listed) == {label for label, (viewers, _a, _d) in EXPECTED.items() if role in viewers}
    assert {label for label, can_add in listed.items() if can_add} == {
        label for label, (_v, adders, _d) in EXPECTED.items() if role in adders
    }


def _site_pages(world):
    """Pages that are not one model's list or form: (url, who may open it, strict templates)."""
    events = reverse("admin:pghistory_middlewareevents_changelist")
    return [
        (reverse("admin:password_change"), ADMIN_UI, True),  # one's own password
        # Django's own template reads form.usable_password, which its form omits here: not strict.
        (reverse("admin:auth_user_password_change", args=[world.officer_a.pk]), ADMINS, False),
        (f"{events}?model=cases.case", AUDITORS, True),
        (f"{events}?obj=cases.case:{world.case_a.pk}", AUDITORS, True),
        (f"{events}?obj=cases.person:{world.person_a.pk}&method=tracks", AUDITORS, True),
        (f"{events}?case={world.case_a.reference}&since=2020-01-01", AUDITORS, True),
        (f"{events}?person={world.person_a.pk}&user={world.officer_a.username}", AUDITORS, True),
        (f"{reverse('admin:cases_accesslog_changelist')}?person={world.person_a.pk}", AUDITORS, True),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_password_and_audit_pages(client, world, role):
    login_verified(client, getattr(world, role))
    for url, allowed, strict in _site_pages(world):
        assert_outcome(role, client.get(url), role in allowed, strict=strict)


def test_audit_trail_shows_the_history_of_a_case(client, world):
    login_verified(client, world.administrator)
    url = reverse("admin:pghistory_middlewareevents_changelist") + f"?obj=cases.case:{world.case_a.pk}"
    html = assert_renders(client.get(url))
    assert world.case_a.reference in html


# --- the case page and its object actions, in every state of the lifecycle -----------------------

CASE_ACTIONS = {"assign", "close", "approve", "reject", "reopen"}
ACTIONS_OFFERED = {
    # state -> (actions shown on the case page, roles they are offered to)
    "open": ({"assign", "close"}, WORKERS),
    "in_progress": ({"assign", "close"}, WORKERS),
    "pending_closure": ({"approve", "reject"}, SUPERVISORS),
    "closed": ({"reopen"}, WORKERS),
}


def _case_in(state: str, world) -> Case:
    """A Dallas case in ``state``. Past 'open' it carries everything the page can show: custody in
    another consulate's district, the art. 36 clock, repatriation data, held and cancelled hearings,
    done tasks, notes, and a vulnerable person (so closing it needs a supervisor)."""
    actor = world.officer_a
    if state == "open":
        return make_case(actor)
    now = timezone.now()
    facility = DetentionFacility.objects.filter(county__consulate__slug="el_paso", active=True).first()
    person = make_person(actor, is_minor=True)
    case = make_case(
        actor,
        person=person,
        facility=facility,
        detained_since=timezone.localdate() - dt.timedelta(days=3),
        arrested_at=now - dt.timedelta(days=4),
        consulate_notified_at=now - dt.timedelta(days=3),
        notified_by="facility",
        first_contact_at=now - dt.timedelta(hours=30),
        summary="Detenido en un operativo.",
    )
    case = services.case_update(
        actor=actor,
        case=case,
        expected_removal_date=timezone.localdate() + dt.timedelta(days=30),
        reception_point=ReceptionPoint.objects.order_by("pk").first(),
        priority="high",
    )
    services.case_assign(actor=actor, case=case, assignee=world.supervisor_a)
    services.case_note_add(actor=actor, case=case, kind="call", text="Llamada con la familia")
    held, cancelled = (
        services.hearing_schedule(
            actor=actor, case=case, kind=kind, starts_at=now + dt.timedelta(days=2), location="Corte"
        )
        for kind in ("bond", "individual")
    )
    services.hearing_outcome_record(actor=actor, hearing=held, outcome="Fianza concedida")
    services.hearing_cancel(actor=actor, hearing=cancelled, reason="Reprogramada")
    task = services.task_add(actor=actor, case=case, title="Pedir acta", assignee=world.supervisor_a)
    services.task_complete(actor=actor, task=task)
    if state in ("pending_closure", "closed"):
        services.case_close_request(actor=actor, case=case, outcome="bond_granted")
    if state == "closed":
        services.case_close_approve(actor=world.supervisor_a, case=case)
    case = Case.objects.get(pk=case.pk)
    assert case.status == state
    return case


@pytest.mark.parametrize("role", sorted(STAFF))
@pytest.mark.parametrize("state", sorted(ACTIONS_OFFERED))
def test_case_page_in_every_state(client, world, role, state):
    case = _case_in(state, world)
    login_verified(client, getattr(world, role))
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    html = assert_renders(response)
    assert case.reference in html
    actions, offered_to = ACTIONS_OFFERED[state]
    # (the repatriation and cross-office tools of the same bar are tested with their pages)
    shown = {name for name, _label, _url in response.context["case_actions"]} & CASE_ACTIONS
    assert shown == (actions if role in offered_to else set())
    # Only those who may change an unclosed case get a form to save; a closed case is read-only.
    can_save = role in WORKERS and state != "closed"
    assert ('name="_save"' in html) is can_save
    assert ('name="note_text"' in html) is can_save


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", sorted(ACTIONS_OFFERED))
def test_case_action_pages(client, world, role, state):
    case = _case_in(state, world)
    offered, offered_to = ACTIONS_OFFERED[state]
    login_verified(client, getattr(world, role))
    for action in ("assign", "close", "approve", "reject", "reopen"):
        response = client.get(reverse("admin:cases_case_action", args=[case.pk, action]))
        if action in offered and role in offered_to:
            assert case.reference in assert_renders(response)
        elif role in STAFF:
            # visible, but not available to this role in this state: back to the case page
            assert response.status_code == 302, (action, role)
            assert response["Location"] == reverse("admin:cases_case_change", args=[case.pk])
        else:
            assert _refused(role, response)


@pytest.mark.parametrize("role", sorted(STAFF))
def test_case_list_offers_assign_to_me_only_to_those_who_work_cases(client, world, role):
    login_verified(client, getattr(world, role))
    response = client.get(reverse("admin:cases_case_changelist"))
    form = response.context["action_form"]  # None when no action is offered
    actions = {name for name, _label in form.fields["action"].choices if name} if form else set()
    assert actions == ({"assign_to_me"} if role in WORKERS else set())


def test_unknown_case_action_is_not_found(client, world):
    login_verified(client, world.officer_a)
    response = client.get(reverse("admin:cases_case_action", args=[world.case_a.pk, "delete"]))
    assert response.status_code == 404
