"""The calendar tests' world (its fixtures are in ``conftest.py``): a calendar's worth of work in two consulates, built once per module: Dallas (an officer, a colleague and
a supervisor) and El Paso (an officer, in the Mountain zone), with network-wide staff, an auditor, a
partner user and a disabled account. The dates fall in one week a few weeks from now (so the feed's
window holds them), in the same month."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from cases import services
from cases.models import Case, Hearing, Task
from tests.factories import (
    administrator,
    auditor,
    make_case,
    make_person,
    manager,
    officer,
    partner_user,
    supervisor,
)

CENTRAL, MOUNTAIN = zoneinfo.ZoneInfo("America/Chicago"), zoneinfo.ZoneInfo("America/Denver")
# What a person's record holds that must never reach a feed.
NAME = ("Zoraida", "Quintanilla", "Xochipilli")
A_NUMBER = "A-207-555-019"


def monday_ahead(weeks: int = 3) -> dt.date:
    """A Monday ``weeks`` weeks ahead, whose week lies in one month (the month view shows it whole)."""
    day = timezone.localdate() + dt.timedelta(weeks=weeks)
    day -= dt.timedelta(days=day.weekday())
    while (day + dt.timedelta(days=6)).month != day.month:
        day += dt.timedelta(days=7)
    return day


@dataclass
class World:
    monday: dt.date
    officer_a: object
    colleague_a: object
    supervisor_a: object
    officer_b: object
    manager: object
    administrator: object
    auditor: object
    partner: object
    inactive: object
    case_a: Case
    case_a2: Case
    case_b: Case
    hearing_a: Hearing
    hearing_cancelled: Hearing
    hearing_a2: Hearing
    hearing_b: Hearing
    task_a: Task
    task_done: Task
    task_a2: Task
    task_b: Task

    def at(self, weekday: int, hour: int, zone=CENTRAL) -> dt.datetime:
        return dt.datetime.combine(self.monday + dt.timedelta(days=weekday), dt.time(hour), tzinfo=zone)

    def day(self, weekday: int) -> dt.date:
        return self.monday + dt.timedelta(days=weekday)


def build_world() -> World:
    monday = monday_ahead()
    world = World(monday=monday, **dict.fromkeys(World.__dataclass_fields__.keys() - {"monday"}))
    world.officer_a = officer("dallas", first_name="Alicia", last_name="Dávila")
    world.colleague_a = officer("dallas", first_name="Carlos", last_name="Colega")
    world.supervisor_a = supervisor("dallas", first_name="Sofía", last_name="Salinas")
    world.officer_b = officer("el_paso", first_name="Bruno", last_name="Beltrán")
    world.manager = manager(first_name="Mario", last_name="Mendoza")
    world.administrator = administrator(first_name="Adela", last_name="Aguirre")
    world.auditor = auditor(first_name="Aurora", last_name="Auditora")
    world.partner = partner_user(first_name="Paula", last_name="Pérez")
    world.inactive = officer("dallas", is_active=False, first_name="Inés", last_name="Inactiva")

    given, paternal, maternal = NAME
    person = make_person(
        world.officer_a,
        given_names=given,
        paternal_surname=paternal,
        maternal_surname=maternal,
        a_number=A_NUMBER,
    )
    world.case_a = _assigned(world.officer_a, make_case(world.officer_a, person=person))
    world.case_a2 = _assigned(world.colleague_a, make_case(world.officer_a))
    world.case_b = _assigned(world.officer_b, make_case(world.officer_b))

    world.hearing_a = _hearing(
        world.officer_a, world.case_a, world.at(1, 9), "Corte de Inmigración de Dallas"
    )
    cancelled = _hearing(world.officer_a, world.case_a, world.at(2, 11), "Centro de Detención Prairieland")
    world.hearing_cancelled = services.hearing_cancel(
        actor=world.officer_a, hearing=cancelled, reason="Reprogramada"
    )
    world.hearing_a2 = _hearing(world.officer_a, world.case_a2, world.at(2, 10), "Corte de Dallas")
    world.hearing_b = _hearing(world.officer_b, world.case_b, world.at(1, 8, MOUNTAIN), "Corte de El Paso")
    world.task_a = services.task_add(
        actor=world.officer_a,
        case=world.case_a,
        title=f"Visitar a {given} {paternal} en el centro",
        due_date=world.day(3),
        assignee=world.officer_a,
    )
    done = services.task_add(
        actor=world.officer_a,
        case=world.case_a,
        title="Llamar",
        due_date=world.day(3),
        assignee=world.officer_a,
    )
    world.task_done = services.task_complete(actor=world.officer_a, task=done)
    world.task_a2 = services.task_add(
        actor=world.officer_a, case=world.case_a2, title="Pedir expediente", due_date=world.day(4),
        assignee=world.colleague_a,
    )  # fmt: skip
    world.task_b = services.task_add(
        actor=world.officer_b,
        case=world.case_b,
        title="Visita",
        due_date=world.day(3),
        assignee=world.officer_b,
    )
    return world


def _assigned(user, case: Case) -> Case:
    return services.case_assign(actor=user, case=case, assignee=user)


def _hearing(actor, case, starts_at, location):
    return services.hearing_schedule(
        actor=actor, case=case, kind="bond", starts_at=starts_at, location=location, notes="Llevar la CURP"
    )
