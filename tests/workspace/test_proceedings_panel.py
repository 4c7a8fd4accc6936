"""The case page's legal proceedings panel: record a removal proceeding, schedule a hearing in it,
record the judge's decision and see the BIA appeal deadline; record a habeas petition; refusals land on
the form in Spanish; a manager reads the panel without its forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Proceeding
from consulates.models import ImmigrationCourt
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _post(client, name, args, prefix, data):
    return client.post(reverse(f"workspace:{name}", args=args), {f"{prefix}-{k}": v for k, v in data.items()})


def test_an_officer_records_a_removal_proceeding_a_hearing_in_it_and_the_decision(client):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    login_verified(client, officer)
    court = ImmigrationCourt.objects.get(name="Dallas Immigration Court")
    answer = _post(
        client, "case_proceeding_add", [case.pk], "proceeding", {"kind": "removal", "court": court.pk}
    )
    assert answer.status_code == 302
    proceeding = Proceeding.objects.get(case=case)
    starts = (timezone.localdate() + dt.timedelta(days=9)).isoformat() + "T09:00"
    answer = _post(
        client,
        "case_proceeding_hearing_add",
        [case.pk, proceeding.pk],
        f"phearing-{proceeding.pk}",
        {"kind": "master_calendar", "court": court.pk, "starts_at": starts},
    )
    assert answer.status_code == 302
    assert proceeding.hearings.count() == 1
    decided = timezone.localdate().isoformat()
    answer = _post(
        client,
        "case_proceeding_decide",
        [case.pk, proceeding.pk],
        f"decision-{proceeding.pk}",
        {"outcome": "removal_ordered", "decided_on": decided, "version": proceeding.version},
    )
    assert answer.status_code == 302
    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert "Apelación ante la Junta de Apelaciones de Inmigración" in page
    assert "Deportación ordenada" in page or "Remoción ordenada" in page


def test_a_refusal_is_shown_on_the_form_in_spanish_and_nothing_is_saved(client):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    login_verified(client, officer)
    answer = _post(client, "case_proceeding_add", [case.pk], "proceeding", {"kind": "habeas"})
    assert answer.status_code == 400
    assert "Elija el tribunal federal de distrito" in answer.content.decode()
    assert not Proceeding.objects.exists()


def test_a_manager_reads_the_panel_without_forms(client):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    court = ImmigrationCourt.objects.get(name="Northern District of Texas, Dallas Division")
    from cases import services

    services.proceeding_open(
        actor=officer, case=case, kind="habeas", court=court, docket_number="3:26-cv-00412"
    )
    manager = f.manager()
    login_verified(client, manager)
    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert "3:26-cv-00412" in page
    assert reverse("workspace:case_proceeding_add", args=[case.pk]) not in page
