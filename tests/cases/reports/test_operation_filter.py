"""Reports filtered by an enforcement operation: every report that counts cases counts only the operation's
cases (checked against figures counted case by case in ``builders``, whose world has an operation at
Dallas with a case moved to El Paso, and one at El Paso); the inquiries' reports say the filter does not
apply; the case-list links hold exactly the cases counted; who may choose which operation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Case
from cases.reports.common import ReportParams
from cases.reports.forms import ReportFilterForm
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db

# Reports about things that are not cases of an operation (inquiries come before any case).
NOT_OF_OPERATIONS = {"inquiries_by_channel", "inquiries_by_consulate"}
OPERATIONS = ("dallas", "el_paso")


def _params(world, operation: str, consulate=None) -> ReportParams:
    return ReportParams(
        start=b.START,
        end=b.END,
        consulate_id=consulate.pk if consulate else None,
        operation_id=world.operations[operation].pk,
    )


@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_report_counts_the_operations_cases_for_the_manager(world, name, operation):
    report = REPORTS[name](world.users["manager"], _params(world, operation))
    assert report.rows == b.EXPECTED[name](world, operation=operation)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_counts_the_operations_cases_in_the_consulate_chosen(world, name):
    """Dallas's operation, Dallas chosen: c10, moved to El Paso, is not Dallas's to count."""
    report = REPORTS[name](world.users["manager"], _params(world, "dallas", world.dallas))
    assert report.rows == b.EXPECTED[name](world, "dallas", operation="dallas")


@pytest.mark.parametrize("name", sorted(REPORTS))
@pytest.mark.parametrize(("role", "operation"), [("officer_a", "dallas"), ("officer_c", "el_paso")])
def test_every_report_counts_the_operations_cases_for_a_consulates_staff(world, name, role, operation):
    report = REPORTS[name](world.users[role], _params(world, operation))
    assert report.rows == b.EXPECTED[name](world, operation, operation=operation)


def test_the_filter_changes_the_figures(world):
    """Not only equal to a computation: the case-counting reports give other figures with an operation,
    and something to show for each of the two."""
    manager = world.users["manager"]
    everything = {name: REPORTS[name](manager, ReportParams(b.START, b.END)).rows for name in REPORTS}
    shown = set()
    for operation in OPERATIONS:
        for name in set(REPORTS) - NOT_OF_OPERATIONS:
            rows = REPORTS[name](manager, _params(world, operation)).rows
            if rows:
                shown.add(name)
            if name != "weekly_flow":
                assert rows != everything[name], (name, operation)
    assert shown == set(REPORTS) - NOT_OF_OPERATIONS
    open_cases = REPORTS["open_cases"](manager, _params(world, "dallas")).rows
    assert [(r["consulate"], r["total"]) for r in open_cases] == [("Dallas", 4)]  # o1, o2, o3, tD1


@pytest.mark.parametrize("name", sorted(NOT_OF_OPERATIONS))
def test_reports_about_inquiries_say_the_operation_filter_does_not_apply(world, name):
    manager = world.users["manager"]
    plain = REPORTS[name](manager, ReportParams(b.START, b.END))
    filtered = REPORTS[name](manager, _params(world, "dallas"))
    assert filtered.rows == plain.rows  # every inquiry, as the note says
    assert filtered.note.startswith(plain.note)
    assert len(filtered.note) > len(plain.note)
    with translation.override("en"):
        english = REPORTS[name](manager, _params(world, "dallas")).note
    assert "operation filter does not apply" in english
    with translation.override("es"):
        spanish = REPORTS[name](manager, _params(world, "dallas")).note
    assert "no se aplica" in spanish


def _link_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context_data["cl"].result_count


@pytest.mark.parametrize(
    ("name", "column"),
    [("open_cases", "total"), ("custody_by_facility", "in_custody"), ("attention", "unassigned")],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_case_list_links_hold_exactly_the_operations_cases_counted(
    client, world, name, column, operation
):
    manager = world.users["manager"]
    login_verified(client, manager)
    params = _params(world, operation)
    report = REPORTS[name](manager, params)
    checked = 0
    for index, row in enumerate(report.rows):
        link = report.links.get((index, column))
        if link is None:
            continue
        assert parse_qs(urlsplit(link).query)["operation__id__exact"] == [str(params.operation_id)]
        assert _link_count(client, link) == row[column], (name, row)
        checked += 1
    assert checked


def test_without_an_operation_the_links_do_not_carry_one(world):
    report = REPORTS["open_cases"](world.users["manager"], ReportParams(b.START, b.END))
    assert report.links
    assert all("operation" not in link for link in report.links.values())


def test_the_case_list_offers_the_operations_the_user_sees(client, world):
    login_verified(client, world.users["officer_a"])
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Operativo Norte" in text
    assert "Operativo Sur" not in text
    # Another consulate's operation lists only what the officer may read anyway (tE, offered to Dallas
    # by a pending transfer); nonsense lists nothing (never a 500).
    el_paso = world.operations["el_paso"]
    readable = Case.objects.visible_to(world.users["officer_a"]).filter(operation=el_paso).count()
    assert readable == 1
    for value, expected in ((el_paso.pk, readable), ("abc", 0)):
        response = client.get(reverse("admin:cases_case_changelist"), {"operation__id__exact": value})
        assert response.status_code == 200
        assert response.context_data["cl"].result_count == expected


# --- Who may choose which operation ---------------------------------------------------------------


def _form(user, **data):
    query = {"start": b.START.isoformat(), "end": b.END.isoformat(), **data}
    return ReportFilterForm(query, user=user)


def test_the_form_offers_the_operations_the_users_reports_count(world):
    officer = world.users["officer_a"]
    offered = set(ReportFilterForm(None, user=officer).fields["operation"].queryset)
    assert offered == {world.operations["dallas"], world.operations["before"]}
    manager_offered = set(ReportFilterForm(None, user=world.users["manager"]).fields["operation"].queryset)
    assert manager_offered == set(world.operations.values())


def test_a_dallas_officer_cannot_pick_another_consulates_operation(client, world):
    officer = world.users["officer_a"]
    form = _form(officer, operation=world.operations["el_paso"].pk)
    assert not form.is_valid()
    assert list(form.errors) == ["operation"]
    login_verified(client, officer)
    response = client.get(
        reverse("reports:dashboard"),
        {"start": b.START, "end": b.END, "operation": world.operations["el_paso"].pk},
    )
    assert response.status_code == 200  # the form again, with its error; no figures
    assert response.context["form"].errors["operation"]
    assert response.context["sections"] == []
    assert "Operativo Sur" not in response.content.decode()
    export = client.get(
        reverse("reports:export", args=["open_cases", "csv"]),
        {"start": b.START, "end": b.END, "operation": world.operations["el_paso"].pk},
    )
    assert export.status_code in (400, 403)


@pytest.mark.parametrize("value", ["abc", "999999999", "-1", "1.5"])
def test_a_bad_operation_is_a_field_error(world, value):
    form = _form(world.users["manager"], operation=value)
    assert not form.is_valid()
    assert list(form.errors) == ["operation"]


def test_a_manager_choosing_another_consulate_than_the_operations_gets_a_field_error(world):
    manager = world.users["manager"]
    form = _form(manager, consulate=world.el_paso.pk, operation=world.operations["dallas"].pk)
    assert not form.is_valid()
    assert list(form.errors) == ["operation"]
    with translation.override("es"):
        form = _form(manager, consulate=world.el_paso.pk, operation=world.operations["dallas"].pk)
        assert "otro consulado" in form.errors["operation"][0]
    ok = _form(manager, consulate=world.dallas.pk, operation=world.operations["dallas"].pk)
    assert ok.is_valid(), ok.errors
    assert ok.params() == _params(world, "dallas", world.dallas)


def test_an_operation_alone_is_a_filter(world):
    """The operation alone (the operation page's link may carry only it): the dates default."""
    form = ReportFilterForm({"operation": str(world.operations["dallas"].pk)}, user=world.users["manager"])
    assert form.is_valid(), form.errors
    params = form.params()
    assert params.operation_id == world.operations["dallas"].pk
    assert (params.start, params.end) == (ReportParams.default().start, ReportParams.default().end)


def test_the_header_names_the_operation_in_words(world):
    with translation.override("es"):
        header = dict(_params(world, "dallas").as_header())
        assert header["Operativo"] == "Operativo Norte (10 de enero de 2025, Dallas)"
        assert dict(ReportParams(b.START, b.END).as_header())["Operativo"] == "Todos los operativos"
