"""Reads of transfers, consents and referrals. Every public selector starts from ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from cases.models import Case, Consent, Document, Referral, Transfer
from cases.models.crossoffice import DataCategory
from consulates.models import Partner
from consulates.selectors import partners_covering


def transfers_for_list(*, user) -> QuerySet[Transfer]:
    """Transfers the user may see, with what a list row prints loaded, and ``case_visible``: whether the
    user may open the case itself (the sending consulate keeps the transfer but loses the case)."""
    return (
        Transfer.objects.visible_to(user)
        .select_related("case__person", "from_consulate", "to_consulate", "requested_by", "decided_by")
        .annotate(case_visible=Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))))
    )


def referrals_for_list(*, user) -> QuerySet[Referral]:
    return Referral.objects.visible_to(user).select_related(
        "case__person", "case__consulate", "partner", "consent", "referred_by", "responded_by"
    )


def case_transfers(*, user, case: Case) -> QuerySet[Transfer]:
    return (
        Transfer.objects.visible_to(user)
        .filter(case=case)
        .select_related("from_consulate", "to_consulate", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def case_consents(*, user, case: Case) -> QuerySet[Consent]:
    return (
        Consent.objects.visible_to(user)
        .filter(case=case)
        .select_related("partner", "recorded_by", "withdrawn_by", "form_document")
        .order_by("withdrawn_at", "-given_at", "-pk")  # standing consents first
    )


def case_referrals(*, user, case: Case) -> QuerySet[Referral]:
    return (
        Referral.objects.visible_to(user)
        .filter(case=case)
        .select_related("partner", "consent", "referred_by", "responded_by", "withdrawn_by")
        .order_by("-referred_at", "-pk")
    )


def case_documents(*, user, case: Case) -> QuerySet[Document]:
    """The case's documents, newest first: the choices for a consent's signed form."""
    return Document.objects.visible_to(user).filter(case=case).order_by("-uploaded_at", "-pk")


def referral_partner_suggestions(*, case: Case, service: str | None = None) -> QuerySet[Partner]:
    """Partners a case could be referred to: active, covering the case's consulate and, with
    ``service``, offering it. Each carries ``has_consent``: the person's standing consent for that
    partner lets it know who they are (what ``referral_create`` needs). Consented partners first."""
    standing = Consent.objects.active().filter(
        case_id=case.pk, partner_id=OuterRef("pk"), scope__contains=[DataCategory.IDENTITY]
    )
    partners = partners_covering(case.consulate_id)
    if service:
        partners = partners.filter(services__contains=[service])
    return partners.annotate(has_consent=Exists(standing)).order_by("-has_consent", "name")
