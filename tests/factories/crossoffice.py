"""Consent, referrals and transfers, built through the services like the rest of the test data."""

from __future__ import annotations

from cases import services
from cases.models import Consent, Referral, Transfer
from cases.models.crossoffice import ConsentMethod, DataCategory
from tests.factories import consulate

FULL_SCOPE = tuple(DataCategory.values)


def make_consent(
    actor, case, partner, *, scope=FULL_SCOPE, method: str = ConsentMethod.VERBAL, **extra
) -> Consent:
    """Record the person's consent through ``consent_record`` (every data category by default)."""
    return services.consent_record(
        actor=actor, case=case, partner=partner, scope=list(scope), method=method, **extra
    )


def make_referral(actor, case, partner, *, service: str | None = None, request_note: str = "") -> Referral:
    """Refer through ``referral_create``; records a full-scope consent first when none stands."""
    if not Consent.objects.active().filter(case=case, partner=partner).exists():
        make_consent(actor, case, partner)
    return services.referral_create(
        actor=actor,
        case=case,
        partner=partner,
        service=service or partner.services[0],
        request_note=request_note,
    )


def make_transfer(
    actor, case, to_slug: str, *, reason: str = "La familia vive en el otro distrito."
) -> Transfer:
    """Ask another consulate to take the case through ``transfer_request``."""
    return services.transfer_request(actor=actor, case=case, to_consulate=consulate(to_slug), reason=reason)


__all__ = ["FULL_SCOPE", "make_consent", "make_referral", "make_transfer"]
