"""The custody panel of the staff case page: the custody history (dates in words, each facility's zone),
the searches for the person, and the forms to record a move, a release, a check and a search. One query
per list, whatever their length."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseLocateAttempt, CustodyEpisode, Transfer
from cases.models.crossoffice import TransferStatus
from cases.services.custody import ORDER
from workspace.custody_forms import (
    CustodyMoveForm,
    CustodyReleaseForm,
    CustodyVerifiedForm,
    LocateForm,
    facility_choices,
)


def _dress(form, case: Case, submit: str, url: str):
    form.action = reverse(f"workspace:{url}", args=[case.pk])
    form.submit_label, form.hidden_label = submit, ""
    return form


def custody_context(user, case: Case, *, working: bool, bound: dict | None = None) -> dict:
    bound = bound or {}
    episodes = list(
        CustodyEpisode.objects.visible_to(user)
        .filter(case=case)
        .select_related("facility__county", "recorded_by")
        .order_by(*ORDER)
    )[::-1]
    attempts = list(
        CaseLocateAttempt.objects.visible_to(user)
        .filter(case=case)
        .select_related("facility", "officer")
        .order_by("-attempted_at", "-pk")
    )
    # A move into another consulate's district proposes a transfer: said here, where the move is recorded.
    proposed = (
        Transfer.objects.filter(case=case, status=TransferStatus.PENDING)
        .select_related("to_consulate")
        .first()
    )
    context = {"episodes": episodes, "attempts": attempts, "proposed_transfer": proposed}
    if working:
        facilities = facility_choices()
        context["custody_forms"] = {
            "move": _dress(
                bound.get("move") or CustodyMoveForm(prefix="move", facilities=facilities),
                case,
                _("Record the move"),
                "case_custody_move",
            ),
            "release": _dress(
                bound.get("release") or CustodyReleaseForm(prefix="release"),
                case,
                _("Record the release"),
                "case_custody_release",
            ),
            "verified": _dress(
                bound.get("verified") or CustodyVerifiedForm(prefix="verified"),
                case,
                _("Custody verified today"),
                "case_custody_verified",
            ),
            "locate": _dress(
                bound.get("locate") or LocateForm(prefix="locate", facilities=facilities),
                case,
                _("Save the search"),
                "case_locate_add",
            ),
        }
    return context
