"""What a merge moves, copies and records, and how an unmerge puts it back (``cases.services.merges``).

Every foreign key to ``Person`` (any app's: ``Person._meta`` is read, so ``cases`` needs no import of the
apps above it) is in exactly one of three groups:

- ``MOVED``: generic moves, the rows follow the survivor (cases, contacts, reminders, identifier reviews,
  an inquiry's or an import row's person...). Any foreign key not named in ``STAYING`` or ``SPECIAL`` is
  moved generically, so a foreign key added tomorrow follows the merge without a change here.
- ``SPECIAL``: moved by code of their own (aliases: one name per person; possible duplicates: one open
  review per pair, none between a record and itself).
- ``STAYING``: what stays with the merged record on purpose (its history rows, the merges themselves, the
  records merged into it earlier: they follow the chain).
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import models
from django.db.models import F

from cases.models import Case, Person, PersonAlias
from cases.models.person import ADDRESS_FIELDS, VULNERABILITY_FIELDS

# (model label, field name) of foreign keys to Person that stay with the merged record.
STAYING = {
    ("cases.PersonMerge", "survivor"),
    ("cases.PersonMerge", "merged"),
    # Records merged into this one earlier stay merged into it: the chain is followed (export, redirects).
    ("cases.Person", "merged_into"),
}
# Moved by code of their own (``merges``): aliases and possible duplicates.
SPECIAL = {
    ("cases.PersonAlias", "person"),
    ("cases.DuplicateReview", "person"),
    ("cases.DuplicateReview", "candidate"),
}

# The person's own fields the snapshot keeps (both records) and an unmerge restores.
SNAPSHOT_FIELDS = (
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
    *ADDRESS_FIELDS,
    "contact_consent",
    "contact_consent_at",
    *VULNERABILITY_FIELDS,
)
# Copied to the survivor when it lacks them (empty, or a flag not set). Names are not copied: the merged
# record's name becomes an alias. Contact consent is not copied: it was given for one record's use.
COPIED_FIELDS = (
    "date_of_birth",
    "sex",
    "state_of_birth",
    "curp",
    "a_number",
    "passport_number",
    "matricula_consular",
    "languages",
    "phone",
    "email",
    *ADDRESS_FIELDS,
    "needs_interpreter",
    *VULNERABILITY_FIELDS,
)
UNIQUE_IDENTIFIERS = ("curp", "a_number")


def _is_history(model) -> bool:
    """A history (pghistory event) model: its rows record the past and never move."""
    return any(field.name == "pgh_obj" for field in model._meta.concrete_fields)


def person_references() -> list[models.ForeignKey]:
    """Every foreign key to Person in the project (hidden ones included), history tables aside."""
    fields = []
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        field = relation.field
        if isinstance(field, models.ForeignKey) and not _is_history(relation.related_model):
            fields.append(field)
    return fields


def moved_references() -> list[models.ForeignKey]:
    """The foreign keys whose rows move generically to the survivor."""
    return [f for f in person_references() if _key(f) not in STAYING and _key(f) not in SPECIAL]


def _key(field) -> tuple[str, str]:
    return (field.model._meta.label, field.name)


def move_references(merged: Person, survivor: Person) -> list[dict]:
    """Point every generically moved row at the survivor. Returns what moved: label, field, ids."""
    moved = []
    for field in moved_references():
        model = field.model
        rows = model._base_manager.filter(**{field.name: merged.pk})
        ids = sorted(rows.values_list("pk", flat=True))
        if not ids:
            continue
        changes = {field.attname: survivor.pk}
        if model is Case:
            changes["version"] = F("version") + 1  # a case's writers see it changed
        model._base_manager.filter(pk__in=ids).update(**changes)
        moved.append({"model": model._meta.label, "field": field.name, "ids": ids})
    return moved


def move_back(moved: list[dict], *, merged: Person, survivor: Person) -> None:
    """Undo ``move_references``: the rows that moved and still point at the survivor go back."""
    for item in moved:
        model = apps.get_model(item["model"])
        field = model._meta.get_field(item["field"])
        changes = {field.attname: merged.pk}
        if model is Case:
            changes["version"] = F("version") + 1
        model._base_manager.filter(pk__in=item["ids"], **{field.attname: survivor.pk}).update(**changes)


def field_state(person: Person) -> dict:
    """The person's snapshot fields as JSON values (decrypted identifiers, ISO dates)."""
    state = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(person, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        state[name] = value
    state["registered_by_id"] = person.registered_by_id
    return state


def restore_value(name: str, value):
    """A snapshot value back as the field's Python value."""
    if value is None:
        return None
    return Person._meta.get_field(name).to_python(value)


def lacks(person: Person, name: str) -> bool:
    value = getattr(person, name)
    return value in (None, "", [], False)


def aliases_for_merge(merged: Person, survivor: Person) -> tuple[list[int], list[dict]]:
    """Move the merged record's aliases to the survivor. One the survivor already has (same three parts)
    is deleted and kept in the snapshot (``dropped``) so an unmerge can recreate it. Returns (moved ids,
    dropped aliases as dicts)."""
    names = {_parts(a) for a in PersonAlias.objects.filter(person=survivor)}
    names.add(_parts(survivor))
    moved, dropped = [], []
    for alias in PersonAlias.objects.filter(person=merged).order_by("pk"):
        if _parts(alias) in names:
            dropped.append(
                {
                    "given_names": alias.given_names,
                    "paternal_surname": alias.paternal_surname,
                    "maternal_surname": alias.maternal_surname,
                    "source": alias.source,
                    "created_by_id": alias.created_by_id,
                }
            )
            alias.delete()
            continue
        names.add(_parts(alias))
        moved.append(alias.pk)
    if moved:
        # ``save()`` (not ``update``): the keys are computed with the survivor's date of birth.
        for alias in PersonAlias.objects.filter(pk__in=moved):
            alias.person = survivor
            alias.save()
    return moved, dropped


def merged_name_alias(merged_state: dict, survivor: Person, created_by) -> int | None:
    """The merged record's name as an alias of the survivor (source "merge"), unless it has it already."""
    parts = (
        merged_state["given_names"],
        merged_state["paternal_surname"],
        merged_state["maternal_surname"],
    )
    if (
        parts == _parts(survivor)
        or PersonAlias.objects.filter(
            person=survivor, given_names=parts[0], paternal_surname=parts[1], maternal_surname=parts[2]
        ).exists()
    ):
        return None
    alias = PersonAlias(
        person=survivor,
        given_names=parts[0],
        paternal_surname=parts[1],
        maternal_surname=parts[2],
        source="merge",
        created_by=created_by,
    )
    alias.save()
    return alias.pk


def _parts(obj) -> tuple[str, str, str]:
    return (obj.given_names, obj.paternal_surname, obj.maternal_surname)


def refresh_alias_keys(person: Person) -> None:
    """An alias's match keys use its person's date of birth: saved again when that changed."""
    for alias in PersonAlias.objects.filter(person=person):
        alias.person = person
        alias.save()
