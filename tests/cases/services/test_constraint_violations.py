"""A constraint the database enforces, caught in a race the services' pre-checks cannot see, reaches the
user as the constraint's own message (``violation_error_message``), never as a database error."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from cases.models import Consent, Transfer
from cases.services.common import constraint_violation
from tests import factories as f
from tests.factories.crossoffice import make_consent, make_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def violation_of(model, create, **kwargs):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return constraint_violation(caught.value, model, **kwargs)


def test_a_second_active_consent_is_the_partner_fields_error():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    partner = f.PartnerFactory(covers=["dallas"])
    first = make_consent(officer, case, partner)
    fields = {
        "case": case,
        "partner": partner,
        "scope": first.scope,
        "method": first.method,
        "given_at": first.given_at,
    }
    error = violation_of(
        Consent, lambda: Consent.objects.create(recorded_by=officer, **fields), field="partner"
    )
    assert error.message_dict == {
        "partner": [
            "The person's consent for this partner is already recorded. Withdraw it first to change it."
        ]
    }


def test_a_second_pending_transfer_is_a_pending_error():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    first = make_transfer(officer, case, "el_paso")
    error = violation_of(
        Transfer,
        lambda: Transfer.objects.create(
            case=case, from_consulate=first.from_consulate, to_consulate=first.to_consulate, reason="Otra vez"
        ),
    )
    assert error.messages == [
        "This case already has a pending transfer. Cancel it before requesting another."
    ]
    assert error.code == "pending"


def test_another_models_constraint_is_not_mapped():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    first = make_transfer(officer, case, "el_paso")
    create = lambda: Transfer.objects.create(  # noqa: E731
        case=case, from_consulate=first.from_consulate, to_consulate=first.to_consulate, reason="Otra vez"
    )
    assert violation_of(Consent, create) is None
