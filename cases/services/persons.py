"""Registering and updating persons."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identifiers import curp_birth_date, normalize_a_number, validate_curp
from cases.models import EmergencyContact, Person
from cases.models.person import ADDRESS_FIELDS, VULNERABILITY_FIELDS
from cases.services.common import integrity_to_validation
from consulates.access import access_for
from consulates.models import Consulate

PERSON_FIELDS = {
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
        if sex in ("H", "M") and curp[10] != sex:
            errors.setdefault("curp", []).append(_("The CURP encodes a different sex."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save(person: Person) -> Person:
    # Uniqueness of CURP and A-number lives on their blind indexes, computed only when the row is saved:
    # checked here through the lookups, and the unique constraints still catch a race (below).
    person.full_clean(exclude=["registered_by", "search_name", "curp_bidx", "a_number_bidx"])
    others = Person.objects.exclude(pk=person.pk) if person.pk else Person.objects.all()
    errors = {}
    if person.curp and others.with_curp(person.curp).exists():
        errors["curp"] = _("A person with this CURP is already registered in the network.")
    if person.a_number and others.with_a_number(person.a_number).exists():
        errors["a_number"] = _("A person with this A-number is already registered in the network.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise integrity_to_validation(
            exc,
            {
                "curp": ("curp", _("A person with this CURP is already registered in the network.")),
                "a_number": (
                    "a_number",
                    _("A person with this A-number is already registered in the network."),
                ),
            },
        ) from exc
    return person


def refuse_if_anonymised(person: Person) -> None:
    """An anonymised person's data is gone for good: nothing is added back to the record."""
    if person.anonymised_at is not None:
        raise ValidationError(
            _("This person's data was anonymised; the record cannot be changed."), code="anonymised"
        )


def _require_person_writer(actor, person_id: int) -> None:
    """Administrators, and officers and supervisors of a consulate that registered the person or works
    one of their cases. Seeing a person is not enough: a consulate asked to take over a case reads the
    person's data while it decides, but does not change it."""
    from cases.models import Case

    access = access_for(actor)
    if access.can_work_cases and access.network_wide:
        return
    if access.can_work_cases and access.consulate_id is not None:
        own = Person.objects.filter(pk=person_id, registered_by_id=access.consulate_id).exists() or (
            Case.objects.filter(person_id=person_id, consulate_id=access.consulate_id).exists()
        )
        if own:
            return
    raise PermissionDenied(_("You cannot change this person."))


@transaction.atomic
def person_register(*, actor, consulate: Consulate | None = None, **fields) -> Person:
    """Register a person for ``consulate`` (default: the actor's own). Returns the saved person."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    access = access_for(actor)
    consulate_id = consulate.pk if consulate else access.consulate_id
    if consulate_id is None:
        raise ValidationError({"registered_by": _("Choose the consulate registering this person.")})
    if not (access.can_work_cases and access.covers_consulate(consulate_id)):
        raise PermissionDenied(_("You cannot register persons for this consulate."))
    cleaned = _clean_identifiers(fields)
    person = Person(registered_by_id=consulate_id, **cleaned)
    if person.contact_consent:
        person.contact_consent_at = timezone.now()
    return _save(person)


@transaction.atomic
def person_update(*, actor, person: Person, expected_version: str | None = None, **fields) -> Person:
    """Change a person's data. Only staff who can see the person and work cases may do it.
    ``expected_version`` (the ``updated_at`` the caller read, ISO format) refuses a stale write."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    _require_person_writer(actor, person.pk)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    refuse_if_anonymised(locked)
    if expected_version is not None and locked.updated_at.isoformat() != expected_version:
        raise ValidationError(
            _("Someone else changed this person while you were editing. Reload and try again."), code="stale"
        )
    cleaned = _clean_identifiers(fields, current=locked)
    had_consent = locked.contact_consent
    for name, value in cleaned.items():
        setattr(locked, name, value)
    if locked.contact_consent and not had_consent:
        locked.contact_consent_at = timezone.now()
    if not locked.contact_consent:
        locked.contact_consent_at = None
    saved = _save(locked)
    if set(cleaned) & {"phone", "email", "contact_consent", "preferred_language"}:
        _hearing_reminders_follow(saved)
    return saved


def _hearing_reminders_follow(person: Person) -> None:
    """The person's hearing reminders follow their contact details and consent."""
    from cases.models import Hearing
    from cases.models.work import HearingStatus
    from cases.reminders import schedule

    hearings = Hearing.objects.filter(
        case__person=person, status=HearingStatus.SCHEDULED, starts_at__gt=timezone.now()
    )
    for hearing in hearings.exclude(case__status="closed"):
        schedule.hearing_reminders_sync(hearing)


@transaction.atomic
def emergency_contact_save(*, actor, person: Person, contact: EmergencyContact) -> EmergencyContact:
    """Add or change an emergency contact of a person the actor may change."""
    _require_person_writer(actor, person.pk)
    refuse_if_anonymised(Person.objects.get(pk=person.pk))
    contact.person = person
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def emergency_contact_delete(*, actor, contact: EmergencyContact) -> None:
    _require_person_writer(actor, contact.person_id)
    contact.delete()
