"""A Mexican national the consulates protect."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext_lazy as _

from cases.identifiers import CURP_STATES, format_a_number, normalize_a_number
from cases.namekeys import match_keys
from consulates import text_search
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet, can, scope
from encryption.fields import (
    BlindIndexedModel,
    BlindIndexedQuerySet,
    BlindIndexField,
    EncryptedCharField,
)


class MatchKeysField(ArrayField):
    """The keys a person (or an alias) is found by (``cases.namekeys.match_keys``), computed from the row's
    names and date of birth whenever it is saved (``save()`` and ``bulk_create``, like a blind index)."""

    def __init__(self, verbose_name=None, **kwargs):
        kwargs["base_field"] = models.CharField(max_length=80)
        kwargs["verbose_name"] = verbose_name
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(**kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("base_field", None)
        for key in ("default", "blank", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = match_keys(
            model_instance.given_names,
            model_instance.paternal_surname,
            model_instance.maternal_surname,
            getattr(model_instance, "date_of_birth", None),
        )
        setattr(model_instance, self.attname, value)
        return value


class Sex(models.TextChoices):
    MALE = "H", _("Male")
    FEMALE = "M", _("Female")
    NON_BINARY = "X", _("Non-binary / X")


class PersonQuerySet(ScopedQuerySet, BlindIndexedQuerySet):
    def with_curp(self, *values: str) -> PersonQuerySet:
        """The persons with these CURPs (any case or spacing), through the blind index: the one way to
        look a CURP up, since the column itself holds ciphertext. Usually one value."""
        field = self.model._meta.get_field("curp_bidx")
        indexes = [index for index in map(field.index_of, values) if index]
        return self.filter(curp_bidx__in=indexes) if indexes else self.none()

    def with_a_number(self, *values: str) -> PersonQuerySet:
        """The persons with these A-numbers, typed in any accepted form (``A-123-456-789``,
        ``123456789``); a value that is not an A-number finds nothing."""
        field = self.model._meta.get_field("a_number_bidx")
        indexes = []
        for value in values:
            try:
                indexes.append(field.index_of(normalize_a_number(value)))
            except ValidationError:
                continue
        return self.filter(a_number_bidx__in=indexes) if indexes else self.none()

    def openable_by(self, user, consulate=None) -> PersonQuerySet:
        """The persons ``user`` may open a case for at ``consulate`` (default: the user's own)."""
        if consulate is not None and not can(user, "case.open", consulate):
            return self.none()
        return self.filter(scope(user, self.model, "work"))


# A street address as staff type it (street, number, colonia, city or municipality, state, postal code).
ADDRESS_MAX_LENGTH = 300
ADDRESS_FIELDS = ("us_address", "mexico_address")


def search_name_expression() -> Func:
    """A person's (or an alias's) whole name, lower case and without accents: what name searches read."""
    return Func(
        Lower(Concat(F("given_names"), Value(" "), F("paternal_surname"), Value(" "), F("maternal_surname"))),
        function=text_search.F_UNACCENT,
    )


VULNERABILITY_FIELDS = (
    "is_minor",
    "is_unaccompanied_minor",
    "is_pregnant",
    "is_older_adult",
    "has_disability",
    "has_serious_medical_condition",
    "fears_return",
)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_name", "match_keys"],
    model_name="PersonHistory",
)
class Person(FastLoad, BlindIndexedModel):
    """A person. Invariants: CURP and A-number are unique when present, stored normalised (the
    A-number as nine digits); at least one surname; writes go through ``cases.services.persons``.

    Identifiers, phone and street addresses are encrypted at rest (history rows too); CURP and A-number
    are unique through their keyed blind indexes (``curp_bidx``, ``a_number_bidx``), and found with
    ``with_curp`` / ``with_a_number``. Addresses have no index: nothing looks a person up by address."""

    given_names = models.CharField(_("given names"), max_length=120)
    paternal_surname = models.CharField(_("paternal surname"), max_length=80, blank=True)
    maternal_surname = models.CharField(_("maternal surname"), max_length=80, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    state_of_birth = models.CharField(
        _("state of birth"), max_length=2, choices=sorted(CURP_STATES.items(), key=lambda i: i[1]), blank=True
    )
    curp = EncryptedCharField(_("CURP"), max_length=18, null=True, blank=True)
    curp_bidx = BlindIndexField(source="curp", normaliser="cases.identifiers.normalize_curp", unique=True)
    a_number = EncryptedCharField(_("A-number"), max_length=9, null=True, blank=True)
    a_number_bidx = BlindIndexField(
        source="a_number", normaliser="cases.identifiers.canonical_a_number", unique=True
    )
    passport_number = EncryptedCharField(_("passport number"), max_length=20, blank=True)
    matricula_consular = EncryptedCharField(_("matrícula consular number"), max_length=30, blank=True)
    languages = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("languages"),
        default=list,
        blank=True,
        help_text=_("Spanish, English, or an indigenous language (e.g. mixteco, náhuatl, tsotsil)."),
    )
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    preferred_language = models.CharField(
        _("language for messages"), max_length=2, choices=settings.LANGUAGES, default="es"
    )
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    us_address = EncryptedCharField(
        _("address in the United States"),
        max_length=ADDRESS_MAX_LENGTH,
        blank=True,
        help_text=_("Street and number, city, state and ZIP code where the person lives or was arrested."),
    )
    us_county = models.ForeignKey(
        "consulates.County",
        verbose_name=_("county of the US address"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Messages to the person respect the night hours of this county's time."),
    )
    mexico_address = EncryptedCharField(
        _("address in Mexico"),
        max_length=ADDRESS_MAX_LENGTH,
        blank=True,
        help_text=_(
            "Street and number, neighbourhood (colonia), municipality and state of the hometown, "
            "for repatriation and contact with the family."
        ),
    )
    contact_consent = models.BooleanField(
        _("consents to be contacted"),
        default=False,
        help_text=_("Only with this consent does the service send the person messages."),
    )
    contact_consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    is_minor = models.BooleanField(_("minor"), default=False)
    is_unaccompanied_minor = models.BooleanField(_("unaccompanied minor"), default=False)
    is_pregnant = models.BooleanField(_("pregnant"), default=False)
    is_older_adult = models.BooleanField(_("older adult"), default=False)
    has_disability = models.BooleanField(_("disability"), default=False)
    has_serious_medical_condition = models.BooleanField(_("serious medical condition"), default=False)
    fears_return = models.BooleanField(_("fear of return"), default=False)
    registered_by = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Identity and contact data removed (retention period ended, or erased on request)."),
    )
    # Set when this record was merged into another (``cases.services.merges``); cleared by an unmerge.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
    )
    search_name = models.GeneratedField(
        expression=search_name_expression(),
        output_field=models.TextField(),
        db_persist=True,
    )
    match_keys = MatchKeysField(_("match keys"))

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["paternal_surname", "maternal_surname", "given_names"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            GinIndex(OpClass(F("search_name"), name="gin_trgm_ops"), name="person_search_name_trgm"),
            GinIndex(fields=["match_keys"], name="person_match_keys_gin"),
            models.Index(fields=["registered_by"], name="person_registered_by_idx"),
            # the persons created in the last minute (an import's re-check for a person created meanwhile)
            models.Index(fields=["created_at"], name="person_created_idx"),
            # the staff list's default order, so the first page is read from the index
            models.Index(
                fields=["paternal_surname", "maternal_surname", "given_names"], name="person_name_order_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(paternal_surname="", maternal_surname=""),
                name="person_has_a_surname",
                violation_error_message=_("Enter at least one surname."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return str(_("Anonymised person"))
        return " ".join(p for p in (self.given_names, self.paternal_surname, self.maternal_surname) if p)

    @property
    def a_number_display(self) -> str:
        return format_a_number(self.a_number or "")

    @property
    def vulnerabilities(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in VULNERABILITY_FIELDS
            if getattr(self, name)
        ]

    @property
    def is_vulnerable(self) -> bool:
        return any(getattr(self, name) for name in VULNERABILITY_FIELDS)


class EmergencyContactQuerySet(ScopedQuerySet):
    pass


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="EmergencyContactHistory",
)
class EmergencyContact(FastLoad, models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(_("name"), max_length=160)
    relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    in_mexico = models.BooleanField(_("lives in Mexico"), default=False)
    notes = models.CharField(_("notes"), max_length=255, blank=True)
    # The person's consent, given for this contact: while the person is detained (their phone is in the
    # facility's property), their hearing reminders go here instead (cases/reminders/recipients.py).
    hearing_reminders_consent = models.BooleanField(
        _("told of hearings while detained"),
        default=False,
        help_text=_(
            "Only if the person agreed: while the person is detained, hearing reminders are sent to this "
            "contact instead of to the person's own phone."
        ),
    )

    objects = EmergencyContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return self.name
