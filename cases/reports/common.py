"""What every report shares: parameters, scoping, local-time expressions, percentiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Aggregate, F, Func, Q
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.models import Case, Operation
from consulates.models import Consulate
from consulates.policy import reach

DEFAULT_WEEKS = 12
MAX_RANGE_DAYS = 366 * 3


@dataclass(frozen=True)
class ReportParams:
    """A date range (inclusive, in each consulate's local time), an optional consulate and an optional
    enforcement operation (the reports then count only that operation's cases)."""

    start: dt.date
    end: dt.date
    consulate_id: int | None = None
    operation_id: int | None = None

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
            (
                _("Operation"),
                operation_label(self.operation_id) if self.operation_id else _("All operations"),
            ),
        ]


def operation_title(operation: Operation) -> str:
    """An operation as a reader names it: its name, its date in words and its consulate's city."""
    return _("%(name)s (%(date)s, %(city)s)") % {
        "name": operation.name,
        "date": formats.date_format(operation.date, "DATE_FORMAT"),
        "city": operation.consulate.city,
    }


def operation_label(operation_id: int) -> str:
    operation = Operation.objects.select_related("consulate").filter(pk=operation_id).first()
    return operation_title(operation) if operation else ""


def not_for_operations(params: ReportParams, note: str, reason: str) -> str:
    """The note of a report about things that are not cases of an operation: when an operation is
    chosen, ``reason`` (in words: the filter does not apply, and why) follows the note."""
    return note if params.operation_id is None else f"{note} {reason}"


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
    return reach(user).narrowed(params.consulate_id).consulate_id


def scoped_cases(user, params: ReportParams):
    """The cases a report counts: ``Case.held_for(user)``, in the consulate chosen (if any), of the
    operation chosen (if any)."""
    cases = Case.objects.held_for(user)
    consulate_id = scoped_consulate(user, params)
    if consulate_id is not None:
        cases = cases.filter(consulate_id=consulate_id)
    if params.operation_id is not None:
        cases = cases.filter(operation_id=params.operation_id)
    return cases


def scope_sql(user, params: ReportParams, *columns: str) -> tuple[str, list]:
    """``scoped_cases`` (the same rule: ``held_for`` is the policy's ``reach``) as an SQL condition for
    the reports written in SQL: any of ``columns`` (consulate ids) equal to the consulate the report keeps
    to, nothing for a user who may see no case, everything for a network-wide user choosing no consulate."""
    scope = reach(user).narrowed(params.consulate_id)
    if not scope.any:
        return "FALSE", []
    consulate_id = scope.consulate_id
    if consulate_id is None:
        return "TRUE", []
    return "(" + " OR ".join(f"{column} = %s" for column in columns) + ")", [consulate_id] * len(columns)


def operation_sql(params: ReportParams, case_column: str) -> tuple[str, list]:
    """For the reports written in SQL: ``case_column`` (a case id) one of the chosen operation's cases,
    or nothing to add when no operation is chosen."""
    if params.operation_id is None:
        return "TRUE", []
    # ``case_column`` is one of the reports' own column names, never input.
    condition = f"{case_column} IN (SELECT id FROM cases_case WHERE operation_id = %s)"  # noqa: S608
    return condition, [params.operation_id]


def local_timestamp(path: str, tz_path: str = "consulate__timezone"):
    """``timezone(<consulate tz>, <timestamptz>)``: the wall-clock time at the consulate."""
    return Func(F(tz_path), F(path), function="timezone", output_field=models.DateTimeField())


def local_date(path: str, tz_path: str = "consulate__timezone"):
    return Cast(local_timestamp(path, tz_path), models.DateField())


def local_range_bounds(params: ReportParams) -> dict[str, dt.date | dt.datetime]:
    """The UTC instants around a range of consulate-local dates (offsets are within ±24 h): ``lower`` and
    ``upper`` enclose every instant that may fall in the range somewhere; every instant from
    ``inner_lower`` to before ``inner_upper`` falls in it everywhere."""

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)

    return {
        "lower": utc(params.start - dt.timedelta(days=1)),
        "upper": utc(params.end + dt.timedelta(days=2)),
        "inner_lower": utc(params.start + dt.timedelta(days=1)),
        "inner_upper": utc(params.end),
        "start": params.start,
        "end": params.end,
    }


def in_local_range(queryset, path: str, params: ReportParams, tz_path: str = "consulate__timezone"):
    """Rows whose ``path`` falls on a local date within the range. A UTC window one day wider on each
    side lets PostgreSQL use the index on ``path``; inside it, the per-consulate local date is computed
    only for instants within a day of either end (``timezone()`` on every row of a year cost ~50 ms)."""
    b = local_range_bounds(params)
    annotated = queryset.filter(**{f"{path}__gte": b["lower"], f"{path}__lt": b["upper"]}).alias(
        _local_day=local_date(path, tz_path)
    )
    return annotated.filter(
        Q(**{f"{path}__gte": b["inner_lower"], f"{path}__lt": b["inner_upper"]})
        | Q(_local_day__gte=params.start, _local_day__lte=params.end)
    )


def sql_rows(sql: str, params: list) -> list[dict]:
    """Rows of a report written in SQL, as dicts by column name. For the small reports whose query runs
    in well under a millisecond, where building the same query through the ORM cost twice as long."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Percentile(Aggregate):
    """``percentile_cont(p) WITHIN GROUP (ORDER BY expr)`` (PostgreSQL)."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=float(percentile), **extra)


# ``date_part`` gives double precision; ``EXTRACT`` gives numeric (PostgreSQL 14+), which the
# percentiles then sort and interpolate at several times the cost.
def epoch_hours(delta_expression):
    return Func(
        delta_expression,
        function="date_part",
        template="date_part('epoch', %(expressions)s) / 3600.0",
        output_field=models.FloatField(),
    )


def epoch_days(delta_expression):
    return Func(
        delta_expression,
        function="date_part",
        template="date_part('epoch', %(expressions)s) / 86400.0",
        output_field=models.FloatField(),
    )


def rounded(value, places: int = 1):
    return None if value is None else round(value, places)
