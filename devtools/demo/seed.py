"""Demo data: fictional persons and cases over every consulate, category and status.

Rows are written with PostgreSQL COPY in batches (the audit triggers still fire), so a million
cases fit in minutes. COPY bypasses the model fields, so identifiers, phones and addresses are encrypted
and blind indexes computed here, with the keys and functions the fields use. References come from the
same allocator the services use.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import zoneinfo
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import encryption
from cases.categories import SUBTYPES, Category
from cases.identifiers import CURP_STATES
from cases.models import Person
from cases.models.case import NotifiedBy, Outcome, Priority, Status
from cases.models.work import EventKind, HearingKind
from cases.namekeys import match_keys
from cases.services.cases import case_reference_allocate
from consulates.courts import CourtKind
from consulates.models import Consulate, DetentionFacility, ImmigrationCourt, ReceptionPoint
from devtools.demo.addresses import AddressMaker
from devtools.demo.curp import curp_complete, curp_stem
from devtools.demo.names import GIVEN_FEMALE, GIVEN_MALE, LANGUAGES, SURNAMES
from devtools.demo.zones import COURT_HOURS, next_court_day

STATUS_WEIGHTS = [
    (Status.OPEN, 15),
    (Status.IN_PROGRESS, 45),
    (Status.PENDING_CLOSURE, 5),
    (Status.CLOSED, 35),
]
PRIORITY_WEIGHTS = [(Priority.LOW, 10), (Priority.NORMAL, 60), (Priority.HIGH, 20), (Priority.URGENT, 10)]
CATEGORY_WEIGHTS = [
    (Category.MIGRATORIO, 55),
    (Category.PENAL, 15),
    (Category.CIVIL, 10),
    (Category.LABORAL, 8),
    (Category.DERECHOS_HUMANOS, 5),
    (Category.ADMINISTRATIVO, 7),
]
CUSTODY_SUBTYPES = {
    "detencion_migratoria",
    "deportacion_repatriacion",
    "menores_custodia",
    "detencion_arresto",
}
STATES = [code for code in CURP_STATES if code != "NE"]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


@dataclass
class SeedResult:
    persons: int
    cases: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Seeder:
    def __init__(self, *, seed: int = 2026, officers: dict[int, list[int]] | None = None):
        self.bulk_used = False
        self.rng = random.Random(seed)
        self.officers = officers or {}
        self.consulates = list(Consulate.objects.all())
        facilities = DetentionFacility.objects.select_related("county__consulate").filter(
            active=True, county__isnull=False
        )
        self.facilities_by_consulate: dict[int, list[int]] = {}
        self.facility_zones: dict[int, str] = {}
        for facility in facilities:
            self.facilities_by_consulate.setdefault(facility.county.consulate_id, []).append(facility.pk)
            self.facility_zones[facility.pk] = facility.zone_name
        # Immigration courts by zone: a demo hearing is at a court of the zone where it is held.
        self.courts_by_zone: dict[str, list[tuple[int, str]]] = {}
        for court in ImmigrationCourt.objects.filter(kind=CourtKind.IMMIGRATION_COURT).order_by("pk"):
            self.courts_by_zone.setdefault(court.timezone, []).append((court.pk, court.name))
        self.reception_points = list(
            ReceptionPoint.objects.designated_operating().order_by("pk").values_list("pk", flat=True)
        )
        # CURPs and A-numbers in use, by blind index (the columns hold ciphertext).
        self.curp_index = Person._meta.get_field("curp_bidx").index_of
        self.a_number_index = Person._meta.get_field("a_number_bidx").index_of
        self.used_curps: set[str] = self._existing_indexes("curp_bidx")
        self.used_a_numbers: set[str] = self._existing_indexes("a_number_bidx")
        self.encrypt = encryption.keyring().encrypt
        self.addresses = AddressMaker(seed=seed, encrypt=self.encrypt)
        self.now = timezone.now()

    @staticmethod
    def _existing_indexes(column: str) -> set[str]:
        return set(Person.objects.filter(**{f"{column}__isnull": False}).values_list(column, flat=True))

    # Identity

    def _person_row(self, pk: int, consulate: Consulate):
        rng = self.rng
        sex = rng.choice("HM")
        given = rng.choice(GIVEN_MALE if sex == "H" else GIVEN_FEMALE)
        if rng.random() < 0.3:
            given += " " + rng.choice(GIVEN_MALE if sex == "H" else GIVEN_FEMALE)
        paternal = rng.choice(SURNAMES)
        maternal = rng.choice(SURNAMES) if rng.random() < 0.93 else ""
        age_days = rng.randint(5 * 365, 75 * 365)
        dob = (self.now - dt.timedelta(days=age_days)).date()
        state = rng.choice(STATES)
        curp = curp_index = None
        if rng.random() < 0.8:
            stem = curp_stem(given, paternal, maternal, dob, sex, state)
            for homonym in range(26 if dob.year >= 2000 else 10):
                candidate = curp_complete(stem, dob, homonym)
                index = self.curp_index(candidate)
                if index not in self.used_curps:
                    self.used_curps.add(index)
                    curp, curp_index = candidate, index
                    break
        a_number = a_number_index = None
        if rng.random() < 0.65:
            while a_number is None or a_number_index in self.used_a_numbers:
                a_number = f"{rng.randint(200_000_000, 249_999_999):09d}"
                a_number_index = self.a_number_index(a_number)
            self.used_a_numbers.add(a_number_index)
        minor = age_days < 18 * 365
        languages = "{" + rng.choice(LANGUAGES) + "}"
        phone = f"+1 {rng.choice(['214', '713', '210', '512', '915', '956', '405', '505'])} 555 01{rng.randint(0, 99):02d}"
        consent = rng.random() < 0.6
        return (
            pk,
            given,
            paternal,
            maternal,
            dob,
            sex,
            state,
            self.encrypt(curp) if curp else None,
            curp_index,
            self.encrypt(a_number) if a_number else None,
            a_number_index,
            "",
            "",
            languages,
            "español" not in languages,
            "es",
            self.encrypt(phone),
            "",
            *self.addresses.columns(),
            consent,
            self.now if consent else None,
            minor,
            minor and rng.random() < 0.3,
            sex == "M" and not minor and rng.random() < 0.04,
            age_days > 60 * 365,
            rng.random() < 0.05,
            rng.random() < 0.05,
            rng.random() < 0.1,
            consulate.pk,
            self.now,
            self.now,
            "{" + ",".join(match_keys(given, paternal, maternal, dob)) + "}",
        )

    PERSON_COLUMNS = (
        "id, given_names, paternal_surname, maternal_surname, date_of_birth, sex, state_of_birth,"
        " curp, curp_bidx, a_number, a_number_bidx, passport_number, matricula_consular,"
        " languages, needs_interpreter, preferred_language, phone, email, us_address, mexico_address,"
        " contact_consent, contact_consent_at, is_minor, is_unaccompanied_minor, is_pregnant, is_older_adult,"
        " has_disability, has_serious_medical_condition, fears_return, registered_by_id, created_at, updated_at,"
        " match_keys"
    )
    CASE_COLUMNS = (
        "id, reference, person_id, consulate_id, category, subtype, status, priority, summary, assigned_to_id,"
        " facility_id, detained_since, released_on, arrested_at, consulate_notified_at, notified_by, first_contact_at,"
        " expected_removal_date, reception_point_id, outcome, outcome_notes, closure_requested_by_id,"
        " closure_requested_at, closed_at, opened_at, opened_by_id, last_activity_at, version"
    )

    def _case_row(
        self, pk: int, reference: str, person_id: int, consulate: Consulate, opened_at: dt.datetime
    ):
        rng = self.rng
        category = _weighted(rng, CATEGORY_WEIGHTS)
        subtype = rng.choice(SUBTYPES[category])[0]
        status = _weighted(rng, STATUS_WEIGHTS)
        priority = _weighted(rng, PRIORITY_WEIGHTS)
        officers = self.officers.get(consulate.pk, [])
        assigned = rng.choice(officers) if officers and status != Status.OPEN and rng.random() < 0.8 else None
        facility = detained = released = arrested = notified = notified_by = contact = None
        removal = reception = None
        facilities = self.facilities_by_consulate.get(consulate.pk)
        if subtype in CUSTODY_SUBTYPES and facilities:
            facility = rng.choice(facilities)
            arrested = opened_at - dt.timedelta(hours=rng.randint(2, 240))
            detained = arrested.date()
            notified = min(
                arrested + dt.timedelta(hours=rng.randint(1, 96)), self.now - dt.timedelta(hours=1)
            )
            notified_by = rng.choice(NotifiedBy.values)
            if rng.random() < 0.85:  # some detainees still wait for a first consular contact
                contact = min(notified + dt.timedelta(hours=rng.randint(1, 120)), self.now)
            if status == Status.CLOSED and rng.random() < 0.5:
                released = min(opened_at + dt.timedelta(days=rng.randint(5, 90)), self.now).date()
            if subtype == "deportacion_repatriacion" and self.reception_points:
                removal = (opened_at + dt.timedelta(days=rng.randint(7, 60))).date()
                reception = rng.choice(self.reception_points)
        outcome = outcome_notes = ""
        requested_at = closed_at = None
        last_activity = min(opened_at + dt.timedelta(days=rng.randint(0, 60)), self.now)
        if status in (Status.CLOSED, Status.PENDING_CLOSURE):
            outcome = rng.choice([o for o in Outcome.values if o != Outcome.OTHER])
            requested_at = last_activity
            closed_at = last_activity if status == Status.CLOSED else None
        return (
            pk,
            reference,
            person_id,
            consulate.pk,
            category,
            subtype,
            status,
            priority,
            "",
            assigned,
            facility,
            detained,
            released,
            arrested,
            notified,
            notified_by or "",
            contact,
            removal,
            reception,
            outcome,
            outcome_notes,
            assigned if requested_at else None,
            requested_at,
            closed_at,
            opened_at,
            None,
            last_activity,
            1,
        )

    def _reserve_ids(self, cursor, table: str, count: int) -> int:
        """Reserve ``count`` consecutive ids from a table's sequence; return the first."""
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")  # noqa: S608 - fixed table names
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first

    def seed(self, *, cases: int, batch: int = 20_000, progress=None) -> SeedResult:
        started = time.perf_counter()
        rows = persons_total = cases_total = 0
        remaining = cases
        while remaining > 0:
            size = min(batch, remaining)
            rows += self._seed_batch(size)
            persons_total += size
            cases_total += size
            remaining -= size
            if progress:
                elapsed = time.perf_counter() - started
                progress(cases_total, rows, elapsed)
        if self.bulk_used:
            # Bulk mode skipped the triggers that keep the report summaries: count them afresh.
            from cases.reports.summary import rebuild

            rebuild()
        # Fresh statistics, or the planner guesses on a million rows; and, outside a transaction, the
        # visibility map too (VACUUM), which the reports' index-only scans need and which autovacuum
        # would otherwise set only some time later (or never, where it is switched off).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in ("cases_person", "cases_case", "cases_caseevent", "cases_hearing", "cases_task"):
                cursor.execute(f"{command} {table}")
        return SeedResult(persons_total, cases_total, rows, time.perf_counter() - started)

    @transaction.atomic
    def _seed_batch(self, size: int) -> int:
        rng = self.rng
        by_consulate: dict[int, int] = {}
        plan = []
        for _ in range(size):
            consulate = rng.choice(self.consulates)
            opened_at = self.now - dt.timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            plan.append((consulate, opened_at))
            year = opened_at.astimezone(zoneinfo.ZoneInfo(consulate.timezone)).year
            by_consulate[(consulate.pk, year)] = by_consulate.get((consulate.pk, year), 0) + 1
        references: dict[tuple[int, int], list[str]] = {}
        consulates = {c.pk: c for c in self.consulates}
        for (consulate_id, year), count in sorted(by_consulate.items()):
            references[(consulate_id, year)] = case_reference_allocate(
                consulate=consulates[consulate_id], year=year, count=count
            )
        with connection.cursor() as cursor:
            first_person = self._reserve_ids(cursor, "cases_person", size)
            first_case = self._reserve_ids(cursor, "cases_case", size)
            bulk = self._enter_bulk_mode(cursor)
        self.bulk_used = self.bulk_used or bulk
        person_rows, case_rows, event_rows, hearing_rows, task_rows = [], [], [], [], []
        for i, (consulate, opened_at) in enumerate(plan):
            person_id, case_id = first_person + i, first_case + i
            year = opened_at.astimezone(zoneinfo.ZoneInfo(consulate.timezone)).year
            reference = references[(consulate.pk, year)].pop(0)
            person_rows.append(self._person_row(person_id, consulate))
            case = self._case_row(case_id, reference, person_id, consulate, opened_at)
            case_rows.append(case)
            event_rows.append(
                (case_id, EventKind.OPENED, opened_at, opened_at, "", json.dumps({"reference": reference}))
            )
            status, assigned = case[6], case[9]
            if status != Status.OPEN and rng.random() < 0.6:
                event_rows.append(
                    (
                        case_id,
                        EventKind.CALL,
                        case[26],
                        case[26],
                        "Llamada de seguimiento con la persona y su familia.",
                        "{}",
                    )
                )
            if status in (Status.OPEN, Status.IN_PROGRESS) and rng.random() < 0.35:
                # At an immigration court of the zone of the place of custody (else the consulate's), on a
                # weekday at court hours on that court's clock.
                zone_name = self.facility_zones.get(case[10]) or consulate.timezone
                court_id, court_name = rng.choice(self.courts_by_zone.get(zone_name) or [(None, "")])
                zone = zoneinfo.ZoneInfo(zone_name)
                day = next_court_day(self.now.astimezone(zone).date(), rng.randint(-10, 60))
                starts = dt.datetime.combine(day, rng.choice(COURT_HOURS), tzinfo=zone)
                hearing_rows.append(
                    (
                        case_id,
                        rng.choice(HearingKind.values),
                        starts,
                        court_name or "Corte de Inmigración",
                        court_id,
                        "scheduled",
                        "",
                        "",
                    )
                )
            if status in (Status.OPEN, Status.IN_PROGRESS) and rng.random() < 0.45:
                due = (self.now + dt.timedelta(days=rng.randint(-7, 21))).date()
                task_rows.append(
                    (case_id, "Dar seguimiento al caso", due, assigned, False, None, None, self.now)
                )
        self._copy("cases_person", self.PERSON_COLUMNS, person_rows)
        self._copy("cases_case", self.CASE_COLUMNS, case_rows)
        self._custody_episodes(first_case, size)
        self._copy("cases_caseevent", "case_id, kind, occurred_at, recorded_at, text, payload", event_rows)
        self._copy(
            "cases_hearing",
            "case_id, kind, starts_at, location, court_id, status, outcome, notes",
            hearing_rows,
        )
        self._copy(
            "cases_task",
            "case_id, title, due_date, assignee_id, done, completed_at, completed_by_id, created_at",
            task_rows,
        )
        if bulk:
            self._write_history(first_person, first_case, size)
        return len(person_rows) + len(case_rows) + len(event_rows) + len(hearing_rows) + len(task_rows)

    @staticmethod
    def _custody_episodes(first_case: int, size: int) -> None:
        """The custody history of the batch's detained cases, as the custody service would have written
        it: one episode (their one facility, from the detention date, to the release if any), learnt from
        the ICE locator; custody last verified within the last ten days (some over the 7-day line, so the
        "verify custody" scan has work in the demo)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO cases_custodyepisode
                    (case_id, facility_id, agency, started_on, started_time, ended_on, ended_by, source, notes,
                     recorded_at, recorded_by_id)
                SELECT id, facility_id, 'ice_ero',
                       CASE WHEN released_on < detained_since THEN NULL ELSE detained_since END, NULL, released_on,
                       CASE WHEN released_on IS NULL THEN '' ELSE 'released' END, 'ice_locator', '',
                       opened_at, opened_by_id
                FROM cases_case WHERE id BETWEEN %s AND %s AND facility_id IS NOT NULL
                """,
                [first_case, first_case + size - 1],
            )
            cursor.execute(
                """
                UPDATE cases_case SET custody_verified_at = GREATEST(opened_at, now() - random() * interval '10 days')
                WHERE id BETWEEN %s AND %s AND facility_id IS NOT NULL
                """,
                [first_case, first_case + size - 1],
            )

    @staticmethod
    def _enter_bulk_mode(cursor) -> bool:
        """Skip per-row triggers for this transaction (as pg_restore does); history is then written in
        bulk by ``_write_history``. Needs a superuser (the embedded server and CI have one); without it
        the rows go through the triggers, only slower."""
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False
        return True

    @staticmethod
    def _write_history(first_person: int, first_case: int, size: int) -> None:
        """Write the audit rows the pghistory insert triggers would have written, one statement per table."""
        from cases.models import Case, CaseEvent, CustodyEpisode, Hearing, Person, Task

        targets = [
            (Person, "id", first_person),
            (Case, "id", first_case),
            (CaseEvent, "case_id", first_case),
            (Hearing, "case_id", first_case),
            (Task, "case_id", first_case),
            (CustodyEpisode, "case_id", first_case),
        ]
        with connection.cursor() as cursor:
            for model, key, first in targets:
                history = model.history.rel.related_model
                tracked = [f.column for f in history._meta.concrete_fields if not f.column.startswith("pgh_")]
                columns = ", ".join(tracked)
                cursor.execute(
                    f"INSERT INTO {history._meta.db_table} (pgh_created_at, pgh_label, pgh_obj_id, {columns}) "  # noqa: S608
                    f"SELECT now(), 'insert', id, {columns} FROM {model._meta.db_table} WHERE {key} BETWEEN %s AND %s",
                    [first, first + size - 1],
                )
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    @staticmethod
    def _copy(table: str, columns: str, rows: list[tuple]) -> None:
        if not rows:
            return
        raw = connection.connection  # the psycopg connection behind Django's
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
