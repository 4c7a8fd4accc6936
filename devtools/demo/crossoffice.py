"""Demo data for the work that crosses an office's walls, made THROUGH THE SERVICES by the demo users.

Runs after the bulk seed, on the cases that seed just wrote: transfers (with queues for the Dallas and
El Paso supervisors, one of them proposed automatically by a custody change), consent and referrals to
the demo partners in every status, repatriation hand-offs (confirmed, upcoming, one overdue), belongings
and a few art. 36 delays. Because every row goes through a service, every row has its timeline entry and
obeys the same rules as real work. The choice of cases is deterministic for a given seed; times are
relative to now.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import services
from cases.models import Case, Referral
from cases.models.case import Status
from cases.models.crossoffice import DataCategory
from cases.models.repatriation import BelongingKind, IdentityDocument
from consulates.models import Consulate, DetentionFacility, Partner, PartnerMembership, ReceptionPoint
from devtools.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from devtools.demo.removals import (
    WARNING_REASON,
    outside_hours_for_an_older_adult,
    point_with_hours,
    removal_plan,
)
from devtools.demo.users import DEMO_PARTNERS

# Where people removed through each district usually cross (the rest draw a point at random).
USUAL_RECEPTION = {
    "el_paso": "Ciudad Juárez",
    "albuquerque": "Ciudad Juárez",
    "presidio": "Ojinaga",
    "del_rio": "Ciudad Acuña",
    "eagle_pass": "Piedras Negras",
    "laredo": "Nuevo Laredo",
    "mcallen": "Reynosa",
    "brownsville": "Matamoros",
}
DESTINATIONS = [
    "Tlaxiaco, Oaxaca",
    "Zacatecas, Zacatecas",
    "Apatzingán, Michoacán",
    "Celaya, Guanajuato",
    "Tepic, Nayarit",
    "Iguala, Guerrero",
    "Ciudad Juárez, Chihuahua",
    "San Luis Potosí, San Luis Potosí",
    "Tehuacán, Puebla",
    "Durango, Durango",
]
TRANSFER_REASONS = [
    "La persona se mudó con su familia a la circunscripción de {to}; el seguimiento debe hacerse allá.",
    "Las audiencias del caso se celebran ahora ante la corte de inmigración de {to}.",
    "La familia vive en {to} y pidió que ese consulado lleve el caso.",
]
REFERRAL_NOTES = {
    "legal_representation": "Necesita representación ante la corte de inmigración; audiencia próxima.",
    "bond_assistance": "Elegible para fianza según su abogado de oficio; la familia no puede pagarla sola.",
    "shelter": "Sale de custodia sin lugar donde quedarse; viaja con un menor.",
    "medical": "Requiere seguimiento médico por diabetes tras su liberación.",
}


@dataclass
class CrossOfficeResult:
    transfers: dict[str, int] = field(default_factory=dict)
    consents: int = 0
    consents_withdrawn: int = 0
    referrals: dict[str, int] = field(default_factory=dict)
    handoffs: int = 0
    handoffs_confirmed: int = 0
    handoffs_overdue: int = 0
    flights: int = 0
    warnings_seen: int = 0
    belongings: dict[str, int] = field(default_factory=dict)
    art36_overdue: int = 0
    art36_declined: int = 0
    art36_sheriff_287g: int = 0

    def count(self, bucket: dict[str, int], key: str) -> None:
        bucket[key] = bucket.get(key, 0) + 1

    def summary(self) -> str:
        def fmt(bucket):
            return ", ".join(f"{n} {k}" for k, n in sorted(bucket.items())) or "none"

        return (
            f"transfers: {fmt(self.transfers)}; consents: {self.consents} ({self.consents_withdrawn} withdrawn); "
            f"referrals: {fmt(self.referrals)}; hand-offs: {self.handoffs} ({self.handoffs_confirmed} confirmed, "
            f"{self.handoffs_overdue} overdue, {self.flights} by flight, {self.warnings_seen} warned and seen); belongings: {fmt(self.belongings)}; "
            f"art. 36 overdue: {self.art36_overdue} ({self.art36_declined} declined notification, "
            f"{self.art36_sheriff_287g} arrested by a 287(g) sheriff)"
        )


class CrossOfficeSeeder:
    def __init__(self, *, seed: int, cases: QuerySet[Case]):
        self.rng = random.Random(seed * 7919 + 36)
        self.now = timezone.now()
        users = get_user_model().objects.filter(
            username__startswith="oficial."
        ) | get_user_model().objects.filter(
            username__in=["supervisora.dallas", "supervisora.el_paso", "ong.demo"]
        )
        self.users = {u.username: u for u in users}
        self.consulates = {c.slug: c for c in Consulate.objects.all()}
        self.facilities: dict[str, list[DetentionFacility]] = {}
        for facility in (
            DetentionFacility.objects.filter(active=True, county__isnull=False)
            .select_related("county__consulate")
            .order_by("pk")
        ):
            self.facilities.setdefault(facility.county.consulate.slug, []).append(facility)
        self.points = list(
            ReceptionPoint.objects.designated_operating().filter(kind="land_port").order_by("pk")
        )
        # The repatriation flights of 2025-26 land at Tapachula (from Harlingen, TX, among others).
        self.flight_point = (
            ReceptionPoint.objects.offered().filter(kind="airport", mx_city="Tapachula").first()
        )
        self.pools: dict[str, list[Case]] = {}
        live = cases.filter(status__in=[Status.OPEN, Status.IN_PROGRESS]).select_related("consulate")
        for case in live.order_by("pk"):
            self.pools.setdefault(case.consulate.slug, []).append(case)
        for pool in self.pools.values():
            self.rng.shuffle(pool)
        self.result = CrossOfficeResult()

    # Helpers

    def officer(self, case_or_slug) -> object:
        slug = case_or_slug if isinstance(case_or_slug, str) else case_or_slug.consulate.slug
        return self.users[f"oficial.{slug}"]

    def take(self, slugs, count: int, *, where=lambda case: True) -> list[Case]:
        """Up to ``count`` unused cases, round-robin over the consulates ``slugs``; each case is used once."""
        chosen: list[Case] = []
        slugs = [s for s in slugs if self.pools.get(s)]
        while len(chosen) < count and slugs:
            for slug in list(slugs):
                pool = self.pools[slug]
                index = next((i for i, case in enumerate(pool) if where(case)), None)
                if index is None:
                    slugs.remove(slug)
                    continue
                chosen.append(pool.pop(index))
                if len(chosen) == count:
                    break
        return chosen

    def local_today(self, case: Case) -> dt.date:
        return self.now.astimezone(zoneinfo.ZoneInfo(case.consulate.timezone)).date()

    def person_name(self) -> str:
        given = self.rng.choice(GIVEN_FEMALE + GIVEN_MALE)
        return f"{given} {self.rng.choice(SURNAMES)} {self.rng.choice(SURNAMES)}"

    # Transfers

    def _request(self, case: Case, to_slug: str):
        to = self.consulates[to_slug]
        reason = self.rng.choice(TRANSFER_REASONS).format(to=to.city)
        return services.transfer_request(actor=self.officer(case), case=case, to_consulate=to, reason=reason)

    def transfers(self) -> None:
        others = [s for s in self.consulates if s not in ("dallas", "el_paso")]
        plan = [
            # (to, from-consulates, how many, decision)
            ("dallas", ["houston", "oklahoma_city", "austin"], 3, "pending"),
            ("el_paso", ["albuquerque", "presidio", "del_rio"], 3, "pending"),
            ("dallas", ["san_antonio", "houston"], 2, "accepted"),
            ("el_paso", ["albuquerque", "laredo"], 2, "accepted"),
            ("dallas", ["austin", *[s for s in others if s != "austin"]], 1, "rejected"),
            ("el_paso", ["albuquerque", *[s for s in others if s != "albuquerque"]], 1, "rejected"),
            ("houston", ["dallas"], 1, "cancelled"),
        ]
        for to_slug, from_slugs, count, decision in plan:
            for case in self.take([s for s in from_slugs if s != to_slug], count):
                transfer = self._request(case, to_slug)
                supervisor = self.users.get(f"supervisora.{to_slug}")
                if decision == "accepted":
                    services.transfer_accept(
                        actor=supervisor, transfer=transfer, note="Recibido; asignamos oficial esta semana."
                    )
                elif decision == "rejected":
                    services.transfer_reject(
                        actor=supervisor,
                        transfer=transfer,
                        note="La persona sigue detenida en su circunscripción; conserven el caso.",
                    )
                elif decision == "cancelled":
                    services.transfer_cancel(
                        actor=self.officer(case), transfer=transfer, note="La familia regresó a Dallas."
                    )
                self.result.count(self.result.transfers, decision)
        # Custody moved into another district: the service proposes the transfer by itself.
        for from_slug, to_slug in (("houston", "dallas"), ("albuquerque", "el_paso")):
            facilities = self.facilities.get(to_slug)
            for case in self.take([from_slug], 1) if facilities else []:
                changes = {"facility": self.rng.choice(facilities)}
                if case.detained_since is None:
                    changes["detained_since"] = self.local_today(case) - dt.timedelta(days=2)
                services.case_update(actor=self.officer(case), case=case, **changes)
                if case.transfers.filter(status="pending", automatic=True).exists():
                    self.result.count(self.result.transfers, "pending (automatic)")

    # Consent and referrals

    def _consent(self, case: Case, partner: Partner, actor):
        extra = [c for c in DataCategory.values if c != DataCategory.IDENTITY and self.rng.random() < 0.6]
        consent = services.consent_record(
            actor=actor,
            case=case,
            partner=partner,
            scope=[DataCategory.IDENTITY, *extra],
            method=self.rng.choice(["verbal", "written"]),
            given_at=self.now - dt.timedelta(hours=self.rng.randint(2, 96)),
        )
        self.result.consents += 1
        return consent

    def _refer(self, case: Case, partner: Partner, actor) -> Referral:
        service = self.rng.choice(sorted(partner.services))
        referral = services.referral_create(
            actor=actor,
            case=case,
            partner=partner,
            service=service,
            request_note=REFERRAL_NOTES.get(service, ""),
        )
        return referral

    def referrals(self) -> None:
        membership = (
            PartnerMembership.objects.select_related("partner").filter(user__username="ong.demo").first()
        )
        if membership is None:
            return
        partner, ong = membership.partner, self.users["ong.demo"]
        covered = sorted(partner.consulates.values_list("slug", flat=True))
        plan = [
            ("pending", 2),
            ("pending, waiting over 72 h", 1),
            ("accepted", 2),
            ("in_progress", 2),
            ("completed", 2),
            ("declined", 1),
            ("withdrawn", 1),
            ("consent withdrawn", 1),
        ]
        for outcome, count in plan:
            for case in self.take(covered, count):
                actor = self.officer(case)
                consent = self._consent(case, partner, actor)
                referral = self._refer(case, partner, actor)
                if outcome == "pending, waiting over 72 h":
                    # Demo only: backdate the referral so the overdue-answer queue has an entry.
                    Referral.objects.filter(pk=referral.pk).update(
                        referred_at=self.now - dt.timedelta(hours=72 + self.rng.randint(6, 48))
                    )
                elif outcome in ("accepted", "in_progress", "completed"):
                    services.referral_accept(actor=ong, referral=referral)
                    if outcome in ("in_progress", "completed"):
                        services.referral_start(
                            actor=ong, referral=referral, note="Primera entrevista con la persona agendada."
                        )
                        services.referral_note_add(
                            actor=ong,
                            referral=referral,
                            text="Entrevista realizada; reunimos documentos para la audiencia.",
                        )
                    if outcome == "completed":
                        services.referral_complete(
                            actor=ong,
                            referral=referral,
                            outcome_note="Representación concluida: la corte concedió fianza.",
                        )
                elif outcome == "declined":
                    services.referral_decline(
                        actor=ong,
                        referral=referral,
                        reason="Sin cupo de abogados este mes; intenten en 30 días.",
                    )
                elif outcome == "withdrawn":
                    services.referral_withdraw(
                        actor=actor, referral=referral, reason="La familia contrató un abogado particular."
                    )
                elif outcome == "consent withdrawn":
                    services.consent_withdraw(
                        actor=actor, consent=consent, note="La persona ya no quiere compartir su caso."
                    )
                    self.result.consents_withdrawn += 1
                self.result.count(self.result.referrals, outcome)
        # The shelter partner of El Paso and Albuquerque: answers recorded by the consulate (by phone).
        shelter = Partner.objects.filter(name=DEMO_PARTNERS[1][0]).first()
        if shelter is not None:
            shelter_covered = sorted(shelter.consulates.values_list("slug", flat=True))
            for i, case in enumerate(self.take(shelter_covered, 2)):
                actor = self.officer(case)
                self._consent(case, shelter, actor)
                referral = self._refer(case, shelter, actor)
                if i == 0:
                    services.referral_accept(actor=actor, referral=referral)
                self.result.count(self.result.referrals, "accepted" if i == 0 else "pending")

    # Hand-offs and belongings

    def _point_for(self, case: Case) -> ReceptionPoint:
        usual = USUAL_RECEPTION.get(case.consulate.slug)
        matches = [p for p in self.points if usual and p.name.startswith(usual)]
        return matches[0] if matches else self.rng.choice(self.points)

    def _handoff_values(self) -> dict:
        rng = self.rng
        documents = list(IdentityDocument.values)
        rng.shuffle(documents)
        held = documents[: rng.randint(0, 2)]
        missing = [d for d in documents[2:4] if rng.random() < 0.5]
        minors = rng.choice([0, 0, 0, 1, 2])
        values = {
            "documents_held": held,
            "documents_missing": missing,
            "needs_shelter": rng.random() < 0.3,
            "needs_transport_home": rng.random() < 0.6,
            "destination": rng.choice(DESTINATIONS),
            "family_contact_name": self.person_name(),
            "family_contact_phone": f"+52 {rng.randint(220, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "family_contact_relationship": rng.choice(["madre", "hermana", "esposo", "hijo", "tío"]),
            "minors_travelling": minors,
            "minors_details": f"{minors} menor(es), hijos de la persona, de 6 y 9 años." if minors else "",
        }
        if rng.random() < 0.35:
            values["medical_needs"] = "Hipertensión; requiere valoración médica al llegar."
            values["medication"] = "Losartán 50 mg, una vez al día."
        return values

    def _belongings(self, case: Case, actor) -> list:
        rng = self.rng
        made = []
        kinds = [BelongingKind.MATRICULA, BelongingKind.PASSPORT, BelongingKind.CASH, BelongingKind.PHONE]
        kinds += [BelongingKind.MEDICINE, BelongingKind.OTHER]
        chosen = rng.sample(kinds, rng.randint(1, 3))
        if not self.result.belongings and BelongingKind.CASH not in chosen:
            chosen[0] = BelongingKind.CASH  # the first person's property holds cash, whatever the seed
        for kind in chosen:
            values = {}
            if kind == BelongingKind.CASH:
                values["amount"] = Decimal(rng.randint(5, 480)) + Decimal(
                    rng.choice(["0.00", "0.25", "0.50"])
                )
            elif kind == BelongingKind.OTHER:
                values["description"] = rng.choice(
                    ["Mochila con ropa", "Cinturón y agujetas", "Reloj de pulsera"]
                )
            elif kind == BelongingKind.MEDICINE:
                values["description"] = "Insulina (2 plumas)"
            made.append(services.belonging_record(actor=actor, case=case, kind=kind, **values))
            self.result.count(self.result.belongings, "held")
        return made

    def handoffs(self) -> None:
        in_custody = [slug for slug in self.pools if self.facilities.get(slug)]
        cases = self.take(in_custody, 8, where=lambda case: case.in_custody)
        cases += self.take(in_custody, 8 - len(cases))  # small seeds: custody is recorded below
        for i, case in enumerate(cases):
            actor = self.officer(case)
            today = self.local_today(case)
            if i < 3:
                plan, removal = "confirmed", today - dt.timedelta(days=self.rng.randint(4, 20))
            elif i == 3:
                plan, removal = "overdue", today - dt.timedelta(days=5)
            elif i == 4:
                plan, removal = "just removed", today - dt.timedelta(days=1)
            else:
                plan, removal = "upcoming", today + dt.timedelta(days=self.rng.randint(3, 30))
            flight = plan == "upcoming" and i == 5 and self.flight_point is not None
            point = self.flight_point if flight else self._point_for(case)
            changes = {"expected_removal_date": removal, "reception_point": point}
            changes |= removal_plan(self.rng, point, flight=flight, walk=i % 2 == 1)
            late_point = point_with_hours() if i == 6 else None
            if late_point is not None:
                changes |= outside_hours_for_an_older_adult(case, actor, late_point)
                self.result.warnings_seen += 1
            if not case.in_custody:
                changes["facility"] = self.rng.choice(self.facilities[case.consulate.slug])
                changes["detained_since"] = min(removal, today) - dt.timedelta(days=self.rng.randint(10, 60))
            case = services.case_update(actor=actor, case=case, **changes)
            belongings = self._belongings(case, actor)
            reason = WARNING_REASON if late_point is not None else ""
            handoff = services.handoff_prepare(
                actor=actor, case=case, warnings_reason=reason, **self._handoff_values()
            )
            self.result.handoffs += 1
            if flight:
                services.handoff_update(
                    actor=actor,
                    handoff=handoff,
                    notes="Vuelo de repatriación de ICE desde Harlingen, TX, al Aeropuerto Internacional de "
                    "Tapachula; el INM recibe en el aeropuerto.",
                )
                self.result.flights += 1
            elif i % 2 == 0:
                services.handoff_update(
                    actor=actor,
                    handoff=handoff,
                    notes="Confirmado con ICE el horario de entrega en el puente.",
                )
            if plan == "confirmed":
                tz = zoneinfo.ZoneInfo(case.consulate.timezone)
                received = dt.datetime.combine(removal, dt.time(14), tzinfo=tz) + dt.timedelta(
                    hours=self.rng.randint(0, 20)
                )
                services.handoff_confirm(
                    actor=actor,
                    handoff=handoff,
                    received_by_name=f"{self.person_name()} (INM)",
                    received_at=min(received, self.now - dt.timedelta(hours=1)),
                    notes="Recibido en el módulo; se canalizó al albergue." if i == 0 else "",
                )
                self.result.handoffs_confirmed += 1
                for j, belonging in enumerate(belongings):
                    missing = i == 1 and j == 0
                    services.belonging_resolve(
                        actor=actor,
                        belonging=belonging,
                        status="missing" if missing else "returned",
                        note="La instalación no lo encontró al momento de la salida." if missing else "",
                    )
                    self.result.count(self.result.belongings, "missing" if missing else "returned")
                    self.result.belongings["held"] -= 1
            elif plan == "overdue":
                self.result.handoffs_overdue += 1

    # Art. 36

    def art36(self) -> None:
        with_facilities = [slug for slug in self.pools if self.facilities.get(slug)]
        for case in self.take(with_facilities, 4):
            notified = self.now - dt.timedelta(
                hours=self.rng.randint(50, 140), minutes=self.rng.randint(0, 59)
            )
            arrested = notified - dt.timedelta(hours=self.rng.randint(3, 40))
            changes = {
                "arrested_at": arrested,
                "arresting_agency": "ice_ero",
                "advised_at": arrested + dt.timedelta(hours=1),
                "notification_request": "requested",
                "notification_request_at": arrested + dt.timedelta(hours=1),
                "consulate_notified_at": notified,
                "notified_by": self.rng.choice(["facility", "ice", "family"]),
                "first_contact_at": None,
            }
            self._art36_update(case, changes, arrested)
            self.result.art36_overdue += 1
        self._art36_declined(with_facilities)
        self._art36_sheriff(with_facilities)

    def _art36_update(self, case: Case, changes: dict, arrested: dt.datetime) -> None:
        """Put the case in custody from the arrest on, and record the art. 36 sequence through the service."""
        if not case.in_custody:
            changes["facility"] = self.rng.choice(self.facilities[case.consulate.slug])
        if case.detained_since is None or case.detained_since > arrested.date():
            changes["detained_since"] = arrested.astimezone(zoneinfo.ZoneInfo(case.consulate.timezone)).date()
        services.case_update(actor=self.officer(case), case=case, **changes)

    def _art36_declined(self, slugs) -> None:
        """A detainee who, advised of the right, declined consular notification; the family called the
        consulate. No 48-hour contact flag for them."""
        for case in self.take(slugs, 1):
            arrested = self.now - dt.timedelta(days=4, hours=self.rng.randint(0, 12))
            advised = arrested + dt.timedelta(hours=2)
            changes = {
                "arrested_at": arrested,
                "arresting_agency": "ice_ero",
                "advised_at": advised,
                "notification_request": "declined",
                "notification_request_at": advised,
                "consulate_notified_at": arrested + dt.timedelta(days=1),
                "notified_by": "family",
                "first_contact_at": None,
            }
            self._art36_update(case, changes, arrested)
            self.result.art36_declined += 1

    def _art36_sheriff(self, slugs) -> None:
        """A detainee arrested by a sheriff's office under a 287(g) agreement (Texas SB 8 makes every county
        jail's sheriff enter one), who asked for the consulate to be notified and was visited."""
        texas = [slug for slug in slugs if self.pools[slug] and self.pools[slug][0].consulate.state == "TX"]
        for case in self.take(texas or slugs, 1):
            arrested = self.now - dt.timedelta(days=3, hours=self.rng.randint(0, 12))
            changes = {
                "arrested_at": arrested,
                "arresting_agency": "sheriff_287g",
                "advised_at": arrested + dt.timedelta(hours=5),
                "notification_request": "requested",
                "notification_request_at": arrested + dt.timedelta(hours=5),
                "consulate_notified_at": arrested + dt.timedelta(hours=20),
                "notified_by": "facility",
                "first_contact_at": arrested + dt.timedelta(hours=40),
            }
            self._art36_update(case, changes, arrested)
            self.result.art36_sheriff_287g += 1

    @transaction.atomic
    def seed(self) -> CrossOfficeResult:
        self.transfers()
        self.referrals()
        self.handoffs()
        self.art36()
        return self.result


def crossoffice_seed(*, seed: int, cases: QuerySet[Case]) -> CrossOfficeResult:
    """Create the cross-office demo records on ``cases`` (the ones the bulk seed just wrote)."""
    return CrossOfficeSeeder(seed=seed, cases=cases).seed()
