"""What every report shares: parameters, scoping, local-time expressions, percentiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Aggregate, F, Func, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from consulates.access import access_for
from consulates.models import Consulate

DEFAULT_WEEKS = 12
MAX_RANGE_DAYS = 366 * 3


@dataclass(frozen=True)
class ReportParams:
    """A date range (inclusive, in each consulate's local time) and an optional consulate."""

    start: dt.date
    end: dt.date
    consulate_id: int | None = None

    @classmethod
    def default(cls) -> ReportParams:
        today = timezone.localdate()
        return cls(start=today - dt.timedelta(weeks=DEFAULT_WEEKS), end=today)

    def as_header(self) -> list[tuple[str, str]]:
        consulate = Consulate.objects.filter(pk=self.consulate_id).first() if self.consulate_id else None
        return [
            (_("From"), self.start.isoformat()),
            (_("To"), self.end.isoformat()),
            (_("Consulate"), str(consulate) if consulate else _("All the consulates you may see")),
        ]


@dataclass
class Report:
    """A report's table: ``columns`` are (key, label); ``rows`` are dicts; ``links`` optional per row."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    chart: dict | None = None  # {"type": "bar"|"line", "label": column key, "values": [column keys]}
    note: str = ""
    links: dict = field(default_factory=dict)  # (row index, column key) -> URL of the filtered case list


def scoped_consulate(user, params: ReportParams) -> int | None:
    """Officers and supervisors always see their own consulate; managers the one chosen (or all)."""
    access = access_for(user)
    if access.consulate_bound:
        return access.consulate_id
    return params.consulate_id


def scoped_cases(user, params: ReportParams):
    """The cases a report counts: ``Case.held_for(user)``, in the consulate chosen (if any)."""
    cases = Case.objects.held_for(user)
    consulate_id = scoped_consulate(user, params)
    if consulate_id is not None:
        cases = cases.filter(consulate_id=consulate_id)
    return cases


def scoped_case_filter(user, params: ReportParams, prefix: str = "case__") -> Q:
    """``scoped_cases`` as a condition on rows related to a case (a hearing, a task, a referral), on
    the case's consulate column rather than a sub-query (``held_for`` is a consulate filter)."""
    access = access_for(user)
    if not (access.network_wide or access.consulate_bound):
        return Q(pk__in=[])
    consulate_id = scoped_consulate(user, params)
    return Q(**{f"{prefix}consulate_id": consulate_id}) if consulate_id is not None else Q()


def local_timestamp(path: str, tz_path: str = "consulate__timezone"):
    """``timezone(<consulate tz>, <timestamptz>)``: the wall-clock time at the consulate."""
    return Func(F(tz_path), F(path), function="timezone", output_field=models.DateTimeField())


def local_date(path: str, tz_path: str = "consulate__timezone"):
    return Cast(local_timestamp(path, tz_path), models.DateField())


def local_week(path: str, tz_path: str = "consulate__timezone"):
    """The Monday starting the consulate-local ISO week of ``path``."""
    return Cast(
        Func(
            Value("week"),
            local_timestamp(path, tz_path),
            function="date_trunc",
            output_field=models.DateTimeField(),
        ),
        models.DateField(),
    )


def local_month(path: str, tz_path: str = "consulate__timezone"):
    return Cast(
        Func(
            Value("month"),
            local_timestamp(path, tz_path),
            function="date_trunc",
            output_field=models.DateTimeField(),
        ),
        models.DateField(),
    )


def in_local_range(queryset, path: str, params: ReportParams, tz_path: str = "consulate__timezone"):
    """Rows whose ``path`` falls on a local date within the range. A UTC window one day wider on each
    side lets PostgreSQL use the index on ``path``; the exact per-consulate test follows."""
    lower = dt.datetime.combine(params.start - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    upper = dt.datetime.combine(params.end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    annotated = queryset.filter(**{f"{path}__gte": lower, f"{path}__lt": upper}).alias(
        _local_day=local_date(path, tz_path)
    )
    return annotated.filter(_local_day__gte=params.start, _local_day__lte=params.end)


class Percentile(Aggregate):
    """``percentile_cont(p) WITHIN GROUP (ORDER BY expr)`` (PostgreSQL)."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=float(percentile), **extra)


def epoch_hours(delta_expression):
    return Func(
        delta_expression,
        function="EXTRACT",
        template="EXTRACT(EPOCH FROM %(expressions)s) / 3600.0",
        output_field=models.FloatField(),
    )


def epoch_days(delta_expression):
    return Func(
        delta_expression,
        function="EXTRACT",
        template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0",
        output_field=models.FloatField(),
    )


def rounded(value, places: int = 1):
    return None if value is None else round(value, places)
