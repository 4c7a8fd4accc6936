"""The API benchmark's raw pages answer exactly what the API answers, and it refuses a page that drifted."""

import datetime as dt

import orjson
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from cases.models import EmergencyContact, Person
from cases.services import emergency_contact_save
from cases.services.aliases import alias_add
from devtools.bench_raw_pages import (
    caller_language,
    caller_zone,
    first_difference,
    raw_case_detail,
    raw_case_list,
    raw_partner_referrals,
    raw_person_search,
)
from tests import factories as f
from tests.auth import login_verified
from tests.factories.crossoffice import make_referral


def page(**overrides):
    case = {"id": 1, "art36": {"contact_expected": True, "advice_delay_hours": 1.5}, "handovers": []}
    case.update(overrides)
    return {"count": 1, "next": None, "results": [case]}


def test_equal_pages_have_no_difference():
    assert first_difference(page(), page()) is None


def test_a_key_the_raw_page_lacks_is_named_with_both_values():
    raw = page()
    del raw["results"][0]["art36"]["advice_delay_hours"]
    assert first_difference(page(), raw) == ("results[0].art36.advice_delay_hours", 1.5, "<missing>")


def test_a_key_only_the_raw_page_has():
    assert first_difference(page(), page(extra=2)) == ("results[0].extra", "<missing>", 2)


def test_a_different_value_the_count_and_a_shorter_list():
    assert first_difference(page(), page(id=2)) == ("results[0].id", 1, 2)
    assert first_difference(page(), {**page(), "count": 2}) == ("count", 1, 2)
    assert first_difference(page(handovers=[{"id": 3}]), page()) == ("results[0].handovers (length)", 1, 0)


def test_a_time_in_another_zone_and_a_number_of_another_type_differ():
    assert first_difference(page(at="2026-12-06T23:30:00-06:00"), page(at="2026-12-07T05:30:00Z"))
    assert first_difference(page(flag=True), page(flag=1)) == ("results[0].flag", True, 1)


# The raw pages against the API on what the seeded benchmark database lacks: another name (an alias), an
# anonymised person, emergency contacts (their phones encrypted), a referral sharing every data category.


def _api(client, method: str, path: str, body=None):
    response = client.post(path, body, format="json") if method == "post" else client.get(path)
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


@pytest.mark.django_db
def test_the_person_search_answers_what_the_api_answers():
    officer, manager = f.officer("dallas"), f.manager()
    named = [f.make_person(officer, paternal_surname="Zyxwvu") for _ in range(3)]
    emergency_contact_save(
        actor=officer,
        person=named[0],
        contact=EmergencyContact(
            person=named[0], name="Rosa Pérez", relationship="hermana", phone="2145550100"
        ),
    )
    Person.objects.filter(pk=named[1].pk).update(anonymised_at=timezone.now())
    other = f.make_person(officer, paternal_surname="Quintanilla")
    alias_add(actor=officer, person=other, given_names="Ana", paternal_surname="Zyxwvu")
    client = APIClient()
    login_verified(client, manager)

    api = _api(client, "post", "/api/v1/persons/search/", {"search": "zyxwvu", "limit": 50})
    raw = orjson.loads(raw_person_search("zyxwvu", caller_zone(manager), caller_language()))
    assert api["count"] == 4
    assert any(person["emergency_contacts"] for person in api["results"])
    assert first_difference(api, raw) is None


@pytest.mark.django_db
def test_the_partner_page_and_the_case_pages_answer_what_the_api_answers():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    emergency_contact_save(
        actor=officer,
        person=case.person,
        contact=EmergencyContact(
            person=case.person, name="Juan Ruiz", relationship="hermano", phone="2145550111"
        ),
    )
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation", "shelter"])
    make_referral(officer, case, partner, service="legal_representation", request_note="Audiencia próxima.")
    _token, secret = ApiToken.objects.create(user=f.partner_user(partner), expiry=dt.timedelta(days=1))
    partner_client = APIClient()
    partner_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    staff = APIClient()
    login_verified(staff, officer)
    zone, language = caller_zone(officer), caller_language()
    consulate = officer.staff_membership.consulate_id

    api = _api(partner_client, "get", "/api/v1/partner/referrals/?limit=50")
    raw = orjson.loads(
        raw_partner_referrals(
            partner.pk, caller_zone(None), language, "http://testserver/api/v1/partner/referrals/"
        )
    )
    assert api["results"][0]["case"]["contact"]["emergency_contacts"]
    assert first_difference(api, raw) is None
    api = _api(staff, "get", "/api/v1/cases/?status=open&limit=50")
    raw = orjson.loads(raw_case_list(consulate, zone, language, "http://testserver/api/v1/cases/"))
    assert first_difference(api, raw) is None
    api = _api(staff, "get", f"/api/v1/cases/{case.pk}/")
    assert first_difference(api, orjson.loads(raw_case_detail(case.pk, consulate, zone, language))) is None
