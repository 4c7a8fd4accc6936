"""Every staff-UI page, for every role: it renders for those who may see it and is refused to the rest.

The expectations are a table keyed by model; a ModelAdmin registered without a row here fails
``test_every_registered_model_has_expectations``, so a new page cannot slip in untested.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import Case

pytestmark = pytest.mark.django_db

STAFF = {"officer_a", "supervisor_a", "manager", "administrator"}
WORKERS = {"officer_a", "supervisor_a", "administrator"}
ADMINS = {"administrator"}
ROLES = [*sorted(STAFF), "partner", "inactive"]

# model label -> (who may view the list and change page, who may open the add page)
EXPECTED = {
    "consulates.Consulate": (STAFF, ADMINS),
    "consulates.County": (STAFF, ADMINS),
    "consulates.DetentionFacility": (STAFF, ADMINS),
    "consulates.ReceptionPoint": (STAFF, ADMINS),
    "consulates.Partner": (STAFF, ADMINS),
    "consulates.StaffMembership": (ADMINS, ADMINS),
    "consulates.PartnerMembership": (ADMINS, ADMINS),
    "auth.User": (ADMINS, ADMINS),
    "cases.Case": (STAFF, WORKERS),
    "cases.Person": (STAFF, WORKERS),
    "cases.Task": (STAFF, set()),
    "cases.Hearing": (STAFF, set()),
    "pghistory.MiddlewareEvents": (ADMINS, set()),
}


def _object_for(label, world):
    """A record of the viewer's own consulate (Dallas), or any row for reference data."""
    model = next(m for m in admin.site._registry if m._meta.label == label)
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
    if label == "pghistory.MiddlewareEvents":
        return None  # a list of events, no change page
    return model.objects.order_by("pk").first()


def _refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and "/admin/login/" in response["Location"]
    )


def test_every_registered_model_has_expectations():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(EXPECTED), "add the new admin page to EXPECTED"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_changelist_add_and_change_pages(client, world, role, label):
    viewers, adders = EXPECTED[label]
    client.force_login(getattr(world, role))
    app_label, model_name = label.lower().split(".")
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    if role in viewers:
        assert changelist.status_code == 200
    else:
        assert _refused(changelist)
    if label != "pghistory.MiddlewareEvents":  # the audit trail has no add page at all
        add = client.get(reverse(f"admin:{app_label}_{model_name}_add"))
        if role in adders:
            assert add.status_code == 200
        else:
            assert _refused(add)
    obj = _object_for(label, world)
    if obj is not None:
        change = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]))
        if role in viewers:
            assert change.status_code == 200
        else:
            assert _refused(change)


@pytest.mark.parametrize("role", ROLES)
def test_admin_index(client, world, role):
    client.force_login(getattr(world, role))
    response = client.get(reverse("admin:index"))
    if role in STAFF:
        assert response.status_code == 200
        assert "cases" in response.content.decode()
    else:
        assert _refused(response)


ACTION_STATES = {
    # action -> (how to bring the Dallas case into the state where it is offered, who is offered it)
    "assign": (None, WORKERS),
    "close": (None, WORKERS),
    "approve": ("pending", {"supervisor_a", "administrator"}),
    "reject": ("pending", {"supervisor_a", "administrator"}),
    "reopen": ("closed", WORKERS),
}


def _bring_to(state, world):
    from cases import services

    case = world.case_a
    if state == "pending":
        case = services.case_update(actor=world.officer_a, case=case, priority="urgent")
        services.case_close_request(actor=world.officer_a, case=case, outcome="released")
    elif state == "closed":
        services.case_close_request(actor=world.officer_a, case=case, outcome="released")
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTION_STATES))
def test_case_action_pages(client, world, role, action):
    state, allowed = ACTION_STATES[action]
    case = _bring_to(state, world)
    client.force_login(getattr(world, role))
    response = client.get(reverse("admin:cases_case_action", args=[case.pk, action]))
    if role in allowed:
        assert response.status_code == 200
        assert case.reference in response.content.decode()
    elif role in STAFF:
        # visible but not offered to this role now: back to the case page with a message
        assert response.status_code == 302
        assert response["Location"].endswith(reverse("admin:cases_case_change", args=[case.pk]))
    else:
        assert _refused(response)
