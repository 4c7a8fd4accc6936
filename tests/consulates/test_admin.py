"""The network's pages in the staff UI: every staff member reads the reference data, administrators
edit it (and their edits survive the loader), and only administrators give users their roles, with
the staff-UI flag kept in step with the role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consulates.models import Basis, Consulate, County, PartnerMembership, Role, StaffMembership
from consulates.services import network_load
from tests.auth import login_verified
from tests.factories import PartnerFactory, UserFactory, administrator, consulate, officer

pytestmark = pytest.mark.django_db

CONSULATE_FIELDS = [
    "code",
    "city",
    "state",
    "kind",
    "address",
    "phone",
    "website",
    "timezone",
    "inquiry_hours_normal",
    "inquiry_hours_urgent",
    "source",
]


def _consulate_post(obj: Consulate, **changes) -> dict:
    return {**model_to_dict(obj, fields=CONSULATE_FIELDS), **changes}


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1",
    }


# --- reference data ------------------------------------------------------------------------------


def test_staff_read_reference_data_but_cannot_change_it(client):
    dallas = consulate("dallas")
    url = reverse("admin:consulates_consulate_change", args=[dallas.pk])
    login_verified(client, officer("dallas"))
    page = client.get(url)
    assert page.status_code == 200
    assert dallas.city in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, _consulate_post(dallas, phone="000")).status_code == 403
    assert Consulate.objects.get(pk=dallas.pk).phone == dallas.phone


def test_administrator_edit_is_curated_and_survives_the_loader(client):
    dallas = consulate("dallas")
    login_verified(client, administrator())
    response = client.post(
        reverse("admin:consulates_consulate_change", args=[dallas.pk]),
        _consulate_post(dallas, phone="+1 214 555 0100", website="consulmex.sre.gob.mx/dallas"),
    )
    assert response.status_code == 302
    stored = Consulate.objects.get(pk=dallas.pk)
    assert stored.curated
    assert stored.website == "https://consulmex.sre.gob.mx/dallas"  # typed without a scheme
    network_load()
    assert Consulate.objects.get(pk=dallas.pk).phone == "+1 214 555 0100"


@pytest.mark.parametrize(
    ("language", "message"),
    [("es", "Introduzca un solo número de teléfono"), ("en", "Enter one phone number only")],
)
def test_the_consulates_phone_is_one_number_that_can_be_given_to_persons(client, settings, language, message):
    dallas = consulate("dallas")
    login_verified(client, administrator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        reverse("admin:consulates_consulate_change", args=[dallas.pk]),
        _consulate_post(dallas, phone="+1 214 555 0100 (ask for protection)"),
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["phone"]
    assert message in response.content.decode()
    stored = Consulate.objects.get(pk=dallas.pk)
    assert (stored.phone, stored.curated) == (dallas.phone, False)  # nothing written


def test_saving_an_untouched_page_does_not_curate(client):
    dallas = consulate("dallas")
    login_verified(client, administrator())
    response = client.post(
        reverse("admin:consulates_consulate_change", args=[dallas.pk]), _consulate_post(dallas)
    )
    assert response.status_code == 302
    assert not Consulate.objects.get(pk=dallas.pk).curated


def test_moving_a_county_to_another_district_is_a_staff_decision(client):
    county = County.objects.filter(consulate__slug="dallas").order_by("pk").first()
    fields = ["state", "name", "consulate", "basis", "confidence", "latitude", "longitude", "source"]
    data = {k: ("" if v is None else v) for k, v in model_to_dict(county, fields=fields).items()}
    login_verified(client, administrator())
    response = client.post(
        reverse("admin:consulates_county_change", args=[county.pk]),
        {**data, "consulate": consulate("oklahoma_city").pk},
    )
    assert response.status_code == 302
    stored = County.objects.get(pk=county.pk)
    assert (stored.consulate.slug, stored.curated, stored.basis) == ("oklahoma_city", True, Basis.STAFF)


@pytest.mark.parametrize("model", ["consulate", "county", "detentionfacility", "receptionpoint", "partner"])
def test_reference_data_is_never_deleted_from_the_staff_ui(client, model):
    from django.apps import apps

    obj = apps.get_model("consulates", model).objects.order_by("pk").first() or PartnerFactory()
    login_verified(client, administrator())
    url = reverse(f"admin:consulates_{model}_delete", args=[obj.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- users and their roles -----------------------------------------------------------------------


def _user_post(user, *, staff: dict | None = None, partner=None, is_staff=False, delete_staff=False) -> dict:
    """The user page as posted by an administrator, with its two membership inlines."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "08:00:00",
        **_management("staff_membership"),
        **_management("partner_membership"),
    }
    if is_staff:
        data["is_staff"] = "on"
    current = StaffMembership.objects.filter(user=user).first()
    if current or staff:
        data.update(_management("staff_membership", total=1, initial=int(current is not None)))
        data.update(
            {"staff_membership-0-user": user.pk, "staff_membership-0-id": current.pk if current else ""}
        )
        data.update({f"staff_membership-0-{k}": v for k, v in (staff or model_to_dict(current)).items()})
        if delete_staff:
            data["staff_membership-0-DELETE"] = "on"
    if partner is not None:
        data.update(_management("partner_membership", total=1))
        data.update({"partner_membership-0-user": user.pk, "partner_membership-0-partner": partner.pk})
    return data


def _post_user(client, user, **kwargs):
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), _user_post(user, **kwargs))
    assert response.status_code == 302, response.context and response.context["errors"]
    user.refresh_from_db()
    return user


def test_an_administrator_grants_and_removes_a_role(client):
    user = UserFactory(is_staff=False)
    login_verified(client, administrator())
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    prefixes = {inline.formset.prefix for inline in page.context["inline_admin_formsets"]}
    assert prefixes == {"staff_membership", "partner_membership"}
    role = {"role": Role.OFFICER, "consulate": consulate("dallas").pk}
    assert _post_user(client, user, staff=role).is_staff  # the role brings the staff UI...
    assert user.staff_membership.consulate == consulate("dallas")
    assert not _post_user(client, user, is_staff=True, delete_staff=True).is_staff  # ...and takes it away
    assert not StaffMembership.objects.filter(user=user).exists()


def test_a_partner_user_never_gets_the_staff_ui(client):
    user = UserFactory(is_staff=True)
    login_verified(client, administrator())
    assert not _post_user(client, user, is_staff=True, partner=PartnerFactory()).is_staff
    assert PartnerMembership.objects.filter(user=user).exists()


def test_membership_pages_keep_the_staff_flag_in_step(client):
    user = UserFactory(is_staff=False)
    login_verified(client, administrator())
    response = client.post(
        reverse("admin:consulates_staffmembership_add"),
        {"user": user.pk, "role": Role.SUPERVISOR, "consulate": consulate("el_paso").pk},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
    membership = StaffMembership.objects.get(user=user)
    url = reverse("admin:consulates_staffmembership_delete", args=[membership.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    user.refresh_from_db()
    assert not user.is_staff
    flagged = UserFactory(is_staff=True)  # a stale flag: no staff role
    response = client.post(
        reverse("admin:consulates_partnermembership_add"),
        {"user": flagged.pk, "partner": PartnerFactory().pk},
    )
    assert response.status_code == 302
    assert PartnerMembership.objects.filter(user=flagged).exists()
    flagged.refresh_from_db()
    assert not flagged.is_staff


def test_officers_cannot_give_roles(client):
    user = UserFactory(is_staff=False)
    login_verified(client, officer("dallas"))
    role = {"role": Role.ADMINISTRATOR, "consulate": ""}
    assert (
        client.post(
            reverse("admin:auth_user_change", args=[user.pk]), _user_post(user, staff=role)
        ).status_code
        == 403
    )
    add = client.post(reverse("admin:consulates_staffmembership_add"), {"user": user.pk, **role})
    assert add.status_code == 403
    assert not StaffMembership.objects.filter(user=user).exists()


def test_users_are_deactivated_never_deleted(client):
    user = officer("dallas")
    login_verified(client, administrator())
    assert client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"}).status_code == 403
    assert type(user).objects.filter(pk=user.pk).exists()


def test_user_list_shows_roles_with_a_fixed_number_of_queries(client):
    login_verified(client, administrator())
    url = reverse("admin:auth_user_changelist")

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    first = officer("dallas")
    few = count()
    for slug in ["el_paso", "houston", "laredo"] * 8:
        officer(slug)
    assert count() == few
    assert str(first.staff_membership) in client.get(url).content.decode()


# --- The auditor role and the export permission ----------------------------------------------------


def test_an_administrator_grants_the_export_permission_and_appoints_auditors(client):
    from consulates.policy import can

    def can_export(user):
        return can(user, "report.export")

    login_verified(client, administrator())
    add = reverse("admin:consulates_staffmembership_add")
    officer_user, auditor_user = UserFactory(is_staff=False), UserFactory(is_staff=False)
    response = client.post(
        add,
        {
            "user": officer_user.pk,
            "role": Role.OFFICER,
            "consulate": consulate("dallas").pk,
            "can_export": "on",
        },
    )
    assert response.status_code == 302
    officer_user.refresh_from_db()
    assert can_export(officer_user)

    refused = client.post(
        add, {"user": auditor_user.pk, "role": Role.AUDITOR, "consulate": "", "can_export": "on"}
    )
    assert refused.status_code == 200
    assert "no se les puede otorgar el permiso de exportación" in refused.content.decode()
    assert not StaffMembership.objects.filter(user=auditor_user).exists()

    with_consulate = client.post(
        add, {"user": auditor_user.pk, "role": Role.AUDITOR, "consulate": consulate("dallas").pk}
    )
    assert with_consulate.status_code == 200  # auditors are network-wide, like managers
    assert (
        client.post(add, {"user": auditor_user.pk, "role": Role.AUDITOR, "consulate": ""}).status_code == 302
    )
    auditor_user.refresh_from_db()
    assert auditor_user.is_staff  # into the staff UI, where only the audit pages open for them


def test_new_memberships_do_not_export_by_default(client):
    login_verified(client, administrator())
    user = UserFactory(is_staff=False)
    client.post(
        reverse("admin:consulates_staffmembership_add"), {"user": user.pk, "role": Role.REGIONAL_MANAGER}
    )
    assert StaffMembership.objects.get(user=user).can_export is False
