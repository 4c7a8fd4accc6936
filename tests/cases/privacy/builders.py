"""A person with everything the service can hold about them, built through the services, and scans for
their personal values in the database.

Every personal value carries the person's own token (``Zacarías`` and ``Qw7k`` for one person, another
token for another), so a scan can tell one person's data from another's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import Case, Document, EmergencyContact, Person
from cases.models.crossoffice import ConsentMethod
from consulates.models import ImmigrationCourt, ReceptionPoint
from tests import factories as f
from tests.factories.crossoffice import FULL_SCOPE
from tests.factories.documents import valid_pdf_bytes, valid_png_bytes

# Whole, valid files: uploads are checked through and through (cases.services.document_checks).
PDF = valid_pdf_bytes()
PNG = valid_png_bytes()


@dataclass
class Everything:
    person: Person
    cases: list[Case]
    documents: list[Document]
    values: list[str] = field(default_factory=list)  # every personal value, as stored

    @property
    def case(self) -> Case:
        return self.cases[0]


def build_person(
    officer, token: str, *, given: str = "Zacarías", close: bool = True, **person_fields
) -> Everything:
    """A person (identity, contact, emergency contact) with one case holding notes, a hearing, a task, a
    transfer, a consent on an uploaded form, a referral, a confirmed hand-off, belongings and documents;
    the case closed (``close``) with outcome notes."""
    surname = f"Quintanilla{token}"
    person = f.make_person(
        officer,
        given_names=f"{given} {token}",
        paternal_surname=surname,
        maternal_surname=f"Berenguer{token}",
        a_number=f.make_a_number(),
        passport_number=f"G{token.upper()}77",
        matricula_consular=f"MC-{token}-889",
        phone=f"+1 214 555 {token}",
        email=f"{token.lower()}@correo.example",
        us_address=f"4{token}1 Example St, Apt 7\nDallas, TX 75212",
        mexico_address=f"Calle Ficticia {token} 18, Col. Ejemplo\nTlaxiaco, Oaxaca",
        contact_consent=True,
        is_older_adult=True,
        **person_fields,
    )
    contact = EmergencyContact(
        name=f"Herminia {surname}",
        relationship="esposa",
        phone=f"+52 55 {token} 0101",
        email=f"herminia.{token.lower()}@correo.example",
        notes=f"Vive con {given} en Oaxaca {token}",
    )
    services.emergency_contact_save(actor=officer, person=person, contact=contact)
    case = f.make_case(officer, person=person, summary=f"Detenido; su esposa Herminia {token} llamó")
    services.case_update(actor=officer, case=case, summary=f"Detenido en Dallas; esposa Herminia {token}")
    services.case_note_add(actor=officer, case=case, text=f"Hablé con {given} {token} por teléfono")
    hearing = services.hearing_schedule(
        actor=officer,
        case=case,
        kind="master_calendar",
        starts_at=timezone.now() + dt.timedelta(days=10),
        location="Dallas Immigration Court",
        notes=f"Lleva la carta de Herminia {token}",
    )
    hearing = services.hearing_update(
        actor=officer,
        hearing=hearing,
        kind=hearing.kind,
        starts_at=hearing.starts_at,
        location=hearing.location,
        notes=f"Lleva la carta y el acta de Herminia {token}",
    )
    habeas = services.proceeding_open(
        actor=officer,
        case=case,
        kind="habeas",
        court=ImmigrationCourt.objects.get(name="Northern District of Texas, Dallas Division"),
        docket_number=f"3:26-cv-{token}",
        notes=f"Recurso por la detención de {given} {token}",
    )
    services.proceeding_update(actor=officer, proceeding=habeas, notes=f"Audiencia de fianza para {token}")
    services.deadline_add(
        actor=officer,
        proceeding=habeas,
        kind="filing",
        due_on=timezone.localdate(),
        description=f"Carta {token}",
    )
    incident = services.incident_record(
        actor=officer,
        case=case,
        kind="hunger_strike",
        occurred_at=timezone.now() - dt.timedelta(days=1),
        place="Enfermería",
        source="family",
        description=f"Herminia {token} avisó de la huelga",
    )
    services.incident_close(actor=f.supervisor("dallas"), incident=incident, note=f"Terminó; {token}")
    task = services.task_add(actor=officer, case=case, title=f"Llamar a Herminia {token}")
    services.task_update(
        actor=officer, task=task, title=f"Llamar a Herminia {token} otra vez", due_date=None, assignee=None
    )
    form = services.document_upload(
        actor=officer,
        case=case,
        file=SimpleUploadedFile(f"consentimiento_{token}.pdf", PDF, content_type="application/pdf"),
        kind="consent_form",
        description=f"Consentimiento firmado por {given} {token}",
    )
    photo = services.document_upload(
        actor=officer,
        case=case,
        file=SimpleUploadedFile(f"pasaporte_{token}.png", PNG, content_type="image/png"),
        kind="identity",
        description=f"Pasaporte de {given} {token}",
    )
    partner = f.PartnerFactory()
    services.consent_record(
        actor=officer,
        case=case,
        partner=partner,
        scope=list(FULL_SCOPE),
        method=ConsentMethod.UPLOADED,
        form_document=form,
    )
    services.referral_create(
        actor=officer,
        case=case,
        partner=partner,
        service=partner.services[0],
        request_note=f"Asesoría para {token}",
    )
    services.transfer_request(
        actor=officer,
        case=case,
        to_consulate=f.consulate("el_paso"),
        reason=f"Su hermana {token} vive en El Paso",
    )
    # A flight to Tapachula (outside the 2016 arrangements): a warning for an older adult, seen with a reason.
    point = ReceptionPoint.objects.get(mx_city="Tapachula", kind="airport")
    services.case_update(
        actor=officer,
        case=case,
        expected_removal_date=timezone.localdate() + dt.timedelta(days=3),
        reception_point=point,
        removal_mode="flight",
        removal_flight_number="GXA 1234",
    )
    assert services.removal_warnings_acknowledge(
        actor=officer, case=case, reason=f"Lo espera su hija {token} en el aeropuerto"
    )
    handoff = services.handoff_prepare(
        actor=officer,
        case=case,
        medication=f"Insulina para {token}",
        destination=f"Tlaxiaco {token}, Oaxaca",
        family_contact_name=f"Herminia {surname}",
        family_contact_phone=f"+52 953 {token} 22",
        family_contact_relationship="esposa",
        notes=f"La recibe su hija {token}",
    )
    services.belonging_record(
        actor=officer,
        case=case,
        kind="cash",
        description=f"Cartera de {given} {token}",
        amount=Decimal("40.00"),
    )
    belonging = services.belonging_record(
        actor=officer, case=case, kind="phone", description=f"Celular de {token}"
    )
    services.belonging_resolve(actor=officer, belonging=belonging, status="missing", note=f"Lo tenía {token}")
    if close:
        # An older adult: the officer asks, a supervisor approves.
        services.case_close_request(
            actor=officer, case=case, outcome="repatriated", outcome_notes=f"Llegó con Herminia {token}"
        )
        boss = f.supervisor(officer.staff_membership.consulate.slug)
        services.case_close_approve(actor=boss, case=case)
        services.handoff_confirm(
            actor=officer, handoff=handoff, received_by_name=f"Lic. Ofelia {token}", notes=f"Recibido {token}"
        )
    person.refresh_from_db()
    values = [
        person.given_names,
        person.paternal_surname,
        person.maternal_surname,
        person.curp,
        person.a_number,
        person.passport_number,
        person.matricula_consular,
        person.phone,
        person.email,
        *person.us_address.splitlines()[:1],  # the street lines (the town lines name no one)
        *person.mexico_address.splitlines()[:1],
        contact.name,
        contact.phone,
        contact.email,
        f"consentimiento_{token}",
        f"pasaporte_{token}",
        token,  # every free text above carries it
    ]
    return Everything(
        person=person, cases=[Case.objects.get(pk=case.pk)], documents=[form, photo], values=values
    )


def close_at(case: Case, when: dt.datetime) -> None:
    """Test data only: move a closed case's closure (and opening) to ``when``."""
    Case.objects.filter(pk=case.pk).update(closed_at=when, opened_at=min(when, case.opened_at))


def history_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'cases\\_%%history' "
            "ORDER BY tablename"
        )
        return [row[0] for row in cursor.fetchall()]


def case_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'cases\\_%%' "
            "ORDER BY tablename"
        )
        return [row[0] for row in cursor.fetchall()]


def find_values(tables: list[str], values: list[str]) -> dict[str, set[str]]:
    """Which of ``values`` (case-insensitive) appear in which table, reading each row as JSON (raw SQL)."""
    wanted = [v.lower() for v in values if v]
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT lower(row_to_json(t)::text) FROM "{table}" t')  # noqa: S608 - catalogue names
            for (row,) in cursor.fetchall():
                for value in wanted:
                    if value in row:
                        found.setdefault(table, set()).add(value)
    return found
