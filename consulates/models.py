"""The consular network: consulates, their districts, detention facilities, reception points, partners.

Reference rows come from ``consulates/data`` through ``manage.py load_network``. A row an
administrator edits in the staff UI is marked ``curated`` and the loader leaves it alone.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consulates.choices import NETWORK_STATES, Basis, FacilityKind, State, UsState
from consulates.courts import ImmigrationCourt
from consulates.loading import FastLoad
from consulates.published import validate_one_phone
from consulates.reception_models import ReceptionPoint  # noqa: F401  (a model of this app)
from consulates.us_consulates import ConsularPost  # noqa: F401  (a model of this app)
from consulates.zones import validate_zone
from encryption.fields import EncryptedCharField
from signin import principal


class NetworkQuerySet(models.QuerySet):
    """Consulates and partners are in every signed-in user's cached entry (``signin.principal``): the save
    and delete signals make it stale (consulates/signals.py), and so does an ``update()`` here."""

    def update(self, **kwargs):
        updated = super().update(**kwargs)
        principal.forget_everyone()
        return updated


class MembershipQuerySet(models.QuerySet):
    """A membership is in its user's cached entry: an ``update()`` makes those users' entries stale."""

    def update(self, **kwargs):
        users = list(self.values_list("user_id", flat=True))
        updated = super().update(**kwargs)
        for user_id in users:
            principal.forget_user(user_id)
        return updated


@pghistory.track()
class Consulate(FastLoad, models.Model):
    """A Mexican consulate of the region. ``code`` prefixes every case reference and never changes."""

    class Kind(models.TextChoices):
        GENERAL = "consulado_general", _("Consulado General")
        CAREER = "consulado", _("Consulado")

    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    code = models.CharField(_("reference code"), max_length=3, unique=True)
    city = models.CharField(_("city"), max_length=80)
    state = models.CharField(_("state"), max_length=2, choices=State.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=120,
        blank=True,
        validators=[validate_one_phone],
        help_text=_(
            "The number persons are told to call in reminders and on the hand-off sheet, e.g. "
            "+1 214-932-8670. Notes about it go in the source field."
        ),
    )
    website = models.URLField(_("website"), blank=True)
    timezone = models.CharField(_("timezone"), max_length=40)
    # Inquiries from families and partners (intake.inquiries): how long the consulate gives itself to
    # answer the caller; the assignee is reminded when a quarter of that time is left.
    inquiry_hours_normal = models.PositiveSmallIntegerField(
        _("hours to answer an inquiry"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("From when the inquiry is received until the caller must have an answer."),
    )
    inquiry_hours_urgent = models.PositiveSmallIntegerField(
        _("hours to answer an urgent inquiry"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("For an urgent inquiry (a minor, a medical need, a removal about to happen)."),
    )
    source = models.TextField(_("source"), blank=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["city"]
        verbose_name = _("consulate")
        verbose_name_plural = _("consulates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.city}"

    @property
    def official_name(self) -> str:
        return f"{self.get_kind_display()} de México en {self.city}"


@pghistory.track()
class County(FastLoad, models.Model):
    """A US county and the consulate whose district (circunscripción) covers it."""

    state = models.CharField(_("state"), max_length=2, choices=State.choices)
    name = models.CharField(_("name"), max_length=80)
    fips = models.CharField(_("FIPS code"), max_length=5, unique=True)
    consulate = models.ForeignKey(
        Consulate, verbose_name=_("district consulate"), on_delete=models.PROTECT, related_name="counties"
    )
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    confidence = models.CharField(_("confidence"), max_length=20, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    # The county's legal zone (49 CFR 71.7(e)): hearings, quiet hours and deadlines there follow it, not
    # the consulate's (Albuquerque, on Mountain time, serves Panhandle counties on Central time).
    timezone = models.CharField(_("timezone"), max_length=40, blank=True, validators=[validate_zone])
    timezone_basis = models.CharField(_("timezone basis"), max_length=10, choices=Basis.choices, blank=True)
    timezone_source = models.TextField(_("timezone source"), blank=True)
    timezone_notes = models.TextField(_("timezone notes"), blank=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    class Meta:
        ordering = ["state", "name"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [models.UniqueConstraint(fields=["state", "name"], name="county_unique_state_name")]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"

    @property
    def zone_name(self) -> str:
        """The county's IANA zone; its consulate's while the reference data has none for it."""
        return self.timezone or self.consulate.timezone


@pghistory.track()
class DetentionFacility(FastLoad, models.Model):
    """A place where nationals are held (an ICE centre, a county jail, a CBP station, a hospital...); its
    county decides the consulate in charge. A facility outside the network's states has no county (and
    so no district): its zone is entered with it (the check constraint)."""

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices, default=FacilityKind.ICE)
    operator = models.CharField(_("operator"), max_length=160, blank=True)
    city = models.CharField(_("city"), max_length=80)
    state = models.CharField(_("state"), max_length=2, choices=UsState.choices)
    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="facilities",
        null=True,
        blank=True,
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff who added a facility that was not in the list."),
    )
    ice_field_office = models.CharField(_("ICE field office"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    average_daily_population = models.PositiveIntegerField(
        _("average daily detainees"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    source = models.TextField(_("source"), blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=40,
        blank=True,
        validators=[validate_zone],
        help_text=_("Leave empty: the facility keeps the time of its county. Set it only where it differs."),
    )
    active = models.BooleanField(_("active"), default=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("detention facility")
        verbose_name_plural = _("detention facilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=False) | (~Q(state__in=NETWORK_STATES) & ~Q(timezone="")),
                name="facility_county_or_outside_with_zone",
                violation_error_message=_(
                    "A facility in Texas, Oklahoma or New Mexico needs its county; one in another state, its zone."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.state})"

    @property
    def in_network(self) -> bool:
        """In a county of the network (so in a consulate's district)."""
        return self.county_id is not None

    @property
    def zone_name(self) -> str:
        """The facility's IANA zone: its own when staff set one, else its county's."""
        return self.timezone or (self.county.zone_name if self.county_id else "")


class PartnerKind(models.TextChoices):
    """What a partner organisation is. The partners of the referrals are NGOs; a child-welfare agency (Texas
    DFPS and its peers) and a CASA programme are partners of a child's case (``cases.ChildWelfareCase``)."""

    NGO = "ngo", _("Non-governmental organisation")
    CHILD_WELFARE = "child_welfare", _("Child-welfare agency")
    CASA = "casa", _("CASA programme (court-appointed special advocates)")


class PartnerService(models.TextChoices):
    LEGAL = "legal_representation", _("Legal representation")
    BOND = "bond_assistance", _("Bond assistance")
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    FAMILY = "family_reunification", _("Family reunification")
    DOCUMENTS = "documents", _("Documents")


@pghistory.track()
class Partner(FastLoad, models.Model):
    """A partner NGO; its users see only the cases referred to it (referrals issue)."""

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(
        _("kind of organisation"),
        max_length=20,
        choices=PartnerKind.choices,
        default=PartnerKind.NGO,
        db_default=PartnerKind.NGO,
    )
    state = models.CharField(
        _("state"), max_length=2, blank=True, help_text=_("For a state agency: the state it serves.")
    )
    services = ArrayField(
        models.CharField(max_length=30, choices=PartnerService.choices),
        verbose_name=_("services"),
        default=list,
    )
    consulates = models.ManyToManyField(
        Consulate, verbose_name=_("consulates covered"), related_name="partners"
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    webhook_url = models.URLField(
        _("webhook URL"), blank=True, help_text=_("Reminders are posted here (signed) instead of emailed.")
    )
    # Encrypted at rest; set and replaced by administrators (``partner_webhook_secret_set``), never shown.
    webhook_secret = EncryptedCharField(
        _("webhook signing secret"),
        max_length=64,
        blank=True,
        help_text=_("Shared with the partner; signs each call."),
    )
    # A row ``load_network`` brought (the state child-welfare agencies) keeps its sources; an administrator's
    # edit marks it curated and the loader leaves it alone from then on.
    source = models.TextField(_("source"), blank=True)
    curated = models.BooleanField(_("edited by staff"), default=False, db_default=False)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def partner_id(self) -> int:
        """The organisation itself, for the access policy's rules about a partner (``Rule.partner``)."""
        return self.pk


class Role(models.TextChoices):
    OFFICER = "officer", _("Consular officer")
    SUPERVISOR = "supervisor", _("Supervisor (jefe/a de protección)")
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor (audit trail and access log only)")


CONSULATE_ROLES = (Role.OFFICER, Role.SUPERVISOR)
NETWORK_ROLES = (Role.REGIONAL_MANAGER, Role.ADMINISTRATOR, Role.AUDITOR)
# Who may be given the export permission: roles whose reports and exports cover only what they may see.
# Auditors see no case data, so nothing of it may be exported by them.
EXPORT_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.REGIONAL_MANAGER, Role.ADMINISTRATOR)


@pghistory.track()
class StaffMembership(models.Model):
    """Ties a staff user to the network: officers and supervisors to one consulate, others network-wide."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_membership",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    consulate = models.ForeignKey(
        Consulate,
        verbose_name=_("consulate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    can_export = models.BooleanField(
        _("may export"),
        default=False,
        help_text=_(
            "Exports (CSV, XLSX, a person's data) copy records out of the system: granted one by one by an "
            "administrator, and every export is logged."
        ),
    )
    # What the system writes to the user (an incident's email, later others) is in this language; the pages
    # follow the language chosen on them.
    language = models.CharField(
        _("language of messages"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="es",
        db_default="es",
        blank=True,  # left empty: Spanish, the staff default
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=["officer", "supervisor"], consulate__isnull=False)
                    | models.Q(
                        role__in=["regional_manager", "administrator", "auditor"], consulate__isnull=True
                    )
                ),
                name="staff_membership_consulate_matches_role",
                violation_error_message=_(
                    "Officers and supervisors belong to one consulate; managers, administrators and auditors "
                    "to none."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(can_export=False) | ~models.Q(role="auditor"),
                name="staff_membership_auditors_never_export",
                violation_error_message=_(
                    "Auditors see no case data: they cannot be given the export permission."
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.consulate.city if self.consulate_id else _("whole network")
        return f"{self.user} · {self.get_role_display()} · {where}"


@pghistory.track()
class PartnerMembership(models.Model):
    """Ties a user to a partner NGO. Partner users never get the staff UI."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="partner_membership",
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="members"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.partner}"


@pghistory.track(
    pghistory.InsertEvent(),
    # A login moves ``last_login`` only: not a change of the account worth a history row.
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=["last_login", "password"])),
    pghistory.DeleteEvent(),
    exclude=["password"],  # a password hash has no place in history
    model_name="UserAccountEvent",
)
class UserAccount(User):
    """Staff and partner user accounts (names, e-mail, active flag, superuser flag) as the audit trail
    tracks them: Django's ``User`` table, through a proxy so the history lives in this app."""

    class Meta:
        proxy = True
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")


# Shared with ``consulates.courts`` (its own module: this one is near its size limit), named here as before.
__all__ = [
    "Basis",
    "Consulate",
    "ConsularPost",
    "County",
    "DetentionFacility",
    "ImmigrationCourt",
    "Partner",
    "PartnerKind",
    "PartnerMembership",
    "ReceptionPoint",
    "Role",
    "StaffMembership",
    "State",
    "UserAccount",
]
