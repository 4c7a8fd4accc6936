"""Retention, export and erasure log nothing personal: every log record of the workflow is scanned."""

from __future__ import annotations

import logging

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse

from cases.services import privacy
from tests import factories as f
from tests.auth import login_verified
from tests.cases.privacy.builders import build_person, close_at

pytestmark = pytest.mark.django_db


def test_no_personal_value_reaches_the_logs(
    client, officer, admin_user, caplog, django_capture_on_commit_callbacks
):
    old = build_person(officer, "Lg4a", given="Eustaquio")
    erased = build_person(officer, "Lg5b", given="Filomena")
    still_open = build_person(officer, "Lg6c", given="Gumersinda", close=False)
    closed_at = old.case.closed_at - relativedelta(years=6)
    close_at(old.case, closed_at)
    reason = "Pidió el borrado por escrito; Filomena Lg5b, CURP " + erased.person.curp

    caplog.set_level(logging.DEBUG)
    caplog.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.retention_run()[0] == 1
    login_verified(client, admin_user)
    assert client.post(reverse("admin:cases_person_export", args=[erased.person.pk])).status_code == 200
    for person in (still_open.person, erased.person):  # refused, then done
        url = reverse("admin:cases_person_erase", args=[person.pk])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"reason": reason, "confirmation": str(person.pk)})
    login_verified(client, f.officer("dallas"))
    assert client.get(reverse("admin:cases_person_export", args=[still_open.person.pk])).status_code == 403
    with time_machine.travel(closed_at + relativedelta(years=7), tick=False):
        privacy.retention_run()

    assert caplog.records, "the workflow logs something (counts and ids)"
    text = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '') or ''}" for r in caplog.records
    ).lower()
    for everything in (old, erased, still_open):
        leaked = [value for value in everything.values if value and value.lower() in text]
        assert leaked == []
    assert "pidió el borrado" not in text
