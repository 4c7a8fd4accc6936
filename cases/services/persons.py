"""Registering and updating persons."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identifiers import check_curp_sex, curp_birth_date, normalize_a_number, validate_curp
from cases.models import Case, EmergencyContact, Hearing, IdentifierReview, Person
from cases.models.case import Status
from cases.models.identifier_review import ReviewResolution, ReviewStatus
from cases.models.person import ADDRESS_FIELDS, VULNERABILITY_FIELDS
from cases.models.work import HearingStatus
from cases.reminders import schedule
from cases.services.identifier_reviews import (
    IDENTIFIER_FIELDS,
    INTERACTIVE,
    identifier_reviews_open,
    identifiers_screen,
)
from consulates.models import Consulate
from consulates.policy import authorize, home_consulate

PERSON_FIELDS = {
    "us_county",
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "date_of_birth",
    "sex",
    "state_of_birth",
    "curp",
    "a_number",
    "passport_number",
    "matricula_consular",
    "languages",
    "needs_interpreter",
    "preferred_language",
    "phone",
    "email",
    "contact_consent",
    *ADDRESS_FIELDS,
    *VULNERABILITY_FIELDS,
}


def normalize_address(value: str) -> str:
    """An address as typed, tidied: spaces collapsed within each line, empty lines dropped (the line
    breaks staff type are kept: an address reads better on its own lines)."""
    lines = (" ".join(line.split()) for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def _clean_identifiers(fields: dict, current: Person | None = None) -> dict:
    """Normalise CURP and A-number; check the CURP agrees with birth date and sex. Field errors only.

    On an update (``current`` given), a change to any of CURP, birth date or sex is checked against
    the stored values of the others."""
    errors: dict[str, list] = {}
    cleaned = dict(fields)
    for name in (
        "given_names",
        "paternal_surname",
        "maternal_surname",
        "passport_number",
        "matricula_consular",
    ):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = " ".join(cleaned[name].split())
    for name in ADDRESS_FIELDS:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = normalize_address(cleaned[name])
    if cleaned.get("passport_number"):
        cleaned["passport_number"] = cleaned["passport_number"].upper().replace(" ", "")
    if "curp" in cleaned:
        if cleaned["curp"]:
            try:
                cleaned["curp"] = validate_curp(cleaned["curp"])
            except ValidationError as exc:
                errors["curp"] = exc.messages
        else:
            cleaned["curp"] = None
    if "a_number" in cleaned:
        if cleaned["a_number"]:
            try:
                cleaned["a_number"] = normalize_a_number(cleaned["a_number"])
            except ValidationError as exc:
                errors["a_number"] = exc.messages
        else:
            cleaned["a_number"] = None
    curp, dob, sex = cleaned.get("curp"), cleaned.get("date_of_birth"), cleaned.get("sex")
    if current is not None and {"curp", "date_of_birth", "sex"} & set(cleaned):
        curp = cleaned.get("curp", current.curp)
        dob = cleaned.get("date_of_birth", current.date_of_birth)
        sex = cleaned.get("sex", current.sex)
    if curp and "curp" not in errors:
        if dob and curp_birth_date(curp) != dob:
            errors.setdefault("curp", []).append(
                _("The CURP encodes a different date of birth (%s).") % curp_birth_date(curp)
            )
        try:
            check_curp_sex(curp, sex)
        except ValidationError as exc:
            errors.setdefault("curp", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save(
    person: Person, *, actor, before: dict | None = None, request=None, budget: str = INTERACTIVE
) -> Person:
    """Validate and save; a CURP or A-number new for the record is screened first
    (``cases.services.identifier_reviews``): one held by a person the actor cannot see is withheld, the
    record keeps its previous value (``before``; nothing on a new record) and a review is opened."""
    person.full_clean(exclude=["registered_by", "search_name", "curp_bidx", "a_number_bidx"])
    before = before or {}
    new = {
        name: getattr(person, name)
        for name in IDENTIFIER_FIELDS
        if getattr(person, name) and getattr(person, name) != before.get(name)
    }
    withheld = identifiers_screen(actor=actor, person_pk=person.pk, identifiers=new, budget=budget)
    for item in withheld:
        setattr(person, item.field, before.get(item.field))
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        # The unique blind indexes caught a concurrent write of the same identifier: saying whose would
        # be the oracle the screening avoids; saving again screens it.
        field = next((name for name in IDENTIFIER_FIELDS if name in str(exc)), None)
        message = _("This identifier could not be recorded just now. Save again.")
        raise ValidationError({field: message} if field else message) from exc
    identifier_reviews_open(actor=actor, person=person, withheld=withheld, request=request)
    return person


def refuse_if_merged(person: Person) -> None:
    """A record merged into another is no longer changed: the record it was merged into is."""
    if person.merged_into_id is not None:
        raise ValidationError(
            _("This record was merged into another one; change that record instead."), code="merged"
        )


def refuse_if_anonymised(person: Person) -> None:
    """An anonymised person's data is gone for good: nothing is added back to the record."""
    if person.anonymised_at is not None:
        raise ValidationError(
            _("This person's data was anonymised; the record cannot be changed."), code="anonymised"
        )


@transaction.atomic
def person_register(
    *, actor, consulate: Consulate | None = None, request=None, review_budget: str = INTERACTIVE, **fields
) -> Person:
    """Register a person for ``consulate`` (default: the actor's own). Returns the saved person, whose
    ``identifiers_in_review`` names the identifiers withheld for review. ``request`` (optional) gives
    the access log the client's address when an identifier is reviewed; ``review_budget`` is the rate
    those reviews count against (a detainee list's: ``identifier_reviews.IMPORT``)."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    consulate_id = consulate.pk if consulate else home_consulate(actor)
    if consulate_id is None:
        raise ValidationError({"registered_by": _("Choose the consulate registering this person.")})
    authorize(actor, "person.register", consulate or Consulate(pk=consulate_id))
    cleaned = _clean_identifiers(fields)
    person = Person(registered_by_id=consulate_id, **cleaned)
    if person.contact_consent:
        person.contact_consent_at = timezone.now()
    return _save(person, actor=actor, request=request, budget=review_budget)


@transaction.atomic
def person_update(
    *, actor, person: Person, expected_version: str | None = None, request=None, **fields
) -> Person:
    """Change a person's data. Only staff who can see the person and work cases may do it.
    ``expected_version`` (the ``updated_at`` the caller read, ISO format) refuses a stale write.
    Identifiers are screened as on registration (``identifiers_in_review``). While a vulnerability flag
    is set or cleared, the person's open cases keep needing a supervisor's approval to close."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    authorize(actor, "person.edit", person)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    refuse_if_anonymised(locked)
    refuse_if_merged(locked)
    if expected_version is not None and locked.updated_at.isoformat() != expected_version:
        raise ValidationError(
            _("Someone else changed this person while you were editing. Reload and try again."), code="stale"
        )
    cleaned = _clean_identifiers(fields, current=locked)
    had_consent = locked.contact_consent
    was_vulnerable = locked.is_vulnerable
    before = {name: getattr(locked, name) for name in IDENTIFIER_FIELDS}
    old_birth = locked.date_of_birth
    for name, value in cleaned.items():
        setattr(locked, name, value)
    if locked.contact_consent and not had_consent:
        locked.contact_consent_at = timezone.now()
    if not locked.contact_consent:
        locked.contact_consent_at = None
    saved = _save(locked, actor=actor, before=before, request=request)
    if "date_of_birth" in cleaned and saved.date_of_birth != old_birth:
        # an alias's match keys carry the person's date of birth
        for alias in saved.aliases.all():
            alias.save(update_fields=["match_keys"])
    if set(cleaned) & set(VULNERABILITY_FIELDS) and (was_vulnerable or saved.is_vulnerable):
        _closure_approval_sticks(saved)
    # ``us_county``: the person's zone, whose night their hearing reminders wait out.
    if set(cleaned) & {"phone", "email", "contact_consent", "preferred_language", "us_county"}:
        _hearing_reminders_follow(saved)
    return saved


def _closure_approval_sticks(person: Person) -> None:
    """The person was flagged vulnerable during this change (before or after it): every open case of
    theirs, whichever consulate holds it, needs a supervisor's approval to close until it is reopened."""
    open_cases = Case.objects.filter(person=person, closure_needs_approval=False).exclude(
        status=Status.CLOSED
    )
    open_cases.update(closure_needs_approval=True)


def _hearing_reminders_follow(person: Person) -> None:
    """The person's hearing reminders follow their contact details and consent (and, while detained,
    their emergency contacts')."""

    hearings = Hearing.objects.filter(
        case__person=person, status=HearingStatus.SCHEDULED, starts_at__gt=timezone.now()
    )
    for hearing in hearings.exclude(case__status=Status.CLOSED):
        schedule.hearing_reminders_sync(hearing)


@transaction.atomic
def emergency_contact_save(*, actor, person: Person, contact: EmergencyContact) -> EmergencyContact:
    """Add or change an emergency contact of a person the actor may change."""
    authorize(actor, "person.edit", person)
    current = Person.objects.get(pk=person.pk)
    refuse_if_anonymised(current)
    refuse_if_merged(current)
    contact.person = person
    contact.full_clean()
    contact.save()
    # a contact the person agreed may be told of hearings while detained: their reminders follow
    _hearing_reminders_follow(person)
    return contact


@transaction.atomic
def emergency_contact_delete(*, actor, contact: EmergencyContact) -> None:
    authorize(actor, "person.edit", contact.person)
    person = contact.person
    contact.delete()
    _hearing_reminders_follow(person)


@transaction.atomic
def identifier_review_resolve(
    *, actor, review: IdentifierReview, resolution: str, note: str = ""
) -> IdentifierReview:
    """Close a review: an administrator or an officer or supervisor of the consulate owning the person who
    holds the identifier. ``recorded`` (administrators only: it writes the other consulate's record) puts
    the identifier on the record it was entered on, once nobody else holds it. The value is dropped."""
    authorize(actor, "identifier_review.resolve", review)
    review = IdentifierReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.OPEN:
        raise ValidationError(_("This review is already resolved."), code="resolved")
    if resolution not in ReviewResolution.values:
        raise ValidationError({"resolution": _("Choose how the review is resolved.")})
    if resolution == ReviewResolution.RECORDED:
        authorize(actor, "identifier_review.record", review)
        _record_reviewed_identifier(actor, review)
    review.status, review.resolution = ReviewStatus.RESOLVED, resolution
    review.resolution_note = (note or "").strip()[:300]
    review.resolved_by, review.resolved_at = actor, timezone.now()
    review.value = ""
    review.save()
    return review


def _record_reviewed_identifier(actor, review: IdentifierReview) -> None:
    attempted = review.attempted_person
    if attempted is None:
        raise ValidationError(_("The record the identifier was entered on no longer exists."))
    others = Person.objects.exclude(pk=attempted.pk)
    holders = others.with_curp(review.value) if review.kind == "curp" else others.with_a_number(review.value)
    if holders.exists():
        raise ValidationError(
            _("Another person still holds this identifier: correct that record first."), code="taken"
        )
    person_update(actor=actor, person=attempted, **{review.kind: review.value})
