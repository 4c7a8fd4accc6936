"""Deactivating a partner organisation (consulates/admin/network.py, consulates/services.py, consulates/access.py):
its users resolve to no access at all, and unticking *active* in the staff UI revokes every API token of
its users, on the record."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from consulates.access import access_for
from consulates.models import Partner
from consulates.services import partner_deactivate
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

PARTNER_FIELDS = [
    "name",
    "services",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "webhook_url",
    "kind",
    "state",
]


def _post_data(partner: Partner, **changes) -> dict:
    data = model_to_dict(partner, fields=PARTNER_FIELDS)
    data["services"] = list(partner.services)
    data["consulates"] = [c.pk for c in partner.consulates.all()]
    if partner.active:
        data["active"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _token(user) -> tuple[ApiToken, APIClient]:
    token, raw = ApiToken.objects.create(user=user, name="sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return token, client


@pytest.fixture
def admin_browser():
    browser = Client()
    browser.administrator = f.administrator()
    login_verified(browser, browser.administrator)
    return browser


def test_unticking_active_revokes_every_token_of_the_partners_users(admin_browser):
    partner = f.PartnerFactory(covers=["dallas"])
    users = [f.partner_user(partner), f.partner_user(partner)]
    tokens = [_token(user) for user in users] + [_token(users[0])]
    other_token, other_client = _token(f.partner_user(f.PartnerFactory()))
    for _token_row, client in tokens:
        assert client.get("/api/v1/partner/referrals/").status_code == 200

    data = _post_data(partner)
    del data["active"]
    response = admin_browser.post(
        reverse("admin:consulates_partner_change", args=[partner.pk]), data, follow=True
    )

    assert response.status_code == 200
    assert not Partner.objects.get(pk=partner.pk).active
    assert not ApiToken.objects.filter(user__in=users).exists()
    assert "3" in " ".join(str(m) for m in response.context["messages"])
    for _token_row, client in tokens:
        assert client.get("/api/v1/partner/referrals/").status_code == 401
    assert ApiToken.objects.filter(pk=other_token.pk).exists()
    assert other_client.get("/api/v1/partner/referrals/").status_code == 200
    # On the record: each token's history row says it went with the partner's deactivation.
    history = apps.get_model("api", "ApiTokenHistory").objects.filter(
        pgh_label="delete", pgh_obj_id__in=[t.pk for t, _ in tokens]
    )
    assert history.count() == 3
    assert {event.pgh_context.metadata.get("partner_deactivated") for event in history} == {partner.pk}


def test_other_edits_and_an_inactive_partner_saved_again_revoke_nothing(admin_browser):
    partner = f.PartnerFactory(covers=["dallas"])
    token, _client = _token(f.partner_user(partner))
    url = reverse("admin:consulates_partner_change", args=[partner.pk])
    assert admin_browser.post(url, _post_data(partner, contact_name="Otra persona")).status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()

    Partner.objects.filter(pk=partner.pk).update(active=False)
    partner.refresh_from_db()
    later, _client = _token(f.partner_user(partner))  # e.g. issued by a script, bypassing the staff UI
    assert admin_browser.post(url, _post_data(partner, contact_name="Tercera")).status_code == 302
    assert ApiToken.objects.filter(pk=later.pk).exists()


def test_only_an_administrator_deactivates_a_partner():
    partner = f.PartnerFactory(covers=["dallas"])
    token, _client = _token(f.partner_user(partner))
    for actor in (f.officer("dallas"), f.supervisor("dallas"), f.manager()):
        with pytest.raises(PermissionDenied):
            partner_deactivate(actor=actor, partner=partner)
    assert Partner.objects.get(pk=partner.pk).active
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert partner_deactivate(actor=f.administrator(), partner=partner) == 1
    assert not Partner.objects.get(pk=partner.pk).active


def test_a_user_of_an_inactive_partner_resolves_to_no_access():
    partner = f.PartnerFactory(covers=["dallas"])
    user = f.partner_user(partner)
    assert access_for(type(user).objects.get(pk=user.pk)).partner_id == partner.pk
    Partner.objects.filter(pk=partner.pk).update(active=False)
    access = access_for(type(user).objects.get(pk=user.pk))
    assert (access.role, access.partner_id) == (None, None)
    Partner.objects.filter(pk=partner.pk).update(active=True)  # reactivated: a new token works again
    assert access_for(type(user).objects.get(pk=user.pk)).partner_id == partner.pk


def test_no_token_is_issued_to_a_user_of_an_inactive_partner(admin_browser):
    partner = f.PartnerFactory(covers=["dallas"], active=False)
    user = f.partner_user(partner)
    response = admin_browser.post(
        "/admin/api/apitoken/add/", {"user": user.pk, "name": "x", "valid_days": 30}
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=user).exists()
