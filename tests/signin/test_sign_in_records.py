"""django-axes' sign-in records (staff usernames and addresses) are not kept for ever."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone

from config.celery import CONFIG, app
from signin.tasks import purge_sign_in_records

pytestmark = pytest.mark.django_db


def _aged(model, days: int, **fields):
    row = model.objects.create(username="oficial.dallas", ip_address="198.51.100.7", user_agent="x", **fields)
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - dt.timedelta(days=days))
    return row


def test_records_older_than_the_retention_are_purged(settings):
    settings.SIGN_IN_RECORD_RETENTION_DAYS = 30
    old_log, recent_log = _aged(AccessLog, 31), _aged(AccessLog, 29)
    old_failure, recent_failure = (
        _aged(AccessFailureLog, 40, locked_out=False),
        _aged(AccessFailureLog, 1, locked_out=True),
    )
    assert purge_sign_in_records() == 2
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {recent_log.pk}
    assert set(AccessFailureLog.objects.values_list("pk", flat=True)) == {recent_failure.pk}
    assert not AccessLog.objects.filter(pk=old_log.pk).exists()
    assert not AccessFailureLog.objects.filter(pk=old_failure.pk).exists()


def test_the_purge_is_scheduled_and_registered():
    entry = next(e for e in CONFIG["beat_schedule"].values() if e["task"] == "security.purge_sign_in_records")
    assert entry["schedule"] == 3600.0
    assert "security.purge_sign_in_records" in app.tasks
