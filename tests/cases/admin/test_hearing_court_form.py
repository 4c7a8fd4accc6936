"""The case page's hearing rows in the staff UI (cases/admin/case_forms.py ``HearingForm``): the time is
typed and shown on the court's clock whatever the page's zone (issue 20, error 2)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import RequestFactory
from django.utils import timezone

from cases.admin.case_forms import HearingForm
from cases.models import Hearing
from consulates.models import ImmigrationCourt
from tests import factories as f

pytestmark = pytest.mark.django_db

CENTRAL, MOUNTAIN = zoneinfo.ZoneInfo("America/Chicago"), zoneinfo.ZoneInfo("America/Denver")


def form_class(user):
    request = RequestFactory().post("/")
    request.user = user
    return type("Form", (HearingForm,), {"request": request})


def test_the_time_typed_in_an_albuquerque_page_is_the_lubbock_courts():
    officer = f.officer("albuquerque")
    case = f.make_case(officer)
    court = ImmigrationCourt.objects.get(name="Northern District of Texas, Lubbock Division")
    data = {"kind": "criminal", "court": court.pk, "starts_at": "2027-02-03 10:00", "location": ""}
    with timezone.override(MOUNTAIN):  # the page is in Albuquerque's zone
        form = form_class(officer)(data=data, instance=Hearing(case_id=case.pk))
        assert form.is_valid(), form.errors
    hearing = Hearing.objects.get(case=case)
    assert (hearing.court, hearing.location) == (court, court.name)
    assert hearing.starts_at == dt.datetime(2027, 2, 3, 10, 0, tzinfo=CENTRAL)

    with timezone.override(MOUNTAIN):
        shown = form_class(officer)(instance=hearing)
        assert "10:00:00" in str(shown["starts_at"])  # not 09:00, the time in Albuquerque
        unchanged = {**data, "starts_at": "2027-02-03 10:00", "location": court.name}
        assert not form_class(officer)(data=unchanged, instance=hearing).has_changed()
