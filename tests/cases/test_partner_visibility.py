"""What a partner organisation's users see: only cases with an active referral to their partner that
rests on a standing consent, and of those only the data categories the person agreed to share.

Two partners A and B cover Dallas. Each case below is set up through the services, with a person, an
emergency contact, a hearing, a task, a belonging held, a staff note and a staff document; the partner
uploads a document and posts a note while its referral is active.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import (
    Belonging,
    Case,
    CaseEvent,
    Consent,
    Document,
    EmergencyContact,
    Hearing,
    Person,
    Referral,
    Task,
)
from consulates.models import DetentionFacility, Partner, PartnerService
from tests import factories as f
from tests.factories.crossoffice import make_consent, make_referral
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db

# label -> what happens to the case, in words
CASES = {
    "a_full": "referred to A, every data category, accepted",
    "a_identity": "referred to A, identity only, pending",
    "b_full": "referred to B, every data category, accepted",
    "unreferred": "never referred",
    "a_consent_only": "A has the person's consent but no referral",
    "a_declined": "referred to A, declined",
    "a_consent_withdrawn": "referred to A and accepted, then the person withdrew consent",
    "a_completed": "referred to A and completed",
}

SERVICES = [PartnerService.LEGAL, PartnerService.BOND]


@dataclass
class World:
    officer: object
    partners: dict[str, Partner]
    users: dict[str, object]
    cases: dict[str, Case] = field(default_factory=dict)

    def case_label(self, case_id: int) -> str:
        return next(label for label, case in self.cases.items() if case.pk == case_id)

    def person_label(self, person_id: int) -> str:
        return next(label for label, case in self.cases.items() if case.person_id == person_id)

    def owner(self, partner_id: int | None) -> str:
        if partner_id is None:
            return "staff"
        return next(key for key, partner in self.partners.items() if partner.pk == partner_id)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, valid_pdf_bytes(title=name), content_type="application/pdf")


def _staffed_case(officer) -> Case:
    """A case with one record of every kind, all written by the Dallas officer."""
    case = f.make_case(officer, facility=DetentionFacility.objects.get(name="Prairieland Detention Center"))
    services.case_note_add(actor=officer, case=case, text="Visita en el centro")
    services.hearing_schedule(
        actor=officer,
        case=case,
        kind="master_calendar",
        starts_at=timezone.now() + dt.timedelta(days=5),
        location="Dallas Immigration Court",
    )
    services.task_add(actor=officer, case=case, title="Llamar a la familia")
    services.emergency_contact_save(
        actor=officer, person=case.person, contact=EmergencyContact(name="Hermana", phone="555-0100")
    )
    services.belonging_record(actor=officer, case=case, kind="passport", description="Pasaporte")
    services.document_upload(actor=officer, case=case, file=_pdf("acta.pdf"), kind="identity")
    return case


def _partner_works(user, referral, *, note: str) -> None:
    services.document_upload(actor=user, case=referral.case, file=_pdf("informe.pdf"), kind="correspondence")
    if referral.status == "accepted":
        services.referral_note_add(actor=user, referral=referral, text=note)


def _build(officer, partners, users) -> World:
    world = World(officer=officer, partners=partners, users=users)
    a, b = partners["A"], partners["B"]
    ua, ub = users["A"], users["B"]
    for label in CASES:
        world.cases[label] = _staffed_case(officer)
    c = world.cases

    r = make_referral(officer, c["a_full"], a)
    services.referral_accept(actor=ua, referral=r)
    _partner_works(ua, Referral.objects.get(pk=r.pk), note="A trabaja el caso")

    make_consent(officer, c["a_identity"], a, scope=["identity"])
    r = make_referral(officer, c["a_identity"], a)
    _partner_works(ua, r, note="")

    r = make_referral(officer, c["b_full"], b)
    services.referral_accept(actor=ub, referral=r)
    _partner_works(ub, Referral.objects.get(pk=r.pk), note="B trabaja el caso")

    make_consent(officer, c["a_consent_only"], a)

    r = make_referral(officer, c["a_declined"], a)
    services.referral_decline(actor=ua, referral=r, reason="Sin cupo")

    r = make_referral(officer, c["a_consent_withdrawn"], a)
    services.referral_accept(actor=ua, referral=r)
    _partner_works(ua, Referral.objects.get(pk=r.pk), note="A antes del retiro")
    services.consent_withdraw(actor=officer, consent=r.consent, note="Ya no quiere")

    r = make_referral(officer, c["a_completed"], a)
    services.referral_accept(actor=ua, referral=r)
    _partner_works(ua, Referral.objects.get(pk=r.pk), note="A antes de terminar")
    services.referral_complete(actor=ua, referral=r, outcome_note="Representación concluida")
    return world


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    partners = {key: f.PartnerFactory(covers=["dallas"], services=SERVICES) for key in ("A", "B")}
    users = {key: f.partner_user(partner) for key, partner in partners.items()}
    return _build(f.officer("dallas"), partners, users)


def fresh(user):
    return type(user).objects.get(pk=user.pk)


# How each model's rows are named in the expectations: by case label, and for rows that belong to
# one partner, by that partner ("staff" for a document the consulate uploaded).
ROW_KEYS = {
    Case: lambda w, row: (w.case_label(row.pk),),
    Person: lambda w, row: (w.person_label(row.pk),),
    EmergencyContact: lambda w, row: (w.person_label(row.person_id),),
    Hearing: lambda w, row: (w.case_label(row.case_id),),
    Task: lambda w, row: (w.case_label(row.case_id),),
    Belonging: lambda w, row: (w.case_label(row.case_id),),
    Referral: lambda w, row: (w.case_label(row.case_id), w.owner(row.partner_id)),
    Consent: lambda w, row: (w.case_label(row.case_id), w.owner(row.partner_id)),
    Document: lambda w, row: (w.case_label(row.case_id), w.owner(row.uploaded_by_partner_id)),
}


def _scoped(model, world: World):
    case_ids = [case.pk for case in world.cases.values()]
    if model is Case:
        return model.objects.filter(pk__in=case_ids)
    if model is Person:
        return model.objects.filter(cases__in=case_ids).distinct()
    if model is EmergencyContact:
        return model.objects.filter(person__cases__in=case_ids).distinct()
    return model.objects.filter(case__in=case_ids)


def visible(model, user, world: World) -> list[tuple]:
    """What ``user`` sees of ``model`` among the world's rows, as a sorted list (duplicates kept)."""
    rows = model.objects.visible_to(fresh(user)).filter(pk__in=_scoped(model, world).values("pk"))
    return sorted(ROW_KEYS[model](world, row) for row in rows)


def everything(model, world: World) -> list[tuple]:
    return sorted(ROW_KEYS[model](world, row) for row in _scoped(model, world))


A_REFERRED = ["a_full", "a_identity", "a_declined", "a_consent_withdrawn", "a_completed"]

EXPECTED = {
    "A": {
        Case: [("a_full",), ("a_identity",)],
        Person: [("a_full",), ("a_identity",)],  # identity is in both scopes
        EmergencyContact: [("a_full",)],  # 'contact' only in the full scope
        Hearing: [("a_full",)],
        Task: [],  # never shared
        Belonging: [("a_full",)],  # 'custody'
        # Its own referral rows, whatever became of them (the case behind them is another matter).
        Referral: sorted((label, "A") for label in A_REFERRED),
        Consent: [("a_full", "A"), ("a_identity", "A")],
        # What A uploaded itself, and the consulate's identity documents where 'identity' is consented.
        Document: [("a_full", "A"), ("a_full", "staff"), ("a_identity", "A"), ("a_identity", "staff")],
    },
    "B": {
        Case: [("b_full",)],
        Person: [("b_full",)],
        EmergencyContact: [("b_full",)],
        Hearing: [("b_full",)],
        Task: [],
        Belonging: [("b_full",)],
        Referral: [("b_full", "B")],
        Consent: [("b_full", "B")],
        Document: [("b_full", "B"), ("b_full", "staff")],
    },
}

MODELS = list(ROW_KEYS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_partner_visibility_matrix(world, model):
    for key in ("A", "B"):
        assert visible(model, world.users[key], world) == EXPECTED[key][model], key


# The timeline, as (case, kind, partner named in the payload) for each partner.
EXPECTED_EVENTS = {
    "A": sorted(
        [
            # a_full: notes, custody and hearings by consent, plus its own referral trail
            ("a_full", "custody", None),
            ("a_full", "note", None),
            ("a_full", "hearing_scheduled", None),
            ("a_full", "belonging_recorded", None),
            ("a_full", "referred", "A"),
            ("a_full", "referral_answered", "A"),
            ("a_full", "document_uploaded", "A"),
            ("a_full", "partner_note", "A"),
            # a_identity: only its own referral trail
            ("a_identity", "referred", "A"),
            ("a_identity", "document_uploaded", "A"),
        ],
        key=repr,
    ),
    "B": sorted(
        [
            ("b_full", "custody", None),
            ("b_full", "note", None),
            ("b_full", "hearing_scheduled", None),
            ("b_full", "belonging_recorded", None),
            ("b_full", "referred", "B"),
            ("b_full", "referral_answered", "B"),
            ("b_full", "document_uploaded", "B"),
            ("b_full", "partner_note", "B"),
        ],
        key=repr,
    ),
}


def visible_events(user, world: World) -> list[tuple]:
    events = CaseEvent.objects.visible_to(fresh(user)).filter(case__in=[c.pk for c in world.cases.values()])
    return sorted(
        (
            (
                world.case_label(e.case_id),
                e.kind,
                world.owner(e.payload["partner_id"]) if "partner_id" in e.payload else None,
            )
            for e in events
        ),
        key=repr,
    )


@pytest.mark.parametrize("key", ["A", "B"])
def test_partner_timeline(world, key):
    assert visible_events(world.users[key], world) == EXPECTED_EVENTS[key]


def test_zero_cross_tenant_successes(world):
    """Nothing of B's or of an unshared case reaches A, and the other way round; nor can either write."""
    own_cases = {"A": {"a_full", "a_identity"}, "B": {"b_full"}}
    leaks = []
    for key, user in world.users.items():
        other = "B" if key == "A" else "A"
        for model in MODELS:
            for row in visible(model, user, world):
                label, *owner = row
                if (model is Referral and owner == [key]) or label in own_cases[key]:
                    if owner and owner[0] == other:
                        leaks.append((key, model.__name__, row))
                    continue
                leaks.append((key, model.__name__, row))
        for label, kind, owner in visible_events(user, world):
            if label not in own_cases[key] or owner == other:
                leaks.append((key, "CaseEvent", (label, kind, owner)))

    # Writes across the wall: B on A's referrals and cases, A on B's.
    attempts = []
    ref_a = Referral.objects.get(case=world.cases["a_identity"])
    ref_a_accepted = Referral.objects.get(case=world.cases["a_full"])
    ref_b = Referral.objects.get(case=world.cases["b_full"])
    ub, ua = world.users["B"], world.users["A"]
    attempts += [
        lambda: services.referral_accept(actor=ub, referral=ref_a),
        lambda: services.referral_decline(actor=ub, referral=ref_a, reason="No"),
        lambda: services.referral_note_add(actor=ub, referral=ref_a_accepted, text="Hola"),
        lambda: services.referral_complete(actor=ub, referral=ref_a_accepted, outcome_note="Hecho"),
        lambda: services.referral_note_add(actor=ua, referral=ref_b, text="Hola"),
        lambda: services.referral_start(actor=ua, referral=ref_b),
        lambda: services.referral_withdraw(actor=ua, referral=ref_b, reason="No"),
        lambda: services.document_upload(
            actor=ub, case=world.cases["a_full"], file=_pdf("x.pdf"), kind="other"
        ),
        lambda: services.document_upload(
            actor=ua, case=world.cases["b_full"], file=_pdf("x.pdf"), kind="other"
        ),
        lambda: services.document_upload(
            actor=ua, case=world.cases["unreferred"], file=_pdf("x.pdf"), kind="other"
        ),
        lambda: services.document_upload(
            actor=ua, case=world.cases["a_consent_withdrawn"], file=_pdf("x.pdf"), kind="other"
        ),
        lambda: services.case_note_add(actor=ua, case=world.cases["a_full"], text="Nota"),
        lambda: services.consent_withdraw(actor=ua, consent=ref_a.consent),
    ]
    successes = 0
    for attempt in attempts:
        try:
            attempt()
        except (PermissionDenied, ValidationError):
            continue
        successes += 1

    assert leaks == []
    assert successes == 0, "cross-tenant successes"


def test_every_kind_of_record_exists_in_the_world(world):
    """The expectations above mean something only if the hidden rows exist."""
    for model in (Case, Person, EmergencyContact, Hearing, Task, Belonging, Document):
        labels = {row[0] for row in everything(model, world)}
        assert labels == set(CASES), model.__name__
    assert {row[0] for row in everything(Referral, world)} == set(CASES) - {"unreferred", "a_consent_only"}
    assert {row[0] for row in everything(Consent, world)} == set(CASES) - {"unreferred"}
    kinds = Counter(e.kind for e in CaseEvent.objects.filter(case__in=[c.pk for c in world.cases.values()]))
    for kind in ("custody", "note", "hearing_scheduled", "task_added", "belonging_recorded", "partner_note"):
        assert kinds[kind] > 0, kind


@pytest.mark.parametrize("model", [*MODELS, CaseEvent], ids=lambda m: m.__name__)
def test_consulate_staff_visibility_is_unchanged(world, model):
    dallas, houston = world.officer, f.officer("houston")
    scoped = (
        _scoped(model, world)
        if model is not CaseEvent
        else CaseEvent.objects.filter(case__in=world.cases.values())
    )
    all_pks = set(scoped.values_list("pk", flat=True))
    assert all_pks
    seen_by_dallas = set(
        model.objects.visible_to(fresh(dallas)).filter(pk__in=all_pks).values_list("pk", flat=True)
    )
    seen_by_houston = set(
        model.objects.visible_to(houston).filter(pk__in=all_pks).values_list("pk", flat=True)
    )
    assert seen_by_dallas == all_pks
    assert seen_by_houston == set()


def test_a_case_referred_to_both_partners_shows_each_only_its_own_trail(world):
    """Both partners may see the same case; neither sees the other's referral, consent, documents or
    notes (the other's work is not the person's data they agreed to share with this partner)."""
    officer, a, b = world.officer, world.partners["A"], world.partners["B"]
    shared = _staffed_case(officer)
    world.cases["shared"] = shared
    for key, partner in (("A", a), ("B", b)):
        referral = make_referral(officer, shared, partner)
        services.referral_accept(actor=world.users[key], referral=referral)
        _partner_works(world.users[key], Referral.objects.get(pk=referral.pk), note=f"Nota de {key}")

    for key in ("A", "B"):
        other = "B" if key == "A" else "A"
        user = world.users[key]
        assert ("shared",) in visible(Case, user, world)
        for model in (Referral, Consent):
            rows = [row for row in visible(model, user, world) if row[0] == "shared"]
            assert rows == [("shared", key)], model.__name__
        # Its own documents and the consulate's it may read by the consent, never the other partner's.
        documents = [row for row in visible(Document, user, world) if row[0] == "shared"]
        assert documents == [("shared", key), ("shared", "staff")]
        trail = [row for row in visible_events(user, world) if row[0] == "shared"]
        assert [row for row in trail if row[2] == other] == []
        assert sorted(kind for _, kind, owner in trail if owner == key) == [
            "document_uploaded",
            "partner_note",
            "referral_answered",
            "referred",
        ]


def test_an_inactive_partner_sees_nothing_and_cannot_answer():
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation"])
    user = f.partner_user(partner=partner)
    case = f.make_case(officer)
    referral = make_referral(officer, case, partner)
    assert Case.objects.visible_to(type(user).objects.get(pk=user.pk)).filter(pk=case.pk).exists()
    Partner.objects.filter(pk=partner.pk).update(active=False)
    user = type(user).objects.get(pk=user.pk)
    assert not Case.objects.visible_to(user).exists()
    assert not Person.objects.visible_to(user).exists()
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=user, referral=referral)
