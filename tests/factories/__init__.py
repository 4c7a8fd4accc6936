"""Test data built through the services, the way staff would create it.

Users and memberships are plain rows (there is no service for them yet); persons and cases go through
``cases.services`` so every factory-made record obeys the same invariants as production data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from cases import services
from cases.identifiers import CURP_STATES, curp_check_digit
from consulates.access import access_for
from consulates.models import Consulate, Partner, PartnerMembership, PartnerService, Role, StaffMembership

CURP_VOWELS = "AEIOUX"
CURP_CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_curp_counter = itertools.count()
_rng = random.Random(20260101)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    first_name = factory.Faker("first_name", locale="es_MX")
    last_name = factory.Faker("last_name", locale="es_MX")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    # An unusable password: hashing a real one costs ~100 ms per user and no test logs in with it.
    password = factory.LazyFunction(lambda: make_password(None))
    is_active = True
    is_staff = False


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organización Aliada {n:04d}")
    services = factory.LazyFunction(lambda: [PartnerService.LEGAL])

    @factory.post_generation
    def covers(self, create, extracted, **kwargs):
        if create:
            slugs = extracted if extracted is not None else ["dallas"]
            self.consulates.set(Consulate.objects.filter(slug__in=slugs))


def consulate(slug: str) -> Consulate:
    return Consulate.objects.get(slug=slug)


def _staff(role: str, consulate_slug: str | None, *, can_export: bool = False, **user_fields):
    user = UserFactory(is_staff=True, **user_fields)
    StaffMembership.objects.create(
        user=user,
        role=role,
        consulate=consulate(consulate_slug) if consulate_slug else None,
        can_export=can_export,
    )
    return user


def officer(consulate_slug: str = "dallas", *, can_export: bool = False, **user_fields):
    return _staff(Role.OFFICER, consulate_slug, can_export=can_export, **user_fields)


def supervisor(consulate_slug: str = "dallas", *, can_export: bool = False, **user_fields):
    return _staff(Role.SUPERVISOR, consulate_slug, can_export=can_export, **user_fields)


# Managers and administrators export by default, as the demo's users do (``devtools.demo.users``); officers
# and supervisors only when an administrator grants it.
def manager(*, can_export: bool = True, **user_fields):
    return _staff(Role.REGIONAL_MANAGER, None, can_export=can_export, **user_fields)


def administrator(*, can_export: bool = True, **user_fields):
    return _staff(Role.ADMINISTRATOR, None, can_export=can_export, **user_fields)


def auditor(**user_fields):
    """Network-wide, reads the audit trail and the access log, sees no case data."""
    return _staff(Role.AUDITOR, None, **user_fields)


def partner_user(partner: Partner | None = None, **user_fields):
    """A partner NGO user: never staff, belongs to ``partner`` (a new one covering Dallas by default)."""
    user = UserFactory(is_staff=False, **user_fields)
    PartnerMembership.objects.create(user=user, partner=partner or PartnerFactory())
    return user


# --- CURP ------------------------------------------------------------------------------------------


def _digits(n: int, alphabet: str, width: int) -> str:
    out = []
    for _ in range(width):
        n, rest = divmod(n, len(alphabet))
        out.append(alphabet[rest])
    return "".join(reversed(out))


def make_curp(
    *, date_of_birth: dt.date | None = None, sex: str | None = None, state: str | None = None
) -> str:
    """A structurally valid CURP with the right check digit, unique within the test session.

    Positions 14-16 (internal consonants) and 1, 3, 4 (initials) encode a counter, so two calls
    never collide; date, sex and state are taken from the arguments or drawn at random.
    """
    n = next(_curp_counter)
    dob = date_of_birth or dt.date(1950, 1, 1) + dt.timedelta(days=_rng.randrange(0, 27000))
    sex = sex if sex in ("H", "M", "X") else _rng.choice("HM")
    state = state or _rng.choice(sorted(CURP_STATES))
    consonants = _digits(n, CURP_CONSONANTS, 3)
    initials = _digits(n // len(CURP_CONSONANTS) ** 3, LETTERS, 3)
    first = initials[0] + _rng.choice(CURP_VOWELS) + initials[1:]
    homonym = str(n % 10) if dob.year < 2000 else LETTERS[n % 26]
    first17 = f"{first}{dob:%y%m%d}{sex}{state}{consonants}{homonym}"
    return first17 + curp_check_digit(first17)


def make_a_number() -> str:
    return f"{next(_curp_counter) % 10**9:09d}"


# --- Persons and cases, through the services ----------------------------------------------------


def _default_consulate(actor) -> Consulate | None:
    """The actor's own consulate; network-wide roles (and non-staff) default to Dallas."""
    if access_for(actor).consulate_id:
        return None  # the service uses the actor's consulate
    return consulate("dallas")


def make_person(actor, **overrides):
    """Register a person through ``person_register``; the CURP agrees with birth date and sex."""
    fields = {
        "given_names": "María Guadalupe",
        "paternal_surname": "Hernández",
        "maternal_surname": "López",
        # An adult on any case's day (born 1960-1998): a child's case has its own rules (decision 0029), so
        # the tests that want a child give the date of birth themselves.
        "date_of_birth": dt.date(1960, 1, 1) + dt.timedelta(days=_rng.randrange(0, 14000)),
        "sex": _rng.choice("HM"),
        "state_of_birth": "OC",
        "languages": ["español"],
    }
    fields.update(overrides)
    if "curp" not in overrides:
        fields["curp"] = make_curp(
            date_of_birth=fields.get("date_of_birth"),
            sex=fields.get("sex"),
            state=fields.get("state_of_birth"),
        )
    if "consulate" not in fields:
        fields["consulate"] = _default_consulate(actor)
    return services.person_register(actor=actor, **fields)


def make_case(actor, person=None, **overrides):
    """Open a case through ``case_open`` (for a new person of the same consulate unless given)."""
    target = overrides.pop("consulate", None)
    if target is None:
        own = access_for(actor).consulate_id
        target = Consulate.objects.get(pk=own) if own else consulate("dallas")
    if person is None:
        person = make_person(actor, consulate=target)
    fields = {"category": "migratorio", "subtype": "detencion_migratoria"}
    if "category" in overrides:
        fields["subtype"] = ""  # the default subtype belongs to the default category only
    fields.update(overrides)
    return services.case_open(actor=actor, person=person, consulate=target, **fields)


__all__ = [
    "PartnerFactory",
    "UserFactory",
    "administrator",
    "consulate",
    "make_a_number",
    "make_case",
    "make_curp",
    "make_person",
    "manager",
    "officer",
    "partner_user",
    "supervisor",
]
