"""Demo users, one per role (and an officer at every consulate), documented in the README."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from consulates.models import Consulate, Partner, PartnerMembership, PartnerService, Role, StaffMembership
from devtools.demo.logins import DEMO_PASSWORD

DEMO_PARTNERS = [
    # Fictional organisations for the demo; real partners are entered by administrators.
    (
        "Red Demo de Abogados Migrantes (ficticia)",
        [PartnerService.LEGAL, PartnerService.BOND],
        ["dallas", "houston"],
    ),
    (
        "Albergue Demo Frontera (ficticio)",
        [PartnerService.SHELTER, PartnerService.MEDICAL],
        ["el_paso", "albuquerque"],
    ),
    (
        "Familias Unidas Demo (ficticia)",
        [PartnerService.FAMILY, PartnerService.PSYCHOSOCIAL],
        ["san_antonio", "austin"],
    ),
]


def _user(username: str, first: str, last: str, *, staff: bool = True, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.invalid",
            "is_staff": staff,
        },
    )
    if created:
        user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
    if staff and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # A confirmed authenticator with a random secret: ``make run`` prints it (``demo_logins``), so a
        # new user can add it to an app and sign in with the second factor staff accounts require.
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


@transaction.atomic
def demo_users_create() -> dict[int, list[int]]:
    """Create the demo accounts; return the officers and supervisors by consulate id (for assignment)."""
    by_consulate: dict[int, list[int]] = {}
    consulates = {c.slug: c for c in Consulate.objects.all()}
    admin = _user("admin", "Ana", "Administradora", superuser=True)
    StaffMembership.objects.get_or_create(
        user=admin, defaults={"role": Role.ADMINISTRATOR, "can_export": True}
    )
    manager = _user("gerente", "Gabriel", "Gerente Regional")
    StaffMembership.objects.get_or_create(
        user=manager, defaults={"role": Role.REGIONAL_MANAGER, "can_export": True}
    )
    auditor = _user("auditora", "Aurora", "Auditora")
    StaffMembership.objects.get_or_create(user=auditor, defaults={"role": Role.AUDITOR})
    for slug, consulate in consulates.items():
        officer = _user(f"oficial.{slug}", "Oficial", consulate.city)
        StaffMembership.objects.get_or_create(
            user=officer, defaults={"role": Role.OFFICER, "consulate": consulate}
        )
        by_consulate.setdefault(consulate.pk, []).append(officer.pk)
    for slug in ("dallas", "el_paso"):
        supervisor = _user(f"supervisora.{slug}", "Supervisora", consulates[slug].city)
        StaffMembership.objects.get_or_create(
            user=supervisor, defaults={"role": Role.SUPERVISOR, "consulate": consulates[slug]}
        )
        by_consulate[consulates[slug].pk].append(supervisor.pk)
    for name, services, covered in DEMO_PARTNERS:
        partner, _ = Partner.objects.get_or_create(name=name, defaults={"services": services})
        partner.consulates.set([consulates[slug] for slug in covered])
    partner_user = _user("ong.demo", "Usuario", "ONG", staff=False)
    first_partner = Partner.objects.get(name=DEMO_PARTNERS[0][0])
    PartnerMembership.objects.get_or_create(user=partner_user, defaults={"partner": first_partner})
    return by_consulate
