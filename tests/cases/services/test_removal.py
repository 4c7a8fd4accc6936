"""Issue 20, the removal's time and mode (decision 0025): the rules of the plan on the case, the hand-off
that follows it, the warnings about a vulnerable person's removal and their acknowledgement, and the
reminder 48 hours before a removal without a hand-off."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import translation

from cases import services
from cases.models import CaseEvent, Reminder, RemovalWarningAck
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.models.work import EventKind
from cases.reminders.removal_messages import build_removal_no_handoff
from cases.selectors.repatriation import reception_warnings, removal_warnings
from cases.timeline import timeline_entries
from consulates.models import ReceptionPoint
from tests import factories as f
from tests.dbchecks import error_fields, new_events

pytestmark = pytest.mark.django_db

REMOVAL = dt.date(2031, 3, 12)  # far enough ahead for the reminder to be pending
MEXICO_CITY = zoneinfo.ZoneInfo("America/Mexico_City")
MATAMOROS = zoneinfo.ZoneInfo("America/Matamoros")


def point(name_start: str) -> ReceptionPoint:
    return ReceptionPoint.objects.get(name__startswith=name_start)


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def case(officer):
    return f.make_case(officer)


def minor_case(officer, **flags):
    person = f.make_person(officer, **({"is_minor": True} | flags))
    return f.make_case(officer, person=person)


def plan(officer, case, **values):
    """``case_update``, with ``case`` (the test's object) brought up to date."""
    services.case_update(actor=officer, case=case, **values)
    case.refresh_from_db()
    return case


# --- the plan's rules ---------------------------------------------------------------------------------


def test_a_flight_goes_to_an_airport_with_its_number(officer, case):
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        plan(
            officer,
            case,
            expected_removal_date=REMOVAL,
            reception_point=point("Nuevo Laredo"),
            removal_mode="flight",
        )
    assert error_fields(exc.value) == {"removal_mode", "removal_flight_number"}
    assert exc.value.message_dict["removal_mode"] == [
        "Un vuelo llega a un aeropuerto: elija un aeropuerto como punto de recepción, u otro medio."
    ]
    assert exc.value.message_dict["removal_flight_number"] == ["Escriba el número de vuelo."]
    saved = plan(
        officer,
        case,
        expected_removal_date=REMOVAL,
        expected_removal_time=dt.time(22, 30),
        reception_point=point("Tapachula"),
        removal_mode="flight",
        removal_flight_number=" am 1234 ",
    )
    assert (saved.removal_mode, saved.removal_flight_number) == ("flight", "AM 1234")


@pytest.mark.parametrize("mode", ["bus", "on_foot"])
def test_a_bus_or_a_walk_arrives_at_a_land_port(officer, case, mode):
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("AIFA"), removal_mode=mode)
    assert "puerto fronterizo terrestre" in exc.value.message_dict["removal_mode"][0]
    saved = plan(
        officer, case, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"), removal_mode=mode
    )
    assert saved.removal_mode == mode


def test_changing_the_point_checks_the_mode_already_recorded(officer, case):
    plan(
        officer,
        case,
        expected_removal_date=REMOVAL,
        reception_point=point("Nuevo Laredo"),
        removal_mode="bus",
    )
    with pytest.raises(ValidationError) as exc:
        plan(officer, case, reception_point=point("Tapachula"))
    assert error_fields(exc.value) == {"removal_mode"}


def test_carrier_and_flight_number_belong_to_their_mode_and_a_time_needs_a_date(officer, case):
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        plan(
            officer,
            case,
            expected_removal_time=dt.time(9, 0),
            reception_point=point("Nuevo Laredo"),
            removal_mode="on_foot",
            removal_carrier="Transportes del Norte",
            removal_flight_number="AM 1",
        )
    assert exc.value.message_dict == {
        "expected_removal_time": ["Registre la fecha de la remoción junto con su hora."],
        "removal_carrier": ["La empresa de autobuses se registra solo para una remoción en autobús."],
        "removal_flight_number": ["El número de vuelo se registra solo para una remoción en avión."],
    }
    with pytest.raises(ValidationError) as exc:
        plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("AIFA"), removal_mode="flight",
             removal_flight_number="vuelo?")  # fmt: skip
    assert error_fields(exc.value) == {"removal_flight_number"}
    saved = plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"),
                 removal_mode="bus", removal_carrier=" Transportes del Norte ")  # fmt: skip
    assert saved.removal_carrier == "Transportes del Norte"


def test_the_timeline_says_the_time_and_mode_in_words(officer, case):
    plan(
        officer,
        case,
        expected_removal_date=REMOVAL,
        expected_removal_time=dt.time(22, 30),
        reception_point=point("Tapachula"),
        removal_mode="flight",
        removal_flight_number="AM 1234",
    )
    handoff = services.handoff_prepare(actor=officer, case=case)
    assert (handoff.removal_time, handoff.removal_mode, handoff.removal_flight_number) == (
        dt.time(22, 30),
        "flight",
        "AM 1234",
    )
    with translation.override("es"):
        entries = timeline_entries(CaseEvent.objects.filter(case=case).select_related("actor").order_by("pk"))
        prepared = next(e for e in entries if e.event.kind == EventKind.HANDOFF_PREPARED)
        assert "12 de marzo de 2031 a las 22:30, hora de Tapachula" in prepared.facts
        assert "Vuelo AM 1234" in prepared.facts
        updated = next(e for e in entries if e.event.kind == EventKind.UPDATED)
        assert [(c.label, c.new) for c in updated.changes if c.label == "hora prevista de remoción"] == [
            ("hora prevista de remoción", "22:30")
        ]


def test_the_hand_off_follows_the_cases_plan(officer, case):
    plan(
        officer,
        case,
        expected_removal_date=REMOVAL,
        reception_point=point("Nuevo Laredo"),
        removal_mode="bus",
    )
    handoff = services.handoff_prepare(actor=officer, case=case)
    plan(officer, case, expected_removal_time=dt.time(7, 15), removal_carrier="Senda")
    handoff = services.handoff_update(actor=officer, handoff=handoff, notes="Lleva su medicina.")
    assert (handoff.removal_time, handoff.removal_carrier) == (dt.time(7, 15), "Senda")


# --- warnings ----------------------------------------------------------------------------------------


def test_a_vulnerable_persons_removal_outside_the_agreed_hours_warns(officer):
    case = minor_case(officer)
    plan(officer, case, expected_removal_date=REMOVAL, expected_removal_time=dt.time(23, 0),
         reception_point=point("Nuevo Laredo"), removal_mode="on_foot")  # fmt: skip
    with translation.override("es"):
        [warning] = reception_warnings(case)
    assert warning.key == f"hours:{case.reception_point.pk}:23:00"
    assert "fuera del horario acordado" in warning.text
    assert "08:00 a 22:00" in warning.text
    plan(officer, case, expected_removal_time=dt.time(21, 0))
    assert reception_warnings(case) == []


def test_no_warning_for_a_person_without_flags(officer, case):
    plan(officer, case, expected_removal_date=REMOVAL, expected_removal_time=dt.time(23, 0),
         reception_point=point("Tapachula"), removal_mode="flight", removal_flight_number="AM 1")  # fmt: skip
    assert reception_warnings(case) == []


def test_a_point_outside_the_2016_arrangements_warns_for_a_vulnerable_person(officer):
    case = minor_case(officer, is_older_adult=False)
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Tapachula"), removal_mode="flight",
         removal_flight_number="AM 1")  # fmt: skip
    assert [w.key.split(":")[0] for w in reception_warnings(case)] == ["designation"]


def test_a_point_closed_since_it_was_chosen_warns(officer):
    case = minor_case(officer)
    chosen = point("Ciudad Acuña")
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=chosen)
    ReceptionPoint.objects.filter(pk=chosen.pk).update(status="closed", offered=False)
    case.reception_point.refresh_from_db()
    assert [w.key for w in reception_warnings(case)] == [f"closed:{chosen.pk}"]


def test_an_unaccompanied_child_where_dif_does_not_receive(officer):
    case = minor_case(officer, is_unaccompanied_minor=True)
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Ojinaga"))
    assert [w.key for w in reception_warnings(case)] == [f"dif:{case.reception_point.pk}"]
    plan(officer, case, reception_point=point("Ciudad Acuña"))  # DIF Coahuila receives children there
    assert reception_warnings(case) == []


def test_acknowledging_records_who_when_and_why_and_a_new_plan_warns_again(officer):
    case = minor_case(officer)
    plan(officer, case, expected_removal_date=REMOVAL, expected_removal_time=dt.time(23, 0),
         reception_point=point("Nuevo Laredo"))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.removal_warnings_acknowledge(actor=officer, case=case, reason="  ")
    assert error_fields(exc.value) == {"warnings_reason"}
    [ack] = services.removal_warnings_acknowledge(
        actor=officer, case=case, reason="ICE no cambia el horario."
    )
    assert (ack.acknowledged_by, ack.reason) == (officer, "ICE no cambia el horario.")
    [warning] = removal_warnings(user=officer, case=case)
    assert warning.ack == ack
    [event] = new_events(case, 0)[-1:]
    assert (event.kind, event.text) == (EventKind.REMOVAL_WARNING_SEEN, "ICE no cambia el horario.")
    assert services.removal_warnings_acknowledge(actor=officer, case=case, reason="otra vez") == []
    plan(officer, case, expected_removal_time=dt.time(23, 30))
    [warning] = removal_warnings(user=officer, case=case)
    assert warning.ack is None  # another time, another warning to see
    history = apps.get_model("cases", "RemovalWarningAckHistory")
    assert history.objects.filter(pgh_obj_id=ack.pk).count() == 1


def test_the_hand_off_form_records_the_acknowledgement_with_the_preparation(officer):
    case = minor_case(officer, is_unaccompanied_minor=True)
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Ojinaga"))
    services.handoff_prepare(actor=officer, case=case, warnings_reason="La madre espera en Ojinaga.")
    assert RemovalWarningAck.objects.filter(case=case).count() == 1


def test_another_consulate_does_not_see_the_acknowledgements(officer):
    case = minor_case(officer)
    plan(officer, case, expected_removal_date=REMOVAL, expected_removal_time=dt.time(23, 0),
         reception_point=point("Nuevo Laredo"))  # fmt: skip
    services.removal_warnings_acknowledge(actor=officer, case=case, reason="Sin otra opción.")
    assert not RemovalWarningAck.objects.visible_to(f.officer("houston")).exists()


# --- the reminder 48 hours before a removal without a hand-off -----------------------------------------


def pending(case):
    return list(
        Reminder.objects.filter(
            subject_type="case-removal", subject_id=case.pk, status=ReminderStatus.PENDING
        ).values_list("kind", "recipient_key", "due_at")
    )


def test_the_reminder_is_due_48_hours_before_on_the_points_clock_and_moves_with_the_plan(officer, case):
    plan(officer, case, expected_removal_date=REMOVAL, expected_removal_time=dt.time(10, 0),
         reception_point=point("Tapachula"), removal_mode="flight", removal_flight_number="AM 1")  # fmt: skip
    due = dt.datetime(2031, 3, 10, 10, 0, tzinfo=MEXICO_CITY)
    assert pending(case) == [(ReminderKind.REMOVAL_NO_HANDOFF, "case-officer", due)]
    plan(officer, case, expected_removal_time=dt.time(14, 0))
    assert pending(case) == [(ReminderKind.REMOVAL_NO_HANDOFF, "case-officer", due + dt.timedelta(hours=4))]
    assert Reminder.objects.filter(subject_type="case-removal", status=ReminderStatus.CANCELLED).count() == 1
    plan(officer, case, expected_removal_time=dt.time(14, 0))  # nothing changed: nothing new
    assert Reminder.objects.filter(subject_type="case-removal", subject_id=case.pk).count() == 2


def test_without_a_time_the_reminder_counts_from_the_start_of_the_day(officer, case):
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"))
    assert pending(case)[0][2] == dt.datetime(2031, 3, 10, 0, 0, tzinfo=MATAMOROS)


def test_preparing_the_hand_off_or_closing_the_case_cancels_it(officer, case):
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"))
    services.handoff_prepare(actor=officer, case=case)
    assert pending(case) == []
    other = f.make_case(officer)
    plan(officer, other, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"))
    services.case_close_request(actor=officer, case=other, outcome="repatriated")
    assert pending(other) == []


def test_unassigned_it_goes_to_the_consulates_supervisors(officer, case):
    chief = f.supervisor("dallas", email="jefa@example.org")
    plan(officer, case, expected_removal_date=REMOVAL, reception_point=point("Nuevo Laredo"), removal_mode="bus",
         removal_carrier="Senda")  # fmt: skip
    reminder = Reminder.objects.get(subject_type="case-removal", subject_id=case.pk)
    message = build_removal_no_handoff(reminder)
    assert chief.email in message.to
    assert message.subject == f"Remoción en 48 horas sin entrega preparada: caso {case.reference}"
    assert "Autobús (Senda)" in message.body
    services.case_assign(actor=chief, case=case, assignee=officer)
    assert build_removal_no_handoff(reminder).to == [officer.email]
