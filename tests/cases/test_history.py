"""The audit trail: pghistory rows for persons and cases; an append-only timeline in the database."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from cases import services
from cases.models import Case, CaseEvent, Person
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return f.officer("dallas")


def test_person_insert_and_update_are_recorded(officer):
    person = f.make_person(officer, phone="")
    services.person_update(actor=officer, person=person, phone="+1 214 555 0101")
    rows = list(person.history.order_by("pgh_id").values_list("pgh_label", "phone"))
    assert rows == [("insert", ""), ("update", "+1 214 555 0101")]
    assert person.history.model is apps.get_model("cases", "PersonHistory")


def test_person_history_sees_writes_that_bypass_the_services(officer):
    person = f.make_person(officer)
    Person.objects.filter(pk=person.pk).update(phone="555")  # a bulk write: no save(), no signal
    updates = person.history.filter(pgh_label="update")
    assert [row.phone for row in updates] == ["555"]  # encrypted column: compared once decrypted


def test_case_history_follows_each_change(officer):
    case = f.make_case(officer)
    services.case_update(actor=officer, case=case, priority="urgent")
    services.case_close_request(actor=officer, case=case, outcome="released")
    history = list(case.history.order_by("pgh_id").values_list("pgh_label", "status", "priority", "version"))
    assert history[0] == ("insert", "open", "normal", 1)
    assert history[-1] == ("update", "pending_closure", "urgent", 3)
    assert [label for label, *_ in history[1:]] == ["update"] * (len(history) - 1)
    assert case.history.model is apps.get_model("cases", "CaseHistory")


def test_case_history_keeps_nothing_when_nothing_changed(officer):
    case = f.make_case(officer)
    count = case.history.count()
    services.case_update(actor=officer, case=case, priority=case.priority)  # a no-op
    assert case.history.count() == count


@pytest.fixture
def event(officer):
    case = f.make_case(officer)
    return services.case_note_add(actor=officer, case=case, text="Original")


def _refused(operation) -> None:
    """``operation`` must fail in the database; the savepoint keeps the test's transaction usable."""
    with pytest.raises(DatabaseError), transaction.atomic():
        operation()


def test_case_event_refuses_update_through_the_orm(event):
    event.text = "Rewritten"
    _refused(event.save)
    _refused(lambda: CaseEvent.objects.filter(pk=event.pk).update(text="Rewritten"))
    assert CaseEvent.objects.get(pk=event.pk).text == "Original"


def test_case_event_refuses_delete_through_the_orm(event):
    _refused(event.delete)
    _refused(lambda: CaseEvent.objects.filter(case=event.case).delete())
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_case_event_refuses_raw_sql(event):
    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    _refused(lambda: raw("UPDATE cases_caseevent SET text = 'x' WHERE id = %s"))
    _refused(lambda: raw("DELETE FROM cases_caseevent WHERE id = %s"))
    assert CaseEvent.objects.get(pk=event.pk).text == "Original"


def test_case_event_still_accepts_inserts(event):
    count = CaseEvent.objects.filter(case=event.case).count()
    services.case_note_add(actor=event.actor, case=Case.objects.get(pk=event.case_id), text="Otra")
    assert CaseEvent.objects.filter(case=event.case).count() > count
