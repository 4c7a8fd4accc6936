"""cases/services/privacy (retention): who is anonymised when, what is cleared, what the reports keep."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection
from django.utils import translation

from cases import services
from cases.models import Case, CaseEvent, Document, EmergencyContact, Person
from cases.reports import registry
from cases.reports.common import ReportParams
from cases.services import privacy
from cases.services.privacy.plan import PERSON_SCRUB, SCRUB_PLAN
from cases.tasks import anonymise_expired
from config.celery import CONFIG
from encryption.fields import blind_index_fields, encrypted_fields
from tests import factories as f
from tests.cases.privacy.builders import build_person, case_tables, close_at, find_values, history_tables

pytestmark = pytest.mark.django_db

BUILT = dt.datetime(2020, 3, 2, 15, 0, tzinfo=dt.UTC)
CLOSED = dt.datetime(2020, 6, 15, 12, 0, tzinfo=dt.UTC)
BOUNDARY = CLOSED + relativedelta(years=5)  # 2025-06-15 12:00 UTC


def simple_case(officer, person=None, *, closed: dt.datetime | None = None, **fields) -> Case:
    """A case closed (directly: a normal-priority, non-vulnerable person) at ``closed``, or left open."""
    case = f.make_case(officer, person=person, **fields)
    if closed is not None:
        services.case_close_request(actor=officer, case=case, outcome="released")
        close_at(case, closed)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def full(officer):
    """A person with everything, built and closed in 2020."""
    with time_machine.travel(BUILT, tick=False):
        everything = build_person(officer, "Qw7k")
    close_at(everything.case, CLOSED)
    return everything


def anonymised_ids() -> set[int]:
    return set(Person.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))


def test_the_retention_period_ends_exactly_five_years_after_closure(full, django_capture_on_commit_callbacks):
    with time_machine.travel(BOUNDARY - dt.timedelta(seconds=1), tick=False):
        assert privacy.retention_run() == (0, False)
    assert anonymised_ids() == set()
    with time_machine.travel(BOUNDARY, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert privacy.retention_run() == (1, False)
    assert anonymised_ids() == {full.person.pk}
    case = Case.objects.get(pk=full.case.pk)
    assert case.anonymised_at == BOUNDARY
    assert Person.objects.get(pk=full.person.pk).anonymised_at == BOUNDARY


def test_the_period_is_a_setting(full, settings):
    settings.RETENTION_YEARS = 3
    with time_machine.travel(CLOSED + relativedelta(years=3), tick=False):
        assert privacy.retention_run()[0] == 1


def test_only_persons_whose_cases_are_all_past_retention(officer):
    old, recent = CLOSED, BOUNDARY - relativedelta(years=1)
    gone = simple_case(officer, closed=old).person
    two_old = simple_case(officer, closed=old).person
    simple_case(officer, two_old, closed=old - relativedelta(years=1))
    one_recent = simple_case(officer, closed=old).person
    simple_case(officer, one_recent, closed=recent)
    one_open = simple_case(officer, closed=old).person
    simple_case(officer, one_open)
    pending = simple_case(officer, closed=old).person
    waiting = simple_case(officer, pending, priority="urgent")
    services.case_close_request(actor=officer, case=waiting, outcome="released")  # awaits a supervisor
    young = simple_case(officer, closed=recent).person
    no_case = f.make_person(officer)

    with time_machine.travel(BOUNDARY + dt.timedelta(days=1), tick=False):
        done, more = privacy.retention_run(batch_size=2)  # several batches

    assert (done, more) == (2, False)
    assert anonymised_ids() == {gone.pk, two_old.pk}
    assert set(Case.objects.filter(anonymised_at__isnull=False).values_list("person_id", flat=True)) == {
        gone.pk,
        two_old.pk,
    }
    for kept in (one_recent, one_open, pending, young, no_case):
        person = Person.objects.get(pk=kept.pk)
        assert (person.given_names, person.curp) == (kept.given_names, kept.curp)
        assert not person.cases.filter(anonymised_at__isnull=False).exists()


def test_identity_contact_documents_and_free_text_are_cleared(
    full, media_root, django_capture_on_commit_callbacks
):
    files = [media_root / d.file.name for d in full.documents]
    assert all(path.exists() for path in files)
    before = find_values(case_tables(), full.values)
    assert {"cases_person", "cases_personhistory", "cases_caseevent", "cases_document"} <= set(before)

    with time_machine.travel(BOUNDARY, tick=False), django_capture_on_commit_callbacks(execute=True):
        privacy.retention_run()

    person = Person.objects.get(pk=full.person.pk)
    assert (person.given_names, person.paternal_surname, person.maternal_surname) == ("***", "***", "")
    assert (person.curp, person.a_number, person.date_of_birth, person.state_of_birth) == (
        None,
        None,
        None,
        "",
    )
    assert (person.passport_number, person.matricula_consular, person.phone, person.email) == ("", "", "", "")
    assert (person.us_address, person.mexico_address) == ("", "")
    assert person.contact_consent is False
    # Statistics kept on the person.
    assert (person.sex, person.is_older_adult, person.languages) == (full.person.sex, True, ["español"])
    with translation.override("en"):
        assert str(person) == "Anonymised person"
    assert not EmergencyContact.objects.filter(person=person).exists()
    assert not Document.objects.filter(case__person=person).exists()
    assert not any(path.exists() for path in files)
    assert set(CaseEvent.objects.filter(case=full.case).values_list("text", flat=True)) == {""}
    # Not one personal value is left anywhere in the case tables, history included (raw SQL).
    assert find_values(case_tables(), full.values) == {}


def person_history_counts(person_pk: int) -> tuple[int, int, int, int, int]:
    """Rows of the person's history, and how many hold a CURP, a birth date, a phone, an address."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(curp), count(date_of_birth), count(*) FILTER (WHERE phone <> ''),"
            " count(*) FILTER (WHERE us_address <> '' OR mexico_address <> '')"
            " FROM cases_personhistory WHERE pgh_obj_id = %s",
            [person_pk],
        )
        return cursor.fetchone()


def test_history_rows_lose_the_personal_values(full):
    tables = history_tables()
    assert {"cases_personhistory", "cases_emergencycontacthistory"} <= set(tables)
    assert set(find_values(tables, full.values)) >= {"cases_personhistory", "cases_caseeventhistory"}
    rows, curps, births, phones, addresses = person_history_counts(full.person.pk)
    assert rows >= 1
    assert curps == births == phones == addresses == rows  # ciphertext (or a date) in every row, before
    with time_machine.travel(BOUNDARY, tick=False):
        privacy.retention_run()
    assert find_values(tables, full.values) == {}
    rows, curps, births, phones, addresses = person_history_counts(full.person.pk)
    assert rows >= 2
    assert (curps, births, phones, addresses) == (0, 0, 0, 0)
    # The history of the change itself says why.
    history = apps.get_model("cases", "PersonHistory")
    last = history.objects.filter(pgh_obj_id=full.person.pk).order_by("-pgh_id").first()
    assert last.pgh_context.metadata["privacy_action"] == "retention"


def test_the_reports_count_the_same_before_and_after(full, officer):
    kept = simple_case(officer, closed=BOUNDARY - relativedelta(years=2))
    simple_case(officer, kept.person)  # still open
    gone = simple_case(officer, closed=CLOSED + dt.timedelta(days=3), priority="high")
    manager = f.manager()
    params = ReportParams(start=dt.date(2019, 12, 1), end=dt.date(2022, 11, 30))

    def figures():
        return {name: registry.run(name, manager, params).rows for name in registry.REPORTS}

    with time_machine.travel(BOUNDARY + dt.timedelta(days=30), tick=False):
        before = figures()
        assert privacy.retention_run()[0] == 2
        after = figures()
    assert anonymised_ids() == {full.person.pk, gone.person.pk}
    # The range holds the two cases anonymised (closed in 2020), so the figures count them.
    assert sum(row["closed"] for row in before["closed_by_outcome"]) == 2
    assert after == before


def test_running_again_changes_nothing(full):
    with time_machine.travel(BOUNDARY, tick=False):
        privacy.retention_run()
    history_counts = _history_counts()
    person = Person.objects.get(pk=full.person.pk)
    with time_machine.travel(BOUNDARY + relativedelta(days=1), tick=False):
        assert privacy.retention_run() == (0, False)
        assert anonymised_ids() == {full.person.pk}
    assert _history_counts() == history_counts
    again = Person.objects.get(pk=full.person.pk)
    assert (again.anonymised_at, again.updated_at) == (person.anonymised_at, person.updated_at)


def _history_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in history_tables():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - catalogue names
            counts[table] = cursor.fetchone()[0]
    return counts


def test_an_anonymised_case_cannot_be_reopened_nor_the_person_changed(full, officer):
    from django.core.exceptions import ValidationError

    with time_machine.travel(BOUNDARY, tick=False):
        privacy.retention_run()
    case = Case.objects.get(pk=full.case.pk)
    with pytest.raises(ValidationError) as exc:
        services.case_reopen(actor=f.administrator(), case=case, reason="Nueva información")
    assert exc.value.code == "anonymised"
    with pytest.raises(ValidationError):
        services.person_update(actor=officer, person=case.person, given_names="Zacarías")
    with pytest.raises(ValidationError) as exc:
        f.make_case(officer, person=case.person)
    assert "person" in exc.value.message_dict
    assert Person.objects.get(pk=case.person_id).given_names == "***"


def test_the_task_takes_no_arguments_and_is_scheduled_nightly(full):
    entry = next(e for e in CONFIG["beat_schedule"].values() if e["task"] == "privacy.anonymise_expired")
    assert entry["schedule"].hour == {9}
    assert "args" not in entry
    with time_machine.travel(BOUNDARY, tick=False):
        assert anonymise_expired.run() == 1
    assert anonymised_ids() == {full.person.pk}


def test_the_plan_clears_every_encrypted_or_blind_indexed_field():
    """A field encrypted at rest holds personal data by definition: the plan cannot forget one of a model
    it scrubs (a street address, an identifier added later), in the live rows or in history."""
    for scrub in SCRUB_PLAN:
        for name in (scrub.model, scrub.history):
            model = apps.get_model(name)
            protected = {field.name for field in [*encrypted_fields(model), *blind_index_fields(model)]}
            assert protected <= set(scrub.fields), (name, protected - set(scrub.fields))
    assert {"us_address", "mexico_address"} <= set(PERSON_SCRUB.fields)
