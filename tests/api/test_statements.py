"""Compiled statements (``api.statements``): the case detail read through one gives what the ORM gives, is
refused when it could not be reused, and follows the caller's access when it changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import statements
from cases import services
from cases.api.case_serializers import CASE_OUTPUT_COLUMNS
from cases.models import Case
from consulates.models import ConsularPost, Consulate
from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db


def _detail(user):
    return Case.objects.visible_to(user).select_related("person", "consulate", "assigned_to")


def test_the_instances_are_the_orms():
    officer = f.officer("dallas")
    case = services.case_assign(actor=officer, case=f.make_case(officer), assignee=officer)
    found = statements.Statement(lambda pk: _detail(officer).only(*CASE_OUTPUT_COLUMNS).filter(pk=pk))
    (compiled,) = found.run(case.pk)
    orm = _detail(officer).only(*CASE_OUTPUT_COLUMNS).get(pk=case.pk)
    for name in ("pk", "reference", "status", "opened_at", "version", "consulate_id", "person_id"):
        assert getattr(compiled, name) == getattr(orm, name)
    assert (compiled.person.curp, compiled.person.full_name) == (orm.person.curp, orm.person.full_name)
    assert compiled.person.curp  # decrypted by the field's converter, as the ORM does
    assert (compiled.consulate.code, compiled.assigned_to.username) == ("DAL", officer.username)
    assert found.run(case.pk + 10_000_000) == []


def test_a_statement_that_depends_on_the_moment_or_has_no_placeholder_is_not_reused():
    with pytest.raises(statements.NotReusable):
        statements.Statement(lambda pk: Case.objects.filter(opened_at__lte=timezone.now(), pk=pk))
    with pytest.raises(statements.NotReusable):
        statements.Statement(lambda pk: Case.objects.filter(pk=5))


@pytest.mark.parametrize("raw", ["abc", "0", "-3", str(2**63), "", None])
def test_an_id_no_row_can_have_is_none(raw):
    assert statements.valid_id(raw) is None


def test_the_detail_answers_as_the_orms_path_with_its_handovers(monkeypatch):
    supervisor = f.supervisor("dallas")
    case = f.make_case(f.officer("dallas"))
    bare = f.make_case(f.officer("dallas"))
    client = csrf_client(supervisor)
    atlanta = ConsularPost.objects.get(city="Atlanta")
    sent = client.post(
        url(f"cases/{case.pk}/handover/"),
        {"post": atlanta.pk, "reason": "released", "method": "letter"},
        format="json",
    )
    assert sent.status_code == 201, sent.json()
    compiled = {pk: client.get(url(f"cases/{pk}/")) for pk in (case.pk, bare.pk)}
    monkeypatch.setattr(statements, "statement", lambda *args: None)
    plain = {pk: client.get(url(f"cases/{pk}/")) for pk in (case.pk, bare.pk)}
    for pk in (case.pk, bare.pk):
        assert compiled[pk].status_code == plain[pk].status_code == 200
        assert compiled[pk].json() == plain[pk].json()
        assert compiled[pk]["ETag"] == plain[pk]["ETag"]
    assert [h["post"] for h in compiled[case.pk].json()["handovers"]] == [atlanta.pk]
    assert compiled[bare.pk].json()["handovers"] == []


def test_a_case_without_handovers_costs_one_read_of_case_data_and_the_access_row():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    client = csrf_client(officer)
    assert client.get(url(f"cases/{case.pk}/")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(f"cases/{case.pk}/")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    reads = [q for q in sql if q.lstrip().startswith("SELECT") and '"cases_' in q]
    assert len(reads) == 1, reads
    assert '"cases_handover"' not in reads[0].split("EXISTS")[0]
    assert sum("INSERT INTO cases_accesslog" in q for q in sql) == 1


def test_unseen_and_absurd_ids_are_404_and_a_moved_officer_sees_the_new_consulates_cases():
    officer = f.officer("dallas")
    dallas_case = f.make_case(officer)
    el_paso_case = f.make_case(f.officer("el_paso"))
    client = csrf_client(officer)
    assert client.get(url(f"cases/{dallas_case.pk}/")).status_code == 200
    assert client.get(url(f"cases/{el_paso_case.pk}/")).status_code == 404
    assert client.get(url(f"cases/{2**63}/")).status_code == 404
    membership = officer.staff_membership
    membership.consulate = Consulate.objects.get(pk=el_paso_case.consulate_id)
    membership.save()
    assert client.get(url(f"cases/{dallas_case.pk}/")).status_code == 404
    assert client.get(url(f"cases/{el_paso_case.pk}/")).status_code == 200


def test_the_reads_access_rows_are_written_in_the_reads_own_round_trip():
    from cases.models import AccessLog

    officer = f.officer("dallas")
    case = f.make_case(officer)
    hidden = f.make_case(f.officer("el_paso"))
    client = csrf_client(officer)
    client.get(url(f"cases/{case.pk}/"))  # compiles the statements
    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(f"cases/{case.pk}/"), HTTP_USER_AGENT="prueba/1").status_code == 200
    row = AccessLog.objects.latest("pk")
    assert (row.action, row.case_id, row.person_id, row.user_id, row.what) == (
        "api_retrieve",
        case.pk,
        case.person_id,
        officer.pk,
        "api: case",
    )
    assert (row.user_agent, row.ip_address) == ("prueba/1", "127.0.0.1")
    case_sql = [q["sql"] for q in queries.captured_queries if '"cases_case"' in q["sql"]]
    assert len(case_sql) == 1
    assert "INSERT INTO cases_accesslog" in case_sql[0]
    assert client.get(url(f"cases/{hidden.pk}/")).status_code == 404
    assert AccessLog.objects.count() == before + 1  # the hidden case's read wrote nothing

    assert client.get(url("cases/?status=open&limit=5")).status_code == 200
    assert client.get(url("cases/?status=open&limit=5")).status_code == 200
    listed = AccessLog.objects.latest("pk")
    assert (listed.action, listed.what, listed.case_id) == (
        "list",
        "api: case list ?limit=5&status=open",
        None,
    )
    assert AccessLog.objects.count() == before + 3
