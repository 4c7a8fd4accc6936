"""The hearings and tasks calendar: which days a week or month view shows, and what falls on each.

Everything is read through ``visible_to``. Two scopes: ``mine`` (hearings of the cases assigned to the user
and the tasks assigned to them) and ``consulate`` (everything of one consulate the user sees: their own,
or for network-wide roles the one they chose, or the whole network). A hearing falls on its day where it
is held (the case's consulate's zone); a task is an all-day item on its due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, F, Func, QuerySet, Window
from django.db.models.functions import Cast, RowNumber
from django.utils import formats

from cases.models import Hearing, Task
from cases.models.work import HearingStatus
from cases.zones import hearing_zone_sql
from consulates.policy import reach

WEEK, MONTH = "week", "month"
VIEWS = (WEEK, MONTH)
MINE, CONSULATE = "mine", "consulate"
SCOPES = (MINE, CONSULATE)


@dataclass
class Item:
    """One entry of a day: a hearing (at a time, in its place's zone) or a task (all day)."""

    kind: str  # "hearing" or "task"
    obj: Hearing | Task
    day: dt.date
    starts_at: dt.datetime | None = None
    zone: str | None = None
    url: str = ""  # the case's page (set by the page)

    @property
    def case(self):
        return self.obj.case


@dataclass
class Day:
    date: dt.date
    today: bool
    in_period: bool  # in the month shown (a month grid starts and ends with whole weeks)
    items: list[Item] = field(default_factory=list)
    link: str = ""  # the day's week (set by the page)
    more: int = 0  # entries beyond those the page lists (set by the page)
    total: int = 0  # entries the day holds in all


@dataclass
class Period:
    view: str
    anchor: dt.date  # the day the view was asked for
    start: dt.date  # first day shown
    end: dt.date  # day after the last one shown
    weeks: list[list[Day]]

    @property
    def days(self) -> list[Day]:
        return [day for week in self.weeks for day in week]

    @property
    def weekdays(self) -> list[dt.date]:
        """The dates of the first week, for the grid's column headers (Monday first in Spanish)."""
        return [day.date for day in self.weeks[0]]

    @property
    def previous(self) -> dt.date:
        if self.view == WEEK:
            return self.anchor - dt.timedelta(days=7)
        first = self.anchor.replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        if self.view == WEEK:
            return self.anchor + dt.timedelta(days=7)
        return (self.anchor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    @property
    def count(self) -> int:
        return sum(len(day.items) for day in self.days if day.in_period)


def first_weekday() -> int:
    """The first day of the week in the active language, as Python numbers them (Monday 0): Monday in
    Spanish, Sunday in English (Django's ``FIRST_DAY_OF_WEEK`` counts from Sunday)."""
    return (int(formats.get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - first_weekday()) % 7)


def bounds(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, day after the last) of the view: a week, or the whole weeks that hold the month."""
    if view == WEEK:
        start = week_start(anchor)
        return start, start + dt.timedelta(days=7)
    first = anchor.replace(day=1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return week_start(first), week_start(last) + dt.timedelta(days=7)


def scoped(user, scope: str, consulate_id: int | None = None) -> tuple[QuerySet, QuerySet]:
    """The hearings and the tasks of ``scope`` that ``user`` sees (any date, any state)."""
    hearings, tasks = Hearing.objects.visible_to(user), Task.objects.visible_to(user)
    if scope == MINE:
        return hearings.filter(case__assigned_to=user), tasks.filter(assignee=user)
    # One consulate's (or, for network-wide roles who chose none, the network's): a case another
    # consulate merely offers by a pending transfer is not on this consulate's calendar.
    where = reach(user).narrowed(consulate_id).q("case__consulate_id")
    return hearings.filter(where), tasks.filter(where)


def _local_day():
    """A hearing's day where it is held: its start in its court's zone (else the place of custody's, else
    the consulate's; ``cases.zones``), as a date (SQL)."""
    held = Func(
        hearing_zone_sql(),
        F("starts_at"),
        function="timezone",
        output_field=models.DateTimeField(),
    )
    return Cast(held, models.DateField())


def _first_per_day(rows: QuerySet, day: str, order: list, per_day: int | None) -> QuerySet:
    """At most ``per_day`` rows of each day (in ``order``), chosen by the database: a network-wide month
    holds tens of thousands of entries, of which a page shows a few a day."""
    if per_day is None:
        return rows
    if per_day == 0:
        return rows.none()
    rank = Window(RowNumber(), partition_by=[F(day)], order_by=order)
    return rows.annotate(rank_in_day=rank).filter(rank_in_day__lte=per_day)


def _per_day(rows: QuerySet, day: str) -> dict[dt.date, int]:
    return dict(rows.order_by().values(day).annotate(n=Count("pk")).values_list(day, "n"))


def hearings_between(
    hearings: QuerySet,
    start: dt.date,
    end: dt.date,
    *,
    statuses=(HearingStatus.SCHEDULED,),
    per_day: int | None = None,
) -> tuple[list[Item], dict[dt.date, int]]:
    """The hearings held on a day in [start, end) where they are held (at most ``per_day`` a day, by
    time), and how many each day holds in all. The range is first cut a day wider on each side in UTC
    (zones here are a few hours from it), so the starts index does the work."""
    since = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = (
        hearings.filter(status__in=statuses, starts_at__gte=since, starts_at__lt=until)
        .annotate(local_day=_local_day())
        .filter(local_day__gte=start, local_day__lt=end)
    )
    counts = _per_day(rows, "local_day")
    rows = _first_per_day(rows, "local_day", [F("starts_at").asc(), F("pk").asc()], per_day)
    rows = rows.select_related(
        "court", "case__consulate", "case__facility__county__consulate", "case__person", "case__assigned_to"
    ).order_by("starts_at", "pk")
    items = [
        Item(
            "hearing",
            hearing,
            hearing.local_day,
            starts_at=hearing.starts_at,
            zone=hearing.zone_name,
        )
        for hearing in rows
    ]
    return items, counts


def tasks_between(
    tasks: QuerySet, start: dt.date, end: dt.date, *, per_day: int | None = None
) -> tuple[list[Item], dict[dt.date, int]]:
    """The open tasks due on a day in [start, end) (at most ``per_day`` a day), and how many each day
    holds in all."""
    rows = tasks.filter(done=False, due_date__gte=start, due_date__lt=end)
    counts = _per_day(rows, "due_date")
    rows = _first_per_day(rows, "due_date", [F("pk").asc()], per_day)
    rows = rows.select_related("case", "assignee").order_by("due_date", "pk")
    return [Item("task", task, task.due_date) for task in rows], counts


def period(
    user,
    *,
    view: str,
    anchor: dt.date,
    today: dt.date,
    scope: str,
    consulate_id=None,
    per_day: int | None = None,
) -> Period:
    """The days of the view around ``anchor``, each with its hearings (by time) then its tasks (at most
    ``per_day`` of each) and how many it holds in all."""
    start, end = bounds(view, anchor)
    hearings, tasks = scoped(user, scope, consulate_id)
    hearing_items, hearing_counts = hearings_between(hearings, start, end, per_day=per_day)
    task_items, task_counts = tasks_between(tasks, start, end, per_day=per_day)
    by_day: dict[dt.date, list[Item]] = {}
    for item in [*hearing_items, *task_items]:
        by_day.setdefault(item.day, []).append(item)
    weeks, day = [], start
    while day < end:
        week = []
        for _ in range(7):
            in_period = view == WEEK or day.month == anchor.month
            entry = Day(day, day == today, in_period, by_day.get(day, []))
            entry.total = hearing_counts.get(day, 0) + task_counts.get(day, 0)
            week.append(entry)
            day += dt.timedelta(days=1)
        weeks.append(week)
    return Period(view=view, anchor=anchor, start=start, end=end, weeks=weeks)
