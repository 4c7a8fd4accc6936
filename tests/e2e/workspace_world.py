"""The staff and records of the workspace walkthroughs: Dallas and El Paso staff of every role and the
day's work waiting for them (a closure to approve, a transfer to accept, tasks, a hearing, a case ready
for its repatriation hand-off)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cases import services
from consulates.models import Consulate, DetentionFacility, ReceptionPoint, Role, StaffMembership
from tests.factories import make_case, make_person
from tests.factories.crossoffice import make_transfer
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
PEOPLE = [
    # username, role, consulate, first name, last name
    ("oficial.dallas", Role.OFFICER, "dallas", "Alicia", "Dávila"),
    ("supervisora.dallas", Role.SUPERVISOR, "dallas", "Sofía", "Salinas"),
    ("oficial.el_paso", Role.OFFICER, "el_paso", "Bruno", "Beltrán"),
    ("gerente", Role.REGIONAL_MANAGER, None, "Mario", "Mendoza"),
    ("auditora", Role.AUDITOR, None, "Aurora", "Aguilar"),
]


@dataclass
class Day:
    users: dict
    closing: object  # a case waiting for the supervisor's approval
    transferred: object  # an El Paso case asked to move to Dallas
    handoff_ready: object  # a Dallas case with its removal date and reception point


def build_day(django_user_model) -> Day:
    network_restore()  # transactional tests start from an empty database
    users = {}
    for username, role, slug, first, last in PEOPLE:
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=first, last_name=last
        )
        consulate = Consulate.objects.get(slug=slug) if slug else None
        StaffMembership.objects.create(user=user, role=role, consulate=consulate)
        users[username] = user
    officer = users["oficial.dallas"]
    facility = DetentionFacility.objects.get(name="Prairieland Detention Center")
    person = make_person(
        officer, given_names="Rosa Elena", paternal_surname="Núñez", maternal_surname="Ortiz"
    )
    closing = make_case(officer, person=person, priority="urgent", facility=facility,
                        detained_since=timezone.localdate() - dt.timedelta(days=12))  # fmt: skip
    services.case_assign(actor=officer, case=closing, assignee=officer)
    services.task_add(actor=officer, case=closing, title="Pedir constancia de liberación", assignee=officer,
                      due_date=timezone.localdate())  # fmt: skip
    closing = services.case_close_request(
        actor=officer, case=closing.__class__.objects.get(pk=closing.pk), outcome="bond_granted",
        outcome_notes="Salió bajo fianza; la familia la recogió.", complete_tasks=True,
    )  # fmt: skip
    el_paso = users["oficial.el_paso"]
    moving = make_case(el_paso, person=make_person(el_paso, given_names="Tomás", paternal_surname="Ibarra"))
    make_transfer(
        el_paso, moving, "dallas", reason="La familia vive en Dallas y pidió que ese consulado lleve el caso."
    )
    ready = make_case(officer, person=make_person(officer, given_names="Jorge", paternal_surname="Castillo"))
    services.case_assign(actor=officer, case=ready, assignee=officer)
    ready = services.case_update(
        actor=officer, case=ready.__class__.objects.get(pk=ready.pk),
        expected_removal_date=timezone.localdate() + dt.timedelta(days=5),
        reception_point=ReceptionPoint.objects.order_by("pk").first(),
    )  # fmt: skip
    return Day(users=users, closing=closing, transferred=moving, handoff_ready=ready)
