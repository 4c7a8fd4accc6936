"""A CURP or A-number already held by a person the officer cannot see is no oracle: the record is saved
without it, a review item is opened for an administrator and the consulate that owns the other person,
the match is in the access log, and the officer only hears that the identifier needs review; each user
opens only so many reviews an hour (issue 15, item 6)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from cases import services
from cases.models import AccessLog, IdentifierReview, Person
from cases.models.identifier_review import ReviewResolution, ReviewStatus
from cases.services import identifier_review_resolve
from cases.services.identifier_reviews import IdentifierReviewLimited
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def dallas():
    return f.officer("dallas")


@pytest.fixture
def el_paso():
    return f.officer("el_paso")


@pytest.fixture
def theirs(el_paso):
    """El Paso's person, with a case there: Dallas cannot see them."""
    person = f.make_person(el_paso, a_number="A-301-555-777")
    f.make_case(el_paso, person=person)
    return person


def new_person(actor, **fields):
    values = {"given_names": "Wendy", "paternal_surname": "Bóxer", **fields}
    return services.person_register(actor=actor, **values)


def raw_columns(review) -> str:
    """Every column of the review's row as PostgreSQL stores it, as one string."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM cases_identifierreview t WHERE id = %s", [review.pk])
        return cursor.fetchone()[0]


def test_a_curp_held_by_a_person_i_cannot_see_opens_a_review_and_saves_the_rest(dallas, theirs):
    person = new_person(dallas, curp=theirs.curp.lower(), sex=theirs.sex, phone="+1 214 555 0100")
    stored = Person.objects.get(pk=person.pk)
    assert (stored.curp, stored.phone, stored.registered_by_id) == (
        None,
        "+1 214 555 0100",
        f.consulate("dallas").pk,
    )
    assert person.identifiers_in_review == ("curp",)
    review = IdentifierReview.objects.get()
    assert (review.kind, review.existing_person, review.attempted_person) == ("curp", theirs, stored)
    assert (review.requested_by, review.requesting_consulate) == (dallas, f.consulate("dallas"))
    assert review.status == ReviewStatus.OPEN
    assert review.value == theirs.curp
    assert theirs.curp not in raw_columns(review)  # encrypted at rest
    log = AccessLog.objects.get(person_id=theirs.pk, user=dallas)
    assert log.action == "identifier_review"
    assert theirs.curp not in log.what


def test_an_a_number_patched_onto_my_person_is_withheld_and_the_rest_saved(dallas, theirs):
    mine = f.make_person(dallas)
    updated = services.person_update(actor=dallas, person=mine, a_number="301555777", phone="+1 214 555 0101")
    stored = Person.objects.get(pk=mine.pk)
    assert (stored.a_number, stored.phone) == (None, "+1 214 555 0101")
    assert updated.identifiers_in_review == ("a_number",)
    review = IdentifierReview.objects.get()
    assert (review.kind, review.existing_person, review.attempted_person) == ("a_number", theirs, stored)


def test_a_collision_with_a_person_i_can_see_is_a_plain_field_error(dallas):
    mine = f.make_person(dallas)
    with pytest.raises(ValidationError) as refused:
        new_person(dallas, curp=mine.curp, sex=mine.sex)
    assert refused.value.message_dict == {
        "curp": ["A person with this CURP is already registered in the network."]
    }
    assert not IdentifierReview.objects.exists()
    assert not AccessLog.objects.filter(action="identifier_review").exists()


def test_an_identifier_nobody_holds_is_saved(dallas):
    person = new_person(dallas, a_number="A-999-000-111")
    assert Person.objects.get(pk=person.pk).a_number == "999000111"
    assert person.identifiers_in_review == ()
    assert not IdentifierReview.objects.exists()


@pytest.fixture
def two_an_hour(settings):
    settings.IDENTIFIER_REVIEW_RATE_PER_USER = "2/h"
    cache.clear()
    yield
    cache.clear()


def test_reviews_are_rate_limited_per_user_and_the_limit_says_nothing(two_an_hour, dallas, el_paso):
    held = [f.make_person(el_paso) for _ in range(3)]
    for person in held[:2]:
        new_person(dallas, curp=person.curp, sex=person.sex)
    before = Person.objects.count()
    with pytest.raises(IdentifierReviewLimited) as limited:
        new_person(dallas, curp=held[2].curp, sex=held[2].sex)
    assert error_fields(limited.value) == {"curp"}
    assert limited.value.retry_after > 0
    assert "review" in limited.value.message_dict["curp"][0]
    # Over the limit, a CURP nobody holds is refused the same way: the refusal tells nothing.
    with pytest.raises(IdentifierReviewLimited):
        new_person(dallas, curp=f.make_curp(sex="H"), sex="H")
    assert Person.objects.count() == before
    assert IdentifierReview.objects.count() == 2
    new_person(dallas)  # without identifiers, registering goes on
    new_person(f.officer("dallas"), curp=held[2].curp, sex=held[2].sex)  # per user


def test_reviews_are_visible_to_administrators_and_the_owning_consulate_only(dallas, el_paso, theirs):
    new_person(dallas, curp=theirs.curp, sex=theirs.sex)
    review = IdentifierReview.objects.get()

    def sees(user):
        return IdentifierReview.objects.visible_to(fresh(user)).filter(pk=review.pk).exists()

    assert sees(f.administrator())
    assert sees(el_paso)
    assert sees(f.supervisor("el_paso"))
    assert not sees(dallas)
    assert not sees(f.officer("houston"))
    assert not sees(f.manager())
    assert not sees(f.partner_user())


def test_the_owning_consulate_resolves_and_the_value_is_dropped(dallas, el_paso, theirs):
    new_person(dallas, curp=theirs.curp, sex=theirs.sex)
    review = IdentifierReview.objects.get()
    with pytest.raises(PermissionDenied):
        identifier_review_resolve(actor=dallas, review=review, resolution=ReviewResolution.DUPLICATE)
    identifier_review_resolve(
        actor=el_paso, review=review, resolution=ReviewResolution.DUPLICATE, note="Misma"
    )
    review.refresh_from_db()
    assert (review.status, review.resolution, review.resolved_by) == ("resolved", "duplicate", el_paso)
    assert review.value == ""  # nothing left to act on: the identifier is not kept
    with pytest.raises(ValidationError):
        identifier_review_resolve(actor=el_paso, review=review, resolution=ReviewResolution.DISMISSED)


def test_an_administrator_records_the_identifier_once_it_is_free(dallas, el_paso, theirs):
    attempted = new_person(dallas, curp=theirs.curp, sex=theirs.sex)
    review = IdentifierReview.objects.get()
    admin = f.administrator()
    with pytest.raises(PermissionDenied):
        identifier_review_resolve(actor=el_paso, review=review, resolution=ReviewResolution.RECORDED)
    with pytest.raises(ValidationError) as taken:
        identifier_review_resolve(actor=admin, review=review, resolution=ReviewResolution.RECORDED)
    assert "still" in " ".join(taken.value.messages)
    curp = theirs.curp
    services.person_update(actor=el_paso, person=theirs, curp="")  # El Paso's record had it wrong
    identifier_review_resolve(actor=admin, review=review, resolution=ReviewResolution.RECORDED)
    assert Person.objects.get(pk=attempted.pk).curp == curp
    assert IdentifierReview.objects.get().status == ReviewStatus.RESOLVED


def test_erasing_the_person_holding_it_clears_the_withheld_value(dallas, theirs, el_paso):
    new_person(dallas, a_number=theirs.a_number)
    review = IdentifierReview.objects.get()
    assert review.value
    for case in theirs.cases.all():
        services.case_close_request(actor=el_paso, case=case, outcome="released")
    from cases.services import privacy

    privacy.person_erase(actor=f.administrator(), person=theirs, reason="Solicitud escrita, folio 7")
    review.refresh_from_db()
    assert review.value == ""
    assert theirs.a_number.replace("-", "") not in raw_columns(review)
