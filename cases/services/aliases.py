"""A person's other names: the spellings lists, authorities and callers use (ICE's upper case without a
maternal surname, a reversed or split surname, a married name). Searched like the main name and compared by
the matcher (``cases.matching``); an alias's keys use the person's date of birth."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.identifiers import fold
from cases.models import Person, PersonAlias
from cases.models.identity import AliasSource
from cases.services.persons import refuse_if_anonymised
from consulates.policy import authorize

NAME_PARTS = ("given_names", "paternal_surname", "maternal_surname")


def _parts(record) -> tuple[str, str, str]:
    """The three parts as a search compares them: accents, case and spacing ignored."""
    return tuple(" ".join(fold(getattr(record, name) or "").split()) for name in NAME_PARTS)


def _clean(given_names: str, paternal_surname: str, maternal_surname: str) -> dict:
    fields = {
        "given_names": " ".join((given_names or "").split()),
        "paternal_surname": " ".join((paternal_surname or "").split()),
        "maternal_surname": " ".join((maternal_surname or "").split()),
    }
    errors = {}
    if not fields["given_names"]:
        errors["given_names"] = _("Enter the given names as they are written in this other name.")
    if not (fields["paternal_surname"] or fields["maternal_surname"]):
        errors["paternal_surname"] = _("Enter at least one surname.")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def alias_add(
    *,
    actor,
    person: Person,
    given_names: str,
    paternal_surname: str = "",
    maternal_surname: str = "",
    source: str = AliasSource.OTHER,
) -> PersonAlias:
    """Record another name of ``person`` (rule ``person.edit``). Refused with a field error when it is the
    person's name or one of their other names already (accents, case and spacing aside)."""
    authorize(actor, "person.edit", person)
    locked = Person.objects.select_for_update().get(pk=person.pk)  # two officers adding the same name
    refuse_if_anonymised(locked)
    fields = _clean(given_names, paternal_surname, maternal_surname)
    if source not in AliasSource.values:
        raise ValidationError({"source": _("Choose where this name comes from.")})
    alias = PersonAlias(person=locked, source=source, created_by=actor, **fields)
    wanted = _parts(alias)
    if wanted == _parts(locked):
        raise ValidationError({"given_names": _("This is the person's name already.")}, code="main_name")
    if any(_parts(other) == wanted for other in locked.aliases.all()):
        raise ValidationError(
            {"given_names": _("This person already has this other name.")}, code="duplicate_alias"
        )
    alias.full_clean(exclude=["person", "created_by", "search_name", "match_keys"], validate_unique=False)
    alias.save()
    return alias


@transaction.atomic
def alias_remove(*, actor, alias: PersonAlias) -> None:
    """Remove another name of a person (rule ``person.edit``); the history keeps it."""
    authorize(actor, "person.edit", alias.person)
    alias.delete()
