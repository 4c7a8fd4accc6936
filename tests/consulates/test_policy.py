"""The access policy (``consulates.policy``): its table, and that every door goes through it.

* ``test_the_table``: what each role may do, on an object of its own consulate (or partner), of another,
  and with no object, stated here a second time and compared with ``can``: a change of a rule shows up
  as a change of this table.
* The completeness tests read the code: every action named anywhere is in ``POLICY`` and every rule is
  used; every service taking an ``actor`` authorizes through the policy; every admin action and API
  action maps to a policy action; every API view has a policy permission; and no module outside the
  policy compares roles or reads a user's access.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from consulates.access import NO_ACCESS, Access
from consulates.models import Role
from consulates.policy import POLICY, authorize, can

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = [
    path
    for package in ("cases", "consulates", "config", "workspace", "intake")
    for path in (ROOT / package).rglob("*.py")
    if "migrations" not in path.parts
]

# ------------------------------------------------------------------------------------------------
# The table

OWN, OTHER = 1, 2  # consulate ids; partners 7 (own) and 8 (other)
ROLES = {
    "officer": Access(Role.OFFICER, consulate_id=OWN),
    "officer_export": Access(Role.OFFICER, consulate_id=OWN, export_granted=True),
    "supervisor": Access(Role.SUPERVISOR, consulate_id=OWN),
    "manager": Access(Role.REGIONAL_MANAGER, export_granted=True),
    "administrator": Access(Role.ADMINISTRATOR, export_granted=True),
    "administrator_no_export": Access(Role.ADMINISTRATOR),
    "auditor": Access(Role.AUDITOR),
    "partner": Access(None, partner_id=7),
    "nobody": NO_ACCESS,  # no membership, an inactive partner's user, an inactive user
}
WORKERS = {"officer", "officer_export", "supervisor", "administrator", "administrator_no_export"}
ADMINS = {"administrator", "administrator_no_export"}
STAFF = WORKERS | {"manager"}
CONSULATE_BOUND = {"officer", "officer_export", "supervisor"}


def _same(roles):
    return (set(roles), set(roles))


def _consulate(own_roles):
    """Own consulate: ``own_roles``; another consulate: the network-wide among them."""
    return (set(own_roles), set(own_roles) & (ADMINS | {"manager"}))


# action -> (roles allowed on their own consulate's / partner's object, roles allowed on another's).
# With no object, the roles of the first set are allowed.
TABLE = {
    "staff.enter": _same(STAFF),
    "partner.enter": _same({"partner"}),
    "reference.view": _same(STAFF),
    "reference.manage": _same(ADMINS),
    "facility.add": _same(WORKERS),
    "partner.deactivate": _same(ADMINS),
    "partner.webhook_secret.rotate": (ADMINS | {"partner"}, ADMINS),
    "audit.view": _same(ADMINS | {"auditor"}),
    "audit.values": _same(ADMINS),
    "technical.view": _same(ADMINS),
    "report.view": _same(STAFF),
    "calendar.view": _same(STAFF),
    "report.export": _same({"officer_export", "manager", "administrator"}),
    "report.weekly": _same({"supervisor", "manager"}),
    "person.search": _same(STAFF),
    "person.register": _consulate(WORKERS),
    "person.export": _same({"administrator"}),
    "person.erase": _same(ADMINS),
    "case.assignee": _same(CONSULATE_BOUND),
    "digest.receive": _same(CONSULATE_BOUND),
    "case.alerts": _same({"supervisor"}),
    "case.open": _consulate(WORKERS),
    "case.work": _consulate(WORKERS),
    "case.edit": _consulate(WORKERS),
    "case.assign": _consulate(WORKERS),
    "case.close.request": _consulate(WORKERS),
    "case.close.direct": _consulate({"supervisor"} | ADMINS),
    "case.close.approve": _consulate({"supervisor"} | ADMINS),
    "case.reopen": _consulate(WORKERS),
    "case.close.child": _consulate({"supervisor"} | ADMINS),
    "child.record": _consulate(WORKERS),
    "handoff.confirm": _consulate(WORKERS),
    "handover.send": _consulate({"supervisor"} | ADMINS),
    "handover.export.download": _consulate({"supervisor"} | ADMINS),
    "handover.acknowledge": _consulate(WORKERS),
    "proceeding.record": _consulate(WORKERS),
    "family_checklist.edit": _consulate(WORKERS),
    "incident.record": _consulate(WORKERS),
    "incident.close": _consulate({"supervisor"} | ADMINS),
    "incident.told": _same({"supervisor", "manager"}),
    # A notification: only its own recipient (below), whatever the role.
    "notification.read": (set(), set()),
    "document.download": _same(STAFF | {"partner"}),
    "document.upload": _consulate(WORKERS),
    "reminder.retry": _consulate(WORKERS),
    # A digest: administrators, and its own recipient (below).
    "digest.retry": _same(ADMINS),
    "webhook.delivery.view": _same(ADMINS),
    "webhook.delivery.retry": _same(ADMINS),
    "transfer.request": _consulate(WORKERS),
    "transfer.decide": _consulate({"supervisor"} | ADMINS),
    "transfer.cancel": _consulate(WORKERS),
    "consent.record": _consulate(WORKERS),
    "consent.withdraw": _consulate(WORKERS),
    "referral.create": _consulate(WORKERS),
    "referral.respond": (WORKERS | {"partner"}, ADMINS),
    "referral.withdraw": _consulate(WORKERS),
    "referral.note": ({"partner"}, set()),
    "inquiry.record": _consulate(WORKERS),
    "inquiry.work": _consulate(WORKERS),
    "inquiry.send": _same({"partner"}),
    "import.run": _consulate(WORKERS),
    "import.work": _consulate(WORKERS),
    "operation.manage": _consulate(WORKERS),
    # Facility visits and formal requests (decision 0026): the district consulate's workers; managers read.
    "facility.view": _same(STAFF),
    "visit.plan": _consulate(WORKERS),
    "visit.record": _consulate(WORKERS),
    "request.record": _consulate(WORKERS),
}
# Rules that also need the object within a scope (a query): their who part is in the table with no
# object; the database tests of the services and pages cover the rest.
WITHIN = {
    "person.edit": WORKERS,
    "identifier_review.view": WORKERS,
    "identifier_review.resolve": WORKERS,
    "identifier_review.record": ADMINS,
    "document.upload.partner": {"partner"},
    "duplicate_review.resolve": WORKERS,
    "person.merge": {"supervisor"} | ADMINS,
    # A relationship: recorded on a person the user may change, corrected or removed when the user sees
    # both persons and may change one (tests/cases/services/test_family.py).
    "family.add": WORKERS,
    "family.change": WORKERS,
}


def _user(name: str, pk: int = 100):
    user = SimpleNamespace(pk=pk, is_authenticated=True, is_active=True)
    user._network_access = ROLES[name]  # what ``access_for`` caches
    return user


def _object(consulate_id: int, partner_id: int, *, allows=True, user_id: int = 999):
    case = SimpleNamespace(consulate_id=consulate_id)
    return SimpleNamespace(
        pk=consulate_id,
        consulate_id=consulate_id,
        to_consulate_id=consulate_id,
        from_consulate_id=consulate_id,
        case=case,
        partner_id=partner_id,
        user_id=user_id,
        recipient_id=user_id,
        allows=lambda name: allows,
        is_child_case=True,  # a child's case (``child.record`` starts from one)
    )


def test_every_rule_is_in_the_table():
    assert set(POLICY) == set(TABLE) | set(WITHIN)


@pytest.mark.parametrize("action", sorted(TABLE))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_table(action, role):
    own, other = TABLE[action]
    user = _user(role)
    assert can(user, action, _object(OWN, 7)) is (role in own), "own object"
    assert can(user, action, _object(OTHER, 8)) is (role in other), "another's object"
    assert can(user, action) is (role in own), "no object"


@pytest.mark.parametrize("action", sorted(WITHIN))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_who_of_the_scoped_rules(action, role):
    assert can(_user(role), action) is (role in WITHIN[action])


def test_a_digest_may_be_retried_by_its_own_recipient():
    officer = _user("officer", pk=5)
    assert can(officer, "digest.retry", _object(OWN, 7, user_id=5))
    assert not can(officer, "digest.retry", _object(OWN, 7, user_id=6))
    assert not can(_user("nobody", pk=5), "digest.retry", _object(OWN, 7, user_id=5))


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager", "administrator"])
def test_a_notification_is_read_by_its_recipient_alone(role):
    user = _user(role, pk=5)
    assert can(user, "notification.read", _object(OWN, 7, user_id=5))
    assert not can(user, "notification.read", _object(OWN, 7, user_id=6))
    assert not can(_user("nobody", pk=5), "notification.read", _object(OWN, 7, user_id=5))


@pytest.mark.parametrize("action", sorted(a for a, rule in POLICY.items() if rule.when))
def test_can_answers_for_the_state_authorize_leaves_it_to_the_service(action):
    """``can`` offers an action only from a state it starts from; ``authorize`` refuses who may not
    (403) and leaves the state to the service's validation (400)."""
    role = next(iter(sorted(TABLE[action][0])))
    user = _user(role)
    assert not can(user, action, _object(OWN, 7, allows=False))
    authorize(user, action, _object(OWN, 7, allows=False))  # does not raise


def test_authorize_raises_the_rules_refusal():
    with pytest.raises(PermissionDenied) as refused:
        authorize(_user("manager"), "case.work", _object(OWN, 7))
    assert str(refused.value) == str(POLICY["case.work"].refusal)
    with pytest.raises(PermissionDenied):
        authorize(_user("partner"), "referral.note", _object(OWN, 8))


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        can(_user("administrator"), "case.fly")


# ------------------------------------------------------------------------------------------------
# Every door goes through the policy


def _calls(tree) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _named_actions() -> dict[str, list[str]]:
    """Every action string passed to ``can``/``authorize``/``holders``/``told`` or set as a permission's
    ``action``, with where."""
    found: dict[str, list[str]] = {}
    for path in PRODUCTION:
        tree = ast.parse(path.read_text())
        for call in _calls(tree):
            if _name(call) not in ("can", "authorize", "holders", "told"):
                continue
            position = 0 if _name(call) in ("holders", "told") else 1
            for node in ast.walk(call.args[position]) if len(call.args) > position else ():
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.setdefault(node.value, []).append(str(path.relative_to(ROOT)))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["action"]
                and isinstance(node.value, ast.Constant)
                and node.value.value  # the base class's empty action
            ):
                found.setdefault(node.value.value, []).append(str(path.relative_to(ROOT)))
    return found


def _admin_tables() -> dict[str, str]:
    from cases.admin.case_actions import ACTIONS
    from cases.admin.crossoffice import CASE_TOOLS, REFERRAL_ACTIONS, TRANSFER_ACTIONS

    tables = {}
    for table_name, table in (
        ("case", ACTIONS),
        ("case tool", CASE_TOOLS),
        ("transfer", TRANSFER_ACTIONS),
        ("referral", REFERRAL_ACTIONS),
    ):
        for name, entry in table.items():
            tables[f"{table_name} {name}"] = entry[-1]
    return tables


def test_every_action_named_in_the_code_is_a_rule_and_every_rule_is_used():
    named = _named_actions()
    unknown = {action: where for action, where in named.items() if action not in POLICY}
    assert not unknown, f"actions without a rule in consulates.policy.POLICY: {unknown}"
    used = set(named) | set(_admin_tables().values())
    assert not set(POLICY) - used, f"rules nothing asks for: {sorted(set(POLICY) - used)}"


def test_every_admin_action_maps_to_a_rule():
    missing = {name: action for name, action in _admin_tables().items() if action not in POLICY}
    assert not missing


# Public service functions that take an actor but decide nothing themselves: each is called only by a
# service that authorized first (named), or records who acted without acting on anyone's data.
SERVICES_WITHOUT_THEIR_OWN_CHECK = {
    # A family-preparedness task marked done: called by ``task_complete`` after it authorized ``case.work``.
    "checklist_task_done",
    # Proposed by the custody change of ``case_update``, which authorized ``case.work``.
    "transfer_propose_for_custody",
    # Called by ``person_register`` / ``person_update`` after they authorized.
    "identifiers_screen",
    "identifier_reviews_open",
    # The same, many at a time: called by ``detainees_open`` after it authorized ``person.register``.
    "identifiers_screen_many",
    # Opened by what found the pair after it authorized: registration (``person.register``), an
    # inquiry's work (``inquiry.work``), a detainee list's import (``import.run``).
    "duplicate_review_open",
    # The same for a detainee list's chunk (``import.run``, then ``detainees_open``'s ``person.register``).
    "duplicate_reviews_open_new",
    # Called by an inquiry's conversion after it authorized ``inquiry.work`` and registered the person.
    "hidden_duplicates_review",
    # The retention job and the maintenance worker: no user acts (``actor`` is recorded, None or system).
    "retention_anonymise_batch",
    "retention_run",
    "person_erase_requested",
    # Builds the data of ``person_export``, which authorized ``person.export``.
    "person_export_data",
    # The closure a hand-over makes: called by ``handover_record`` after it authorized ``handover.send``.
    "close_as_transferred_out",
    # The custody history written for a case service that locked the case and authorized ``case.work``
    # (``case_open``: ``case.open``; the import's ``cases_custody_update_many``: ``allowed_among``).
    "custody_apply",
    "custody_apply_many",
    "episodes_open",
    # Completed by a custody write that authorized ``case.work`` (or its set-wise twin).
    "verify_tasks_complete",
    "verify_tasks_complete_many",
}


def _service_functions():
    paths = [*(ROOT / "cases" / "services").rglob("*.py"), ROOT / "consulates" / "services.py"]
    functions, helpers = {}, set()
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = node
                if path.name == "common.py":  # the services' shared steps (lock, version, touch)
                    helpers.add(node.name)
    return functions, helpers


def _authorizes(name, functions, seen=None) -> bool:
    seen = seen if seen is not None else set()
    if name in seen or name not in functions:
        return False
    seen.add(name)
    for call in _calls(functions[name]):
        callee = _name(call)
        if callee in ("authorize", "allowed_among") or _authorizes(callee, functions, seen):
            return True
    return False


def test_every_service_taking_an_actor_authorizes_through_the_policy():
    functions, helpers = _service_functions()
    takers = {
        name
        for name, node in functions.items()
        if not name.startswith("_")
        and name not in helpers
        and "actor" in [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
    }
    unchecked = sorted(
        name for name in takers - SERVICES_WITHOUT_THEIR_OWN_CHECK if not _authorizes(name, functions)
    )
    assert not unchecked, f"services that write for an actor without asking consulates.policy: {unchecked}"
    assert set(functions) >= SERVICES_WITHOUT_THEIR_OWN_CHECK, "a listed exemption no longer exists"


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


# API views open to every signed-in caller (staff and partners alike): the reference data of the
# network and the API's own description.
OPEN_API_VIEWS = {
    "ConsularPostViewSet",
    "ConsulateViewSet",
    "CountyViewSet",
    "DetentionFacilityViewSet",
    "ImmigrationCourtViewSet",
    "PartnerViewSet",
    "ReceptionPointViewSet",
}


def test_every_api_view_has_a_policy_permission_and_every_api_action_a_service_or_rule():
    from cases.api.permissions import PolicyPermission

    missing, unguarded, checked = [], [], set()
    for route, callback in _views(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if not route.lstrip("^").startswith("api/") or view is None or not issubclass(view, APIView):
            continue
        checked.add(view.__name__)
        if view.__name__ in OPEN_API_VIEWS or view.__module__.startswith("drf_spectacular"):
            continue
        if not any(issubclass(p, PolicyPermission) for p in view.permission_classes):
            missing.append(f"{route} ({view.__name__})")
        for name in getattr(callback, "actions", {}).values():
            method = getattr(view, name)
            source = ast.parse(__import__("textwrap").dedent(__import__("inspect").getsource(method)))
            names = {_name(call) for call in _calls(source)}
            calls_service = any(  # calls a service, or hands one to the view's helper that calls it
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "services"
                for node in ast.walk(source)
            )
            reads_only = name in ("list", "retrieve") or not names.isdisjoint({"get_object", "get_queryset"})
            if not (calls_service or "authorize" in names or "can" in names or reads_only):
                unguarded.append(f"{route} {name}")
    assert len(checked) >= 10, sorted(checked)  # the walk found the API
    assert checked > OPEN_API_VIEWS
    assert not missing, f"API views without a policy permission: {missing}"
    assert not unguarded, f"API actions that neither read through a scope nor call a service: {unguarded}"


# Reading a user's access or comparing roles is the policy's; the role's resolution is ``access``.
FORBIDDEN = ("access_for(", "Role.", ".role ==", ".role in", "role__in=", "is_superuser")
ALLOWED_FILES = {
    "consulates/policy.py",
    "consulates/access.py",
    "consulates/models.py",  # the roles themselves and the membership's constraints
    "consulates/services.py",  # keeps ``is_staff`` in step with memberships (who gets the staff UI at all)
    "consulates/admin.py",  # the membership forms list the roles
}


def test_no_role_is_compared_outside_the_policy():
    """How the acceptance criterion "grep finds no authorization predicate outside the policy" is
    checked: these strings appear in no production module but the policy and the role's own files."""
    offenders = []
    for path in PRODUCTION:
        relative = str(path.relative_to(ROOT))
        if relative in ALLOWED_FILES:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(token in line for token in FORBIDDEN) and not line.lstrip().startswith("#"):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
