"""Consent to share a case with a partner, and the referral that rests on it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Consent, Document, Referral
from cases.models.crossoffice import ACTIVE_REFERRAL, ConsentMethod, DataCategory, ReferralStatus
from cases.models.work import EventKind
from cases.reminders import schedule, webhook_events
from cases.services.common import case_write, constraint_violation, lock_case, touch
from cases.services.documents import document_upload
from consulates.models import Partner
from consulates.policy import authorize


def _lock_referral(referral: Referral | int) -> tuple[Referral, Case]:
    pk = referral if isinstance(referral, int) else referral.pk
    case_id = Referral.objects.values_list("case_id", flat=True).get(pk=pk)
    case = lock_case(case_id)
    referral = Referral.objects.select_for_update().select_related("partner", "consent").get(pk=pk)
    referral.case = case  # the locked row, for the policy and the events
    return referral, case


def _lock_consent(consent: Consent | int) -> tuple[Consent, Case]:
    pk = consent if isinstance(consent, int) else consent.pk
    case_id = Consent.objects.values_list("case_id", flat=True).get(pk=pk)
    case = lock_case(case_id)
    consent = Consent.objects.select_for_update().select_related("partner").get(pk=pk)
    consent.case = case
    return consent, case


# Consent


@transaction.atomic
def consent_record(
    *,
    actor,
    case: Case,
    partner: Partner,
    scope: list[str],
    method: str,
    given_at: dt.datetime | None = None,
    form_document: Document | None = None,
) -> Consent:
    """Record the person's consent to share the listed data categories of this case with a partner."""
    case = case_write(case, actor, "consent.record")
    errors: dict[str, list[str]] = {}
    scope = list(dict.fromkeys(scope or []))
    if partner is None:
        errors["partner"] = [_("Choose the partner organisation.")]
    elif not partner.active:
        errors["partner"] = [_("This partner organisation is inactive.")]
    if not scope:
        errors["scope"] = [_("Choose at least one kind of data the person agrees to share.")]
    elif set(scope) - set(DataCategory.values):
        errors["scope"] = [_("Choose only from the listed kinds of data.")]
    if method not in ConsentMethod.values:
        errors["method"] = [_("Say how the consent was given.")]
    elif method == ConsentMethod.UPLOADED and form_document is None:
        errors["form_document"] = [_("Attach the signed form: upload it to the case's documents first.")]
    if form_document is not None and form_document.case_id != case.pk:
        errors["form_document"] = [_("Choose a document of this case.")]
    given_at = given_at or timezone.now()
    if given_at > timezone.now() + dt.timedelta(minutes=5):
        errors["given_at"] = [_("This time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                case=case,
                partner=partner,
                scope=[c for c in DataCategory.values if c in scope],
                method=method,
                form_document=form_document if method == ConsentMethod.UPLOADED else None,
                given_at=given_at,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        violation = constraint_violation(exc, Consent, field="partner")
        if violation is not None:
            raise violation from exc
        raise
    events.consent_recorded(case, actor, consent=consent)
    touch(case, actor)
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, note: str = "") -> Consent:
    """The person withdraws consent: the partner's access ends now, with every referral resting on it."""
    consent, case = _lock_consent(consent)
    authorize(actor, "consent.withdraw", consent)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent was already withdrawn."), code="consent_withdrawn")
    now = timezone.now()
    consent.withdrawn_at = now
    consent.withdrawn_by = actor
    consent.withdrawal_note = (note or "").strip()
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    ended = []
    for referral in (
        Referral.objects.select_for_update()
        .filter(consent=consent, status__in=ACTIVE_REFERRAL)
        .order_by("pk")
    ):
        referral.withdraw(by=actor, reason=_("The person withdrew consent."), at=now)
        ended.append(referral.pk)
    event = events.consent_withdrawn(case, actor, consent=consent, referrals_ended=ended)
    webhook_events.consent_withdrawn(event, consent, ended)
    touch(case, actor)
    for referral in Referral.objects.filter(pk__in=ended):
        schedule.referral_reminders_sync(referral)
    schedule.case_hearings_resync(case)
    return consent


# Referrals


def _reminders_follow(referral: Referral) -> None:
    """The referral's own reminders, and the partner's hearing reminders, follow its status."""
    schedule.referral_reminders_sync(referral)
    schedule.case_hearings_resync(referral.case)


@transaction.atomic
def referral_create(*, actor, case: Case, partner: Partner, service: str, request_note: str = "") -> Referral:
    """Refer the case to a partner for one service. Needs the person's standing consent for that
    partner (covering at least their identity), an active partner that offers the service and covers
    the case's consulate."""
    case = case_write(case, actor, "referral.create")
    errors: dict[str, list[str]] = {}
    if partner is None:
        raise ValidationError({"partner": _("Choose the partner organisation.")})
    if not partner.active:
        errors["partner"] = [_("This partner organisation is inactive; it cannot receive referrals.")]
    elif not partner.consulates.filter(pk=case.consulate_id).exists():
        errors["partner"] = [_("This partner organisation does not cover this consulate.")]
    if service not in partner.services:
        errors["service"] = [_("This partner organisation does not offer this service.")]
    consent = Consent.objects.active().filter(case=case, partner=partner).first()
    if consent is None:
        errors.setdefault("partner", []).append(
            _("Record the person's consent to share this case with this partner before referring.")
        )
    elif DataCategory.IDENTITY not in consent.scope:
        errors.setdefault("partner", []).append(
            _("The person's consent does not let this partner know who they are; a referral needs it.")
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                case=case,
                partner=partner,
                consent=consent,
                service=service,
                request_note=(request_note or "").strip(),
                referred_by=actor,
            )
    except IntegrityError as exc:
        violation = constraint_violation(exc, Referral, field="service")
        if violation is not None:
            raise violation from exc
        raise
    event = events.referred(case, actor, referral=referral)
    webhook_events.referral_created(event, referral)
    touch(case, actor)
    _reminders_follow(referral)
    return referral


def _require_responder(actor, referral: Referral, case: Case) -> None:
    """The partner's own users answer; consulate staff may record an answer received by phone or email."""
    authorize(actor, "referral.respond", referral)


def _refuse_unless(referral: Referral, *allowed: str) -> None:
    """The referral's state refuses the action; the code says which state the action needed."""
    if referral.status not in allowed:
        if set(allowed) == {ReferralStatus.PENDING}:
            code = "referral_not_pending"
        elif set(allowed) == {ReferralStatus.ACCEPTED}:
            code = "referral_not_accepted"
        else:
            code = "referral_not_active"
        raise ValidationError(
            _("Not possible: the referral is %(status)s.")
            % {"status": referral.get_status_display().lower()},
            code=code,
        )


def _check_unchanged(referral: Referral, expected_updated_at: str | None) -> None:
    """The caller's ``If-Match``: the referral (read under lock) must be the one it read."""
    if expected_updated_at is not None and referral.updated_at.isoformat() != expected_updated_at:
        raise ValidationError(
            _("The referral changed since you read it. Read it again, then retry."), code="stale"
        )


def _refuse_unless_consented(referral: Referral) -> None:
    if referral.consent.withdrawn_at is not None:
        raise ValidationError(
            _("The person withdrew consent; this referral has ended."), code="consent_withdrawn"
        )


def _answer(actor, referral: Referral, case: Case, *, status: str, text: str = "", kind: str) -> Referral:
    previous = referral.status
    referral.status = status
    fields = ["status", "updated_at"]
    if previous == ReferralStatus.PENDING:
        referral.responded_by = actor
        referral.responded_at = timezone.now()
        fields += ["responded_by", "responded_at"]
    if status == ReferralStatus.DECLINED:
        referral.decline_reason = text
        fields.append("decline_reason")
    if status == ReferralStatus.COMPLETED:
        referral.completed_at = timezone.now()
        referral.outcome_note = text
        fields += ["completed_at", "outcome_note"]
    referral.save(update_fields=fields)
    events.referral_changed(case, actor, referral=referral, kind=kind, text=text)
    touch(case, actor)
    _reminders_follow(referral)
    return referral


@transaction.atomic
def referral_accept(*, actor, referral: Referral, expected_updated_at: str | None = None) -> Referral:
    referral, case = _lock_referral(referral)
    _check_unchanged(referral, expected_updated_at)
    _require_responder(actor, referral, case)
    _refuse_unless(referral, ReferralStatus.PENDING)
    _refuse_unless_consented(referral)
    return _answer(actor, referral, case, status=ReferralStatus.ACCEPTED, kind=EventKind.REFERRAL_ANSWERED)


@transaction.atomic
def referral_decline(
    *, actor, referral: Referral, reason: str, expected_updated_at: str | None = None
) -> Referral:
    referral, case = _lock_referral(referral)
    _check_unchanged(referral, expected_updated_at)
    _require_responder(actor, referral, case)
    _refuse_unless(referral, ReferralStatus.PENDING)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _answer(
        actor,
        referral,
        case,
        status=ReferralStatus.DECLINED,
        text=reason.strip(),
        kind=EventKind.REFERRAL_ANSWERED,
    )


@transaction.atomic
def referral_start(
    *, actor, referral: Referral, note: str = "", expected_updated_at: str | None = None
) -> Referral:
    referral, case = _lock_referral(referral)
    _check_unchanged(referral, expected_updated_at)
    _require_responder(actor, referral, case)
    _refuse_unless(referral, ReferralStatus.ACCEPTED)
    _refuse_unless_consented(referral)
    return _answer(
        actor,
        referral,
        case,
        status=ReferralStatus.IN_PROGRESS,
        text=(note or "").strip(),
        kind=EventKind.REFERRAL_PROGRESS,
    )


@transaction.atomic
def referral_complete(
    *, actor, referral: Referral, outcome_note: str, expected_updated_at: str | None = None
) -> Referral:
    referral, case = _lock_referral(referral)
    _check_unchanged(referral, expected_updated_at)
    _require_responder(actor, referral, case)
    _refuse_unless(referral, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
    if not (outcome_note or "").strip():
        raise ValidationError({"outcome_note": _("Say what the partner did for the person.")})
    return _answer(
        actor,
        referral,
        case,
        status=ReferralStatus.COMPLETED,
        text=outcome_note.strip(),
        kind=EventKind.REFERRAL_PROGRESS,
    )


@transaction.atomic
def referral_withdraw(*, actor, referral: Referral, reason: str) -> Referral:
    """The consulate takes the referral back at any point while it is active."""
    referral, case = _lock_referral(referral)
    authorize(actor, "referral.withdraw", referral)
    _refuse_unless(referral, *ACTIVE_REFERRAL)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the referral is withdrawn.")})
    referral.withdraw(by=actor, reason=reason.strip())
    event = events.referral_changed(
        case, actor, referral=referral, kind=EventKind.REFERRAL_WITHDRAWN, text=reason.strip()
    )
    webhook_events.referral_withdrawn(event, referral)
    touch(case, actor)
    _reminders_follow(referral)
    return referral


@transaction.atomic
def referral_note_add(*, actor, referral: Referral, text: str):
    """A partner's update on the work it does: on the case timeline with the partner user as author."""
    referral, case = _lock_referral(referral)
    authorize(actor, "referral.note", referral)
    _refuse_unless(referral, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
    _refuse_unless_consented(referral)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the update.")})
    event = events.referral_changed(
        case, actor, referral=referral, kind=EventKind.PARTNER_NOTE, text=text.strip()
    )
    touch(case, actor)
    return event


@transaction.atomic
def referral_document_upload(
    *, actor, referral: Referral, file, kind: str, description: str = ""
) -> Document:
    """A partner's document on the case, through an active referral only: an ended referral is no channel
    to the case, even while the case is shared with the partner through another referral."""
    referral, case = _lock_referral(referral)
    _refuse_unless(referral, *ACTIVE_REFERRAL)
    return document_upload(actor=actor, case=case, file=file, kind=kind, description=description)
