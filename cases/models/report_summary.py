"""Exact summaries of the open caseload, kept by PostgreSQL triggers (``cases.reports.summary_sql``).

Nothing in Python writes these tables. Statement-level triggers on ``cases_case``, ``cases_task`` and
``cases_person`` (with transition tables, so a bulk ``update()`` or a COPY costs one aggregate per
statement, not one per row) add signed counts in the same transaction as the write, so the figures
are right the moment it commits. Three of the tables hold *deltas*: rows are only ever inserted, and
a figure is the ``SUM(n)`` of its key's rows; ``cases_report_compact()`` (the ``reports.compact``
beat task) folds them together from time to time. Insert-only rows mean concurrent case writes never
wait for each other, nor deadlock, on a shared counter row.

``cases_report_rebuild()`` recomputes every table from the base tables (``seed_demo``'s bulk mode,
``manage.py report_summaries --rebuild``); ``drift()`` in
``cases.reports.summary`` compares them with a fresh aggregate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from consulates.policy import ScopedQuerySet

NETWORK = 0  # ``consulate_id`` of the network-wide rows of the person tables


def _reference(to: str, **options):
    """A column naming a row elsewhere, joinable by the ORM, without a foreign-key constraint (the
    triggers write these rows inside the base tables' own statements; a constraint would add a
    lookup and a lock per row for nothing)."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", **options
    )


class OpenCaseload(models.Model):
    """Delta rows: open cases (status open, in progress, pending closure) per consulate, status,
    category, priority, assigned officer and custody facility (the facility of a case in custody:
    a facility and no release date; else null)."""

    consulate = _reference("consulates.Consulate")
    status = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    priority = models.CharField(max_length=10)
    assigned_to = _reference(settings.AUTH_USER_MODEL, null=True)
    facility = _reference("consulates.DetentionFacility", null=True)
    n = models.IntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "cases_report_open_caseload"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.status}/{self.category}/{self.priority}: {self.n:+d}"


class OpenTask(models.Model):
    """Delta rows: tasks not done, of open cases, per consulate, assignee and due date."""

    consulate = _reference("consulates.Consulate")
    assignee = _reference(settings.AUTH_USER_MODEL, null=True)
    due_date = models.DateField(null=True)
    n = models.IntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "cases_report_open_task"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.assignee_id}/{self.due_date}: {self.n:+d}"


class OpenPerson(models.Model):
    """How many open cases a person has at a consulate (``consulate_id`` 0: in the whole network).
    Rows exist only while the count is positive; the triggers need them to see a person's first
    open case come and last one go. Upserted, so a person's row is locked by the writing
    transaction until it commits."""

    pk = models.CompositePrimaryKey("person_id", "consulate_id")
    person_id = models.BigIntegerField()
    consulate_id = models.BigIntegerField()
    n = models.IntegerField()

    class Meta:
        db_table = "cases_report_open_person"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.person_id}@{self.consulate_id}: {self.n}"


class VulnerableOpen(models.Model):
    """Delta rows: persons with at least one open case, per consulate (0: network-wide, each person
    once) and combination of vulnerability flags (bit ``i`` is ``VULNERABILITY_FIELDS[i]``)."""

    consulate_id = models.BigIntegerField()
    flags = models.SmallIntegerField()
    n = models.IntegerField()

    class Meta:
        db_table = "cases_report_vulnerable_open"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.flags:07b}: {self.n:+d}"


class ScheduledHearings(models.Model):
    """Delta rows: scheduled hearings per consulate (of their case) and hour (UTC) of their start, for
    the upcoming-hearings report. Hours wholly inside a window come from here; the few hearings in
    the window's partial first and last hours from ``cases_hearing`` itself."""

    consulate = _reference("consulates.Consulate")
    hour = models.DateTimeField()
    n = models.IntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "cases_report_scheduled_hearings"
        default_permissions = ()
        indexes = [models.Index(fields=["hour"], name="report_hearings_hour_idx")]

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.hour:%Y-%m-%d %H}: {self.n:+d}"


class DailyFlow(models.Model):
    """Delta rows: cases opened, and cases closed (status closed, by ``closed_at``; with their outcome
    and reception point), per consulate and local day (the consulate's own time zone), for the
    weekly flow, the closed cases by outcome and the repatriations."""

    consulate = _reference("consulates.Consulate")
    day = models.DateField()
    kind = models.CharField(max_length=6)  # "opened" or "closed"
    outcome = models.CharField(max_length=20, default="")  # closed only
    reception_point = _reference("consulates.ReceptionPoint", null=True)  # closed only
    n = models.IntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "cases_report_daily_flow"
        default_permissions = ()
        indexes = [models.Index(fields=["day"], name="report_flow_day_idx")]

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.day}/{self.kind}: {self.n:+d}"
