"""A small hand-built network for the report tests, and every figure computed from it in plain Python.

Records go through the services (``tests.factories``); the times the reports measure are then set
exactly with ``.update()`` (test data only). Each case is described by a ``Spec``; the ``expected_*``
functions read the specs, never the database, so they are an independent account of each figure:
local weeks and days with ``zoneinfo``, medians with ``statistics.median``, the 90th percentile with
the same linear interpolation as PostgreSQL's ``percentile_cont``.

Dallas runs on America/Chicago and El Paso on America/Denver. Several times sit late on a Sunday night
(already Monday in UTC) or near the range's edges, so that a UTC week, day or month would give another
answer.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services
from cases.categories import Category
from cases.models import Case, Hearing, Referral, Transfer
from cases.models.case import NotifiedBy, Outcome, Priority, Status
from cases.models.identity import ArrestingAgency
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.reports.common import ReportParams
from consulates.choices import FacilityKind
from consulates.models import DetentionFacility, ReceptionPoint
from tests import factories as f
from tests.cases.reports import (
    children_builders,
    incident_builders,
    inquiry_builders,
    proceeding_builders,
    request_builders,
)
from tests.factories.crossoffice import make_referral, make_transfer
from tests.worlds import rolled_back

CHI, DEN = ZoneInfo("America/Chicago"), ZoneInfo("America/Denver")
TZ = {"dallas": CHI, "el_paso": DEN}
CITY = {"dallas": "Dallas", "el_paso": "El Paso"}
START, END = dt.date(2025, 1, 6), dt.date(2025, 2, 23)  # a Monday, a Sunday
PARAMS = ReportParams(start=START, end=END)
OPEN = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE)
PASSWORD = "reportes-2025"


def at(tz, month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


@dataclass
class Spec:
    key: str
    consulate: str  # where the case is in the end (after an accepted transfer)
    opened: dt.datetime
    category: str = Category.MIGRATORIO
    priority: str = Priority.NORMAL
    status: str = Status.OPEN
    closed: dt.datetime | None = None
    outcome: str = ""
    reception: str | None = None  # "rp1" / "rp2"
    facility: str | None = None  # "dallas" / "el_paso" (the facility's district)
    released: bool = False
    arrested: dt.datetime | None = None
    notified: dt.datetime | None = None
    notified_by: str = ""
    contact: dt.datetime | None = None
    agency: str = ""  # the arresting agency
    advised: dt.datetime | None = None  # advised of the right to consular notification
    request: str = "unknown"  # asked for notification, declined, or not known
    opposes: bool = False  # opposes consular action (art. 36(1)(c))
    assignee: str | None = None
    inactive: bool = False
    person: str | None = None  # cases with the same key share one person
    flags: tuple[str, ...] = ()
    origin: str | None = None  # the consulate that opened it, when a transfer moved it
    case: Case | None = field(default=None, repr=False)

    @property
    def tz(self):
        return TZ[self.consulate]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def specs() -> list[Spec]:
    d, e = "dallas", "el_paso"
    return [
        # Closed in the range.
        Spec(
            "c1",
            d,
            at(CHI, 1, 7, 10),
            closed=at(CHI, 1, 9, 10),
            outcome=Outcome.REPATRIATED,
            reception="rp1",
            status=Status.CLOSED,
            flags=("is_older_adult",),
        ),
        Spec(
            "c2",
            d,
            at(CHI, 1, 8, 9),
            closed=at(CHI, 1, 13, 9),
            outcome=Outcome.RELEASED,
            status=Status.CLOSED,
            facility=d,
            arrested=at(CHI, 1, 7, 22),
            notified=at(CHI, 1, 8, 6),
            notified_by=NotifiedBy.FACILITY,
            contact=at(CHI, 1, 8, 16),
            agency="ice_ero",
            advised=at(CHI, 1, 7, 23),
            request="requested",
        ),
        # Closed late on a Sunday (Monday in UTC): the week of the 13th locally.
        Spec(
            "c3",
            e,
            at(DEN, 1, 10, 12),
            closed=at(DEN, 1, 19, 22),
            outcome=Outcome.REPATRIATED,
            reception="rp2",
            status=Status.CLOSED,
        ),
        # Opened late on a Sunday; closed on 31 January locally (1 February in UTC).
        Spec(
            "c4",
            d,
            at(CHI, 1, 12, 23, 30),
            closed=at(CHI, 1, 31, 22),
            outcome=Outcome.REPATRIATED,
            reception="rp1",
            status=Status.CLOSED,
        ),
        # Closed 23:30 on the last day (in) and 00:30 the day after (out).
        Spec(
            "c5",
            d,
            at(CHI, 1, 20, 8),
            closed=at(CHI, 2, 23, 23, 30),
            outcome=Outcome.RESOLVED,
            category=Category.PENAL,
            status=Status.CLOSED,
        ),
        Spec(
            "c6",
            d,
            at(CHI, 1, 21, 8),
            closed=at(CHI, 2, 24, 0, 30),
            outcome=Outcome.RESOLVED,
            category=Category.PENAL,
            status=Status.CLOSED,
        ),
        # Closed 23:30 the day before the range (Monday 06:30 in UTC): out.
        Spec(
            "c7",
            e,
            at(DEN, 12, 20, 10, year=2024),
            closed=at(DEN, 1, 5, 23, 30),
            outcome=Outcome.RESOLVED,
            category=Category.PENAL,
            status=Status.CLOSED,
        ),
        Spec(
            "c9",
            e,
            at(DEN, 2, 2, 10),
            closed=at(DEN, 2, 16, 23, 30),
            outcome=Outcome.REPATRIATED,
            status=Status.CLOSED,
        ),
        Spec(
            "c10",
            e,
            at(DEN, 1, 14, 9),
            closed=at(DEN, 1, 17, 15),
            outcome=Outcome.NOT_LOCATED,
            category=Category.PENAL,
            status=Status.CLOSED,
        ),
        # Open now.
        Spec(
            "o1",
            d,
            at(CHI, 2, 16, 23, 45),
            assignee="officer_a",
            facility=d,
            arrested=at(CHI, 2, 14, 8),
            notified=at(CHI, 2, 14, 20),
            notified_by=NotifiedBy.FACILITY,
            contact=at(CHI, 2, 15, 8),
            agency="sheriff_287g",
            advised=at(CHI, 2, 14, 10),
            request="requested",
            person="p1",
            flags=("is_minor",),
        ),
        Spec(
            "o2",
            d,
            at(CHI, 2, 3, 9),
            category=Category.PENAL,
            priority=Priority.HIGH,
            assignee="officer_a",
            facility=d,
            arrested=at(CHI, 2, 2, 10),
            notified=at(CHI, 2, 3, 10),
            notified_by=NotifiedBy.ICE,
            agency="sheriff_287g",
            advised=at(CHI, 2, 2, 16, 30),
            request="declined",
            inactive=True,
        ),
        Spec(
            "o3",
            d,
            at(CHI, 1, 27, 10),
            priority=Priority.URGENT,
            status=Status.PENDING_CLOSURE,
            assignee="officer_b",
            facility=e,
            arrested=at(CHI, 1, 26, 12),
            notified=at(CHI, 1, 26, 18),
            notified_by=NotifiedBy.FACILITY,
            contact=at(CHI, 1, 28, 18),
            agency="ice_ero",
            opposes=True,
            flags=("fears_return", "is_pregnant"),
        ),
        Spec(
            "o4",
            d,
            at(CHI, 11, 1, 10, year=2024),
            category=Category.CIVIL,
            priority=Priority.LOW,
            status=Status.IN_PROGRESS,
            facility=d,
            released=True,
            inactive=True,
        ),
        Spec("o5", d, at(CHI, 2, 10, 10), category=Category.CIVIL, person="p1"),
        Spec(
            "o6",
            e,
            at(DEN, 2, 5, 11),
            assignee="officer_c",
            facility=e,
            arrested=at(DEN, 2, 5, 10),
            notified=at(DEN, 2, 5, 13),
            notified_by=NotifiedBy.FACILITY,
            contact=at(DEN, 2, 6, 13),
            agency="cbp",
            advised=at(DEN, 2, 5, 10, 45),
        ),
        Spec(
            "o7",
            e,
            at(DEN, 2, 11, 10),
            category=Category.PENAL,
            priority=Priority.HIGH,
            status=Status.IN_PROGRESS,
            notified=at(DEN, 2, 11, 9),
            notified_by=NotifiedBy.PERSON,
            inactive=True,
            flags=("has_disability",),
        ),
        # Notified 00:30 the day after the range: out of the art. 36 figures.
        Spec(
            "o8",
            d,
            at(CHI, 2, 24, 0, 40),
            facility=d,
            arrested=at(CHI, 2, 23, 20),
            notified=at(CHI, 2, 24, 0, 30),
            notified_by=NotifiedBy.ICE,
            agency="local_police",
            advised=at(CHI, 2, 23, 21),
        ),
        # Opened 23:30 the day before the range (Monday in UTC): out of the weekly flow.
        Spec("c8", e, at(DEN, 1, 5, 23, 30), category=Category.LABORAL, priority=Priority.LOW),
        # Transfers: El Paso asks Dallas to take tE (pending); Dallas asks El Paso for tD1 and tD2
        # (pending); tD3 went to El Paso (accepted).
        Spec("tE", e, at(DEN, 1, 15, 10), category=Category.ADMINISTRATIVO),
        Spec("tD1", d, at(CHI, 1, 16, 10), category=Category.DERECHOS_HUMANOS),
        Spec("tD2", d, at(CHI, 1, 17, 10), category=Category.DERECHOS_HUMANOS),
        Spec("tD3", e, at(CHI, 1, 18, 10), category=Category.ADMINISTRATIVO, origin=d),
    ]


# Referrals: (case, partner, service, referred_at, answer, hours to answer, then)
REFERRALS = [
    ("o1", "p1", "legal_representation", at(CHI, 1, 20, 10), "accept", 10, None),
    ("o2", "p1", "legal_representation", at(CHI, 1, 22, 10), "decline", 30, None),
    ("o5", "p1", "legal_representation", at(CHI, 2, 10, 10), None, None, None),
    # Accepted, then withdrawn when the case was closed: still an acceptance.
    ("c2", "p1", "legal_representation", at(CHI, 1, 8, 12), "accept", 4, None),
    ("o6", "p1", "shelter", at(DEN, 2, 6, 10), "accept", 20, "start"),
    ("o3", "p2", "legal_representation", at(CHI, 1, 28, 10), "decline", 5, None),
    ("o7", "p2", "legal_representation", at(DEN, 12, 1, 10, year=2024), None, None, None),  # out
    ("o4", "p2", "shelter", at(CHI, 2, 23, 23, 30), "accept", 2, None),  # last evening: in
]
# Tasks: (case, assignee, days from today, done)
TASKS = [
    ("o1", "officer_a", -5, False),
    ("o2", "officer_a", -1, False),
    ("o2", "officer_a", 3, False),
    ("o1", "officer_a", -3, True),
    ("c2", "officer_a", -4, False),  # on a case closed since
    ("o5", "officer_b", -2, False),
    ("o6", "officer_c", -10, False),
    ("o7", None, -6, False),  # nobody's
]
# Hearings: (case, days from now, state)
HEARINGS = [
    ("o1", 3, "scheduled"),
    ("o1", 10, "scheduled"),
    ("o2", 20, "scheduled"),
    ("o2", 2, "cancelled"),
    ("o6", 5, "scheduled"),
    ("o6", -2, "scheduled"),  # already past
    ("o7", 45, "scheduled"),
    ("tE", 4, "scheduled"),
]
# Transfers: (case, to, days since requested, accepted)
TRANSFERS = [
    ("tE", "dallas", 5, False),
    ("tD1", "el_paso", 2, False),
    ("tD2", "el_paso", 10, False),
    ("tD3", "el_paso", 1, True),
]


def build(*, manager_password: bool = False, tag: str = "") -> SimpleNamespace:
    """Create the network of ``specs()``; return users, records and specs by name. ``tag`` tells the
    partners of another copy apart (the query-count tests build several)."""
    w = SimpleNamespace(specs={s.key: s for s in specs()})
    w.dallas, w.el_paso = f.consulate("dallas"), f.consulate("el_paso")
    assert (w.dallas.timezone, w.el_paso.timezone) == ("America/Chicago", "America/Denver")
    w.users = {
        "officer_a": f.officer("dallas", first_name="Ana", last_name="Alvarez"),
        "officer_b": f.officer("dallas", first_name="Beto", last_name="Bravo"),
        "supervisor_d": f.supervisor("dallas", first_name="Sara", last_name="Salas"),
        "officer_c": f.officer("el_paso", first_name="Carla", last_name="Cruz"),
        "supervisor_e": f.supervisor("el_paso", first_name="Eva", last_name="Estrada"),
        "manager": f.manager(
            first_name="Mario",
            last_name="Mendoza",
            **({"password": make_password(PASSWORD)} if manager_password else {}),
        ),
    }
    u = w.users
    worker = {"dallas": u["officer_a"], "el_paso": u["officer_c"]}
    boss = {"dallas": u["supervisor_d"], "el_paso": u["supervisor_e"]}
    w.facility = {
        slug: DetentionFacility.objects.filter(county__consulate__slug=slug).order_by("pk").first()
        for slug in ("dallas", "el_paso")
    }
    assert all(w.facility.values())
    rp1, rp2 = ReceptionPoint.objects.order_by("name")[:2]
    w.reception = {"rp1": rp1, "rp2": rp2}
    w.partners = {
        "p1": f.PartnerFactory(
            name=f"Aliada Uno{tag}",
            covers=["dallas", "el_paso"],
            services=["legal_representation", "shelter"],
        ),
        "p2": f.PartnerFactory(
            name=f"Aliada Dos{tag}",
            covers=["dallas", "el_paso"],
            services=["legal_representation", "shelter"],
        ),
    }

    persons: dict[str, Person] = {}
    for spec in w.specs.values():
        origin = spec.origin or spec.consulate
        actor = worker[origin]
        person = persons.get(spec.person) if spec.person else None
        if person is None:
            person = f.make_person(actor, consulate=f.consulate(origin), **dict.fromkeys(spec.flags, True))
            if spec.person:
                persons[spec.person] = person
        spec.case = f.make_case(
            actor,
            person=person,
            consulate=f.consulate(origin),
            category=spec.category,
            priority=spec.priority,
        )
        if spec.assignee:
            services.case_assign(actor=boss[origin], case=spec.case, assignee=u[spec.assignee])

    today = timezone.localdate()
    w.tasks = []
    for key, assignee, days, done in TASKS:
        spec = w.specs[key]
        task = services.task_add(
            actor=worker[spec.consulate],
            case=spec.case,
            title="Seguimiento",
            due_date=today + dt.timedelta(days=days),
            assignee=u[assignee] if assignee else None,
        )
        if done:
            services.task_complete(actor=worker[spec.consulate], task=task)
        w.tasks.append(task)

    now = timezone.now()
    for key, days, state in HEARINGS:
        spec = w.specs[key]
        hearing = services.hearing_schedule(
            actor=worker[spec.origin or spec.consulate],
            case=spec.case,
            kind="master_calendar",
            starts_at=now + dt.timedelta(days=days, hours=1),
            location="Corte de inmigración",
        )
        if state == "cancelled":
            services.hearing_cancel(actor=worker[spec.consulate], hearing=hearing, reason="Reprogramada")
        if days < 0:
            Hearing.objects.filter(pk=hearing.pk).update(starts_at=now + dt.timedelta(days=days))

    w.referrals = []
    for key, partner, service, referred, answer, hours, then in REFERRALS:
        spec = w.specs[key]
        actor = worker[spec.consulate]
        referral = make_referral(actor, spec.case, w.partners[partner], service=service)
        if answer == "accept":
            referral = services.referral_accept(actor=actor, referral=referral)
        elif answer == "decline":
            referral = services.referral_decline(actor=actor, referral=referral, reason="Sin cupo")
        if then == "start":
            referral = services.referral_start(actor=actor, referral=referral)
        Referral.objects.filter(pk=referral.pk).update(
            referred_at=referred, responded_at=referred + dt.timedelta(hours=hours) if hours else None
        )
        w.referrals.append(referral)

    for key, to, days, accepted in TRANSFERS:
        spec = w.specs[key]
        transfer = make_transfer(worker[spec.origin or spec.consulate], spec.case, to)
        if accepted:
            services.transfer_accept(actor=boss[to], transfer=transfer)
        Transfer.objects.filter(pk=transfer.pk).update(requested_at=now - dt.timedelta(days=days))

    for spec in w.specs.values():
        if spec.status == Status.CLOSED:
            services.case_close_request(actor=boss[spec.consulate], case=spec.case, outcome=spec.outcome)
        elif spec.status == Status.PENDING_CLOSURE:
            services.case_close_request(actor=u[spec.assignee], case=spec.case, outcome=Outcome.RESOLVED)
    for spec in w.specs.values():
        Case.objects.filter(pk=spec.case.pk).update(
            status=spec.status,
            opened_at=spec.opened,
            closed_at=spec.closed,
            reception_point=w.reception[spec.reception] if spec.reception else None,
            facility=w.facility[spec.facility] if spec.facility else None,
            detained_since=spec.opened.date() if spec.facility else None,
            released_on=spec.opened.date() if spec.released else None,
            arrested_at=spec.arrested,
            consulate_notified_at=spec.notified,
            notified_by=spec.notified_by,
            first_contact_at=spec.contact,
            arresting_agency=spec.agency,
            advised_at=spec.advised,
            notification_request=spec.request,
            opposes_consular_action=spec.opposes,
            last_activity_at=now - dt.timedelta(days=20 if spec.inactive else 1),
        )
        spec.case.refresh_from_db()
        assert spec.case.consulate.slug == spec.consulate, spec.key
    inquiry_builders.build(w)  # the inquiries of the inquiries' report
    proceeding_builders.build(w)  # the legal proceedings of the proceedings reports
    request_builders.build(w)  # the formal requests of the unanswered requests report
    incident_builders.build(w)  # the critical incidents of the incidents report
    children_builders.build(w)  # the children of the children's reports
    _operations(w)
    return w


# The cases of each operation (spec keys). "dallas" (Operativo Norte): closed, open, pending closure and
# pending transfer cases at Dallas, and c10, an El Paso case moved to it, which a Dallas-only count leaves
# out; "el_paso" (Operativo Sur): El Paso's; "before" (Operativo Viejo): before the period.
OPERATION_CASES = {
    "dallas": ("c1", "c2", "c4", "c10", "o1", "o2", "o3", "tD1"),
    "el_paso": ("c3", "c7", "o6", "o7", "tE"),
    "before": ("c6",),
}


def _operations(w) -> None:
    """Three operations: one at Dallas in the period, one at El Paso in the period, one at Dallas before
    the period (never counted by the operations report); their cases are ``OPERATION_CASES``."""
    from cases.models import Operation

    manager = w.users["manager"]
    w.operations = {
        "dallas": Operation.objects.create(
            consulate=w.dallas,
            name="Operativo Norte",
            date=dt.date(2025, 1, 10),
            agency="ice_ero",
            created_by=manager,
        ),
        "el_paso": Operation.objects.create(
            consulate=w.el_paso,
            name="Operativo Sur",
            date=dt.date(2025, 2, 1),
            agency="sheriff_287g",
            created_by=manager,
        ),
        "before": Operation.objects.create(
            consulate=w.dallas, name="Operativo Viejo", date=dt.date(2024, 12, 1), created_by=manager
        ),
    }
    for key, spec_keys in OPERATION_CASES.items():
        Case.objects.filter(pk__in=[w.specs[k].case.pk for k in spec_keys]).update(
            operation=w.operations[key]
        )


@contextmanager
def world_transaction(django_db_blocker, **build_kwargs) -> Iterator[SimpleNamespace]:
    """``build()`` in a transaction rolled back when the block ends: built once for a module, each test
    then runs in a savepoint of it (pytest-django's own transaction nests inside), so a test's writes are
    gone before the next test starts."""
    with rolled_back(django_db_blocker):
        yield build(**build_kwargs)


# ------------------------------------------------------------------------------------------------
# The figures, from the specs alone


def percentile_cont(values, p: float) -> float | None:
    """PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks."""
    values = sorted(values)
    if not values:
        return None
    position = p * (len(values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (position - lower) * (values[upper] - values[lower])


def r1(value):
    return None if value is None else round(value, 1)


def local_day(moment: dt.datetime, tz) -> dt.date:
    return moment.astimezone(tz).date()


def in_range(moment, tz, params=PARAMS) -> bool:
    return moment is not None and params.start <= local_day(moment, tz) <= params.end


def _scope(w, consulate: str | None, operation: str | None = None) -> list[Spec]:
    """The specs counted: in ``consulate`` (if given), of the operation ``operation`` (a key of
    ``OPERATION_CASES``, if given)."""
    return [
        s
        for s in w.specs.values()
        if (consulate is None or s.consulate == consulate)
        and (operation is None or s.key in OPERATION_CASES[operation])
    ]


def _label(choices, key) -> str:
    return str(dict(choices.choices)[key])


def expected_open_cases(w, consulate=None, operation=None):
    rows = []
    for slug in ("dallas", "el_paso"):
        cases = [s for s in _scope(w, consulate, operation) if s.consulate == slug and s.is_open]
        if not cases:
            continue
        row = {"consulate": CITY[slug], "total": len(cases)}
        row |= {s: sum(c.status == s for c in cases) for s in OPEN}
        row |= {c: sum(x.category == c for x in cases) for c in Category.values}
        row |= {p: sum(x.priority == p for x in cases) for p in Priority.values}
        rows.append(row)
    return rows


def expected_weekly_flow(w, consulate=None, params=PARAMS, operation=None):
    first = params.start - dt.timedelta(days=params.start.weekday())
    weeks = {}
    monday = first
    while monday <= params.end:
        weeks[monday] = {"week": monday.isoformat(), "opened": 0, "closed": 0}
        monday += dt.timedelta(days=7)
    for spec in _scope(w, consulate, operation):
        for column, moment in (("opened", spec.opened), ("closed", spec.closed)):
            if in_range(moment, spec.tz, params):
                day = local_day(moment, spec.tz)
                weeks[day - dt.timedelta(days=day.weekday())][column] += 1
    return [weeks[k] for k in sorted(weeks)]


def expected_custody_by_facility(w, consulate=None, operation=None):
    counts = Counter(
        s.facility for s in _scope(w, consulate, operation) if s.facility and not s.released and s.is_open
    )
    rows = [
        {
            "facility": w.facility[slug].name,
            "kind": str(FacilityKind(w.facility[slug].kind).label),
            "district": CITY[slug],
            "in_custody": n,
        }
        for slug, n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["in_custody"], r["facility"]))


def expected_upcoming_hearings(w, consulate=None, operation=None):
    per = defaultdict(lambda: [0, 0])
    scoped = {s.key for s in _scope(w, consulate, operation)}
    for key, days, state in HEARINGS:
        if key not in scoped or state != "scheduled" or days < 0:
            continue
        spec = w.specs[key]
        if days < 7:
            per[spec.consulate][0] += 1
        if days < 30:
            per[spec.consulate][1] += 1
    return [
        {"consulate": CITY[slug], "next_7": a, "next_30": b}
        for slug, (a, b) in sorted(per.items(), key=lambda i: CITY[i[0]])
        if b
    ]


def expected_workload(w, consulate=None, operation=None):
    scoped = {s.key: s for s in _scope(w, consulate, operation) if s.is_open}
    cases = Counter(s.assignee for s in scoped.values() if s.assignee)
    overdue = Counter(a for key, a, days, done in TASKS if key in scoped and a and days < 0 and not done)
    rows = []
    for key in set(cases) | set(overdue):
        user = w.users[key]
        rows.append(
            {
                "officer": user.get_full_name(),
                "consulate": user.staff_membership.consulate.city,
                "open_cases": cases[key],
                "overdue_tasks": overdue[key],
            }
        )
    return sorted(rows, key=lambda r: r["officer"].lower())


def expected_attention(w, consulate=None, operation=None):
    rows = []
    for slug in ("dallas", "el_paso"):
        cases = [s for s in _scope(w, consulate, operation) if s.consulate == slug and s.is_open]
        if cases:
            rows.append(
                {
                    "consulate": CITY[slug],
                    "unassigned": sum(s.assignee is None for s in cases),
                    "inactive": sum(s.inactive for s in cases),
                }
            )
    return rows


def _days(later, earlier) -> float:
    return (later - earlier).total_seconds() / 86400


def _hours(later, earlier) -> float:
    return (later - earlier).total_seconds() / 3600


def expected_days_to_closure(w, consulate=None, params=PARAMS, operation=None):
    by_category = defaultdict(list)
    for s in _scope(w, consulate, operation):
        if s.status == Status.CLOSED and in_range(s.closed, s.tz, params):
            by_category[s.category].append(_days(s.closed, s.opened))
    return [
        {
            "category": _label(Category, category),
            "closed": len(values),
            "median": r1(statistics.median(values)),
            "p90": r1(percentile_cont(values, 0.9)),
        }
        for category, values in sorted(by_category.items())
    ]


def _art36(w, consulate, key_of, label, params=PARAMS, operation=None):
    groups = defaultdict(list)
    for s in _scope(w, consulate, operation):
        if in_range(s.notified, s.tz, params):
            groups[key_of(s)].append(s)
    rows = []
    # PostgreSQL sorts NULL last.
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        cases = groups[key]
        notification = [_hours(s.notified, s.arrested) for s in cases if s.arrested]
        contact = [_hours(s.contact, s.notified) for s in cases if s.contact]
        rows.append(
            {
                label: key or "—",
                "cases": len(cases),
                "notification_median": r1(statistics.median(notification)) if notification else None,
                "contact_median": r1(statistics.median(contact)) if contact else None,
                "no_contact": sum(s.contact is None for s in cases),
            }
        )
    return rows


def expected_art36_by_facility(w, consulate=None, params=PARAMS, operation=None):
    return _art36(
        w,
        consulate,
        lambda s: w.facility[s.facility].name if s.facility else None,
        "facility",
        params,
        operation,
    )


def expected_art36_by_notifier(w, consulate=None, params=PARAMS, operation=None):
    rows = _art36(w, consulate, lambda s: s.notified_by or None, "notified_by", params, operation)
    for row in rows:
        if row["notified_by"] != "—":
            row["notified_by"] = _label(NotifiedBy, row["notified_by"])
    return rows


def _art36_sequence(w, consulate, key_of, label, params=PARAMS, operation=None):
    """Cases arrested in the range (local date at their consulate), grouped; each delay over the cases with
    both of its times."""
    groups = defaultdict(list)
    for s in _scope(w, consulate, operation):
        if in_range(s.arrested, s.tz, params):
            groups[key_of(s)].append(s)
    rows = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):  # PostgreSQL sorts NULL last
        cases = groups[key]
        row = {label: key or "—", "arrests": len(cases)}
        for name, later, earlier in (
            ("advised", "advised", "arrested"),
            ("notification", "notified", "arrested"),
            ("contact", "contact", "notified"),
        ):
            hours = [
                _hours(getattr(s, later), getattr(s, earlier))
                for s in cases
                if getattr(s, later) and getattr(s, earlier)
            ]
            row[f"{name}_median"] = r1(statistics.median(hours)) if hours else None
            row[f"{name}_p90"] = r1(percentile_cont(hours, 0.9)) if hours else None
        row["declined"] = sum(s.request == "declined" for s in cases)
        row["opposed"] = sum(s.opposes for s in cases)
        rows.append(row)
    return rows


def expected_art36_by_agency(w, consulate=None, params=PARAMS, operation=None):
    rows = _art36_sequence(w, consulate, lambda s: s.agency or None, "agency", params, operation)
    for row in rows:
        if row["agency"] != "—":
            row["agency"] = _label(ArrestingAgency, row["agency"])
    return rows


def expected_art36_sequence_by_facility(w, consulate=None, params=PARAMS, operation=None):
    return _art36_sequence(
        w,
        consulate,
        lambda s: w.facility[s.facility].name if s.facility else None,
        "facility",
        params,
        operation,
    )


def expected_referrals_by_partner(w, consulate=None, params=PARAMS, operation=None):
    scoped = {s.key for s in _scope(w, consulate, operation)}
    groups = defaultdict(list)
    for key, partner, _service, referred, answer, hours, _then in REFERRALS:
        spec = w.specs[key]
        if key in scoped and in_range(referred, spec.tz, params):
            groups[w.partners[partner].name].append((answer, hours))
    rows = []
    for name in sorted(groups):
        items = groups[name]
        accepted = sum(a == "accept" for a, _h in items)
        declined = sum(a == "decline" for a, _h in items)
        hours = [h for _a, h in items if h is not None]
        rows.append(
            {
                "partner": name,
                "referrals": len(items),
                "accepted": accepted,
                "declined": declined,
                "pending": sum(a is None for a, _h in items),
                "acceptance_rate": r1(100 * accepted / (accepted + declined))
                if accepted + declined
                else None,
                "median_response": r1(statistics.median(hours)) if hours else None,
            }
        )
    return rows


def expected_pending_transfers(w, consulate=None, operation=None):
    groups = defaultdict(list)
    for key, to, days, accepted in TRANSFERS:
        origin = w.specs[key].origin or w.specs[key].consulate
        if accepted or (consulate is not None and consulate not in (to, origin)):
            continue
        if operation is not None and key not in OPERATION_CASES[operation]:
            continue
        groups[CITY[to]].append(days)
    return [
        {"to": city, "pending": len(ages), "median_age": r1(statistics.median(ages)), "oldest": r1(max(ages))}
        for city, ages in sorted(groups.items())
    ]


def expected_closed_by_outcome(w, consulate=None, params=PARAMS, operation=None):
    counts = Counter(
        s.outcome
        for s in _scope(w, consulate, operation)
        if s.status == Status.CLOSED and in_range(s.closed, s.tz, params)
    )
    return [
        {"outcome": _label(Outcome, outcome), "closed": n}
        for outcome, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


def expected_repatriations(w, consulate=None, params=PARAMS, operation=None):
    not_recorded = _("Not recorded")
    counts = Counter()
    for s in _scope(w, consulate, operation):
        if (
            s.outcome == Outcome.REPATRIATED
            and s.status == Status.CLOSED
            and in_range(s.closed, s.tz, params)
        ):
            month = s.closed.astimezone(s.tz).strftime("%Y-%m")
            counts[(month, w.reception[s.reception].name if s.reception else None)] += 1
    return [
        {"month": month, "reception_point": name or not_recorded, "repatriated": n}
        for (month, name), n in sorted(
            counts.items(), key=lambda i: (i[0][0], i[0][1] is None, i[0][1] or "")
        )
    ]


def expected_vulnerable_open(w, consulate=None, operation=None):
    # The report's own message ids, in whatever language the test runs.
    any_label, total_label = _("Any vulnerability"), _("Persons with open cases")
    persons = {}
    for s in _scope(w, consulate, operation):
        if s.is_open:
            persons.setdefault(s.case.person_id, set()).update(s.flags)  # o5 shares o1's person
    rows = [
        {"flag": total_label, "persons": len(persons)},
        {"flag": any_label, "persons": sum(bool(flags) for flags in persons.values())},
    ]
    rows += [
        {
            "flag": str(Person._meta.get_field(name).verbose_name),
            "persons": sum(name in v for v in persons.values()),
        }
        for name in VULNERABILITY_FIELDS
    ]
    return rows


def expected_operations(w, consulate=None, params=PARAMS, operation=None):
    """Counted case by case in Python from the cases' own rows (only the operation chosen, if one is)."""
    from cases.models.identity import ArrestingAgency

    chosen = operation
    rows = []
    for operation in sorted(w.operations.values(), key=lambda o: (-o.date.toordinal(), o.name)):
        if not params.start <= operation.date <= params.end:
            continue
        if consulate and operation.consulate.slug != consulate:
            continue
        if chosen is not None and operation != w.operations[chosen]:
            continue
        cases = [
            c
            for c in Case.objects.filter(operation=operation).select_related("consulate")
            if not consulate or c.consulate.slug == consulate
        ]
        open_cases = [c for c in cases if c.status != Status.CLOSED]
        rows.append(
            {
                "operation": operation.name,
                "date": operation.date.isoformat(),
                "consulate": operation.consulate.city,
                "agency": str(dict(ArrestingAgency.choices)[operation.agency]),
                "cases": len(cases),
                "open": len(open_cases),
                "in_custody": sum(1 for c in open_cases if c.facility_id and c.released_on is None),
                "contacted": sum(1 for c in cases if c.first_contact_at is not None),
                "repatriated": sum(1 for c in cases if c.outcome == "repatriated"),
            }
        )
    return rows


def expected_inquiries_by_channel(w, consulate=None, operation=None):
    """Inquiries belong to no operation: the operation filter does not apply (the note says so)."""
    return inquiry_builders.expected(w, consulate)


def expected_inquiries_by_consulate(w, consulate=None, operation=None):
    return inquiry_builders.expected_by_consulate(w, consulate)


def expected_detained_without_counsel(w, consulate=None, operation=None):
    return proceeding_builders.expected_detained_without_counsel(w, _scope(w, consulate, operation))


def expected_proceeding_outcomes(w, consulate=None, params=PARAMS, operation=None):
    return proceeding_builders.expected_proceeding_outcomes(w, _scope(w, consulate, operation), params)


def expected_unanswered_requests(w, consulate=None, operation=None):
    """With an operation chosen, the requests about its cases."""
    keys = {s.key for s in _scope(w, None, operation)}
    return request_builders.expected(w, keys, consulate)


def expected_critical_incidents(w, consulate=None, params=PARAMS, operation=None):
    return incident_builders.expected(w, _scope(w, consulate, operation), params)


def expected_children_by_status(w, consulate=None, params=PARAMS, operation=None):
    return children_builders.expected_children_by_status(w, _scope(w, consulate, operation), params)


def expected_children_screened_before_return(w, consulate=None, params=PARAMS, operation=None):
    return children_builders.expected_children_screened_before_return(
        w, _scope(w, consulate, operation), params
    )


def expected_children_dif_confirmation(w, consulate=None, params=PARAMS, operation=None):
    return children_builders.expected_children_dif_confirmation(w, _scope(w, consulate, operation), params)


EXPECTED = {
    "open_cases": expected_open_cases,
    "weekly_flow": expected_weekly_flow,
    "custody_by_facility": expected_custody_by_facility,
    "upcoming_hearings": expected_upcoming_hearings,
    "workload": expected_workload,
    "attention": expected_attention,
    "days_to_closure": expected_days_to_closure,
    "art36_by_facility": expected_art36_by_facility,
    "art36_by_notifier": expected_art36_by_notifier,
    "art36_by_agency": expected_art36_by_agency,
    "art36_sequence_by_facility": expected_art36_sequence_by_facility,
    "referrals_by_partner": expected_referrals_by_partner,
    "pending_transfers": expected_pending_transfers,
    "closed_by_outcome": expected_closed_by_outcome,
    "repatriations": expected_repatriations,
    "vulnerable_open": expected_vulnerable_open,
    "inquiries_by_channel": expected_inquiries_by_channel,
    "inquiries_by_consulate": expected_inquiries_by_consulate,
    "operations": expected_operations,
    "detained_without_counsel": expected_detained_without_counsel,
    "proceeding_outcomes": expected_proceeding_outcomes,
    "unanswered_requests": expected_unanswered_requests,
    "critical_incidents": expected_critical_incidents,
    "children_by_status": expected_children_by_status,
    "children_screened_before_return": expected_children_screened_before_return,
    "children_dif_confirmation": expected_children_dif_confirmation,
}
