"""The staff UI's lists filter only by what they declare (issue 15, item 5).

Django's admin turns any query parameter naming a local field into a lookup, JSON keys included: an auditor
read a person's name and date of birth out of the audit trail with ``?pgh_data__given_names__startswith=J``.
Every list now answers 400 to a parameter that none of its declared filters reads, and the lookup never
reaches the database. Each door is tested: the audit trail and the access log as an auditor, then every
registered list for every role that may open it.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import FieldListFilter, SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from cases import services
from cases.access import AccessAction, record_access
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

PROBE = "zzprobe"  # a value no row holds: it may appear in SQL only if the lookup reached the database
EVENTS = "admin:pghistory_middlewareevents_changelist"
ACCESS_LOG = "admin:cases_accesslog_changelist"
ROLES = ("officer", "manager", "auditor", "administrator")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        officer = f.officer("dallas")
        person = f.make_person(officer, given_names="Juana")
        services.person_update(actor=officer, person=person, given_names="Juana María")
        facility = DetentionFacility.objects.filter(county__consulate__slug="dallas", active=True).first()
        case = f.make_case(officer, person=person, facility=facility, detained_since=timezone.localdate())
        record_access(None, AccessAction.VIEW, what="admin: person", person_id=person.pk, case_id=case.pk)
        users = {
            "officer": officer,
            "manager": f.manager(),
            "auditor": f.auditor(),
            "administrator": f.administrator(),
        }
        yield {"users": users, "person": person, "case": case}


def _get(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, " ".join(query["sql"] for query in queries.captured_queries)


def assert_refused(response, sql: str, *words: str) -> None:
    assert response.status_code == 400, response.status_code
    for word in words:
        assert word not in sql, f"{word!r} reached the database"


# --- the audit trail and the access log, as the review's auditor -------------------------------------------


AUDIT_PROBES = [
    {"pgh_data__given_names__startswith": "J"},
    {"pgh_data__given_names__startswith": "J", "obj": "cases.person:1"},
    {f"pgh_data__{PROBE}__startswith": "J"},
    {f"pgh_diff__{PROBE}__0__startswith": "J"},
    {"pgh_diff__given_names__0": PROBE},
    {f"pgh_context__{PROBE}": "1"},
    {"pgh_context__user": "1"},  # the user filter exists, as ``user=``, not as a lookup
    {"pgh_context_id__isnull": "false", "pgh_data__given_names": PROBE},
    {"pgh_obj_id__startswith": PROBE},
    {"pgh_label__startswith": PROBE, "since": "2020-01-01"},
    {"pgh_data__startswith": PROBE},
]


@pytest.mark.parametrize("params", AUDIT_PROBES, ids=lambda p: "&".join(p))
def test_the_audit_trail_refuses_lookups_on_event_data(client, world, params):
    login_verified(client, world["users"]["auditor"])
    response, sql = _get(client, reverse(EVENTS), params)
    assert_refused(response, sql, PROBE, "given_names", "Juana")
    assert "Juana" not in response.content.decode()


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_refusal_is_a_page_in_the_users_language(client, world, language):
    login_verified(client, world["users"]["auditor"])
    client.cookies["django_language"] = language
    response = client.get(reverse(EVENTS), {"pgh_data__given_names__startswith": "J"})
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override(language):
        assert escape(gettext("This list cannot be filtered that way")) in html
    assert f'<html lang="{language}"' in html
    assert f'href="{reverse(EVENTS)}"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"what__startswith": PROBE},
        {"user_agent__icontains": PROBE},
        {"ip_address__startswith": PROBE},
        {"person_id__in": PROBE},
        {"user__username__startswith": PROBE},
        {"action": PROBE},
        {"person": "1", "case_id__gt": PROBE},
    ],
    ids=lambda p: "&".join(p),
)
def test_the_access_log_refuses_undeclared_lookups(client, world, params):
    login_verified(client, world["users"]["auditor"])
    response, sql = _get(client, reverse(ACCESS_LOG), params)
    assert_refused(response, sql, PROBE)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        (EVENTS, {"person": "{person}"}),
        (EVENTS, {"person": "{person}", "label": "update", "event_model": "cases.personhistory"}),
        (EVENTS, {"case": "{case}"}),
        (EVENTS, {"obj": "cases.person:{person}", "method": "tracks"}),
        (EVENTS, {"since": "2020-01-01", "until": "2100-01-01", "p": "1"}),
        (ACCESS_LOG, {"person": "{person}", "action__exact": "view"}),
        (ACCESS_LOG, {"case": "{case}", "since": "2020-01-01", "o": "1"}),
    ],
)
def test_the_declared_filters_still_work(client, world, name, params):
    login_verified(client, world["users"]["auditor"])
    ids = {"person": world["person"].pk, "case": world["case"].pk}
    response = client.get(reverse(name), {key: value.format(**ids) for key, value in params.items()})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


# --- every list, for every role that may open it ------------------------------------------------------------


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _probe_field(model) -> str:
    """A local field to probe: text if the model has any (a name, a JSON document), else any value."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.is_relation and not field.primary_key and not field.choices
    ]
    text = [
        field for field in fields if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]
    return (text or fields or [model._meta.pk])[0].name


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_every_registered_list_is_limited_to_its_declared_filters():
    from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin

    undeclared = [
        model._meta.label
        for model, model_admin in _registered()
        if not isinstance(model_admin, DeclaredLookupsOnlyAdmin)
    ]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
def test_every_list_refuses_an_undeclared_lookup(client, world, role):
    user = world["users"][role]
    login_verified(client, user)
    walked = []
    for model, model_admin in _registered():
        if not model_admin.has_view_permission(_request(user)):
            continue
        field = _probe_field(model)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response, sql = _get(client, url, {f"{field}__startswith": PROBE})
        assert response.status_code == 400, (model._meta.label, field, response.status_code)
        assert PROBE not in sql, model._meta.label
        walked.append(model._meta.label)
    assert walked  # every role opens some list


@pytest.mark.parametrize("role", ROLES)
def test_every_declared_filter_parameter_is_accepted(client, world, role):
    """The declared parameters are exactly what Django's own filters read: each one opens its list."""
    user = world["users"][role]
    login_verified(client, user)
    for model, model_admin in _registered():
        request = _request(user)
        if not model_admin.has_view_permission(request):
            continue
        declared = model_admin.declared_lookups(request)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for item in model_admin.get_list_filter(request):
            spec = _filter(item, request, model, model_admin)
            for parameter in spec.expected_parameters():
                assert parameter in declared, (model._meta.label, parameter)
                value = "True" if parameter.endswith("__isnull") else "1"
                response = client.get(url, {parameter: value})
                assert response.status_code in (200, 302), (
                    model._meta.label,
                    parameter,
                    response.status_code,
                )


def _filter(item, request, model, model_admin):
    if isinstance(item, type) and issubclass(item, SimpleListFilter):
        return item(request, {}, model, model_admin)
    path, filter_class = item if isinstance(item, list | tuple) else (item, FieldListFilter.create)
    field = get_fields_from_path(model, path)[-1]
    return filter_class(field, request, {}, model, model_admin, field_path=path)


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_the_reports_links_into_the_case_list_open_it(client, world, role):
    """The reports' figures link to the staff case list with parameters of their own (``status__in``,
    ``facility__id__exact``...), declared by ``accept_list_links``: each link opens the list."""
    user = world["users"][role]
    login_verified(client, user)
    links = {
        link
        for function in REPORTS.values()
        for link in function(user, ReportParams.default()).links.values()
    }
    assert any("facility__id__exact" in link for link in links)
    assert any("status__in" in link for link in links)
    shown = set()
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        shown |= {case.pk for case in response.context["cl"].result_list}
    assert world["case"].pk in shown


@pytest.mark.parametrize(
    "params",
    [
        {"obj": "cases.person:999999999"},
        {"obj": "cases.person:abc"},
        {"obj": "nothing.here:1"},
        {"obj": "cases.person:999999999", "method": "tracks"},
        {"model": "nothing.here"},
        {"event_model": "1"},
        {"event_model": "nothing.here"},
        {"person": "abc"},
        {"case": "-1"},
        {"since": "not-a-date"},
        {"label": "x' OR '1'='1"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_a_declared_filter_with_a_bad_value_is_never_a_500(client, world, params, role):
    login_verified(client, world["users"][role])
    response = client.get(reverse(EVENTS), params)
    assert response.status_code in (200, 302), response.status_code
