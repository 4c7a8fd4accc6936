"""The audit trail's time-only pages, at any size of history.

pghistory's aggregate events view (``MiddlewareEvents``) is a UNION ALL over every history table, each
branch computing every row's data (``row_to_json``) and its diff against the object's previous event
before the page is sorted and cut. Filters on a person, case, user or record reach into the branches
and keep that to a few rows, but a page of "the latest events" (the default last day, or a date range)
made PostgreSQL compute all the events in range: 80 s for the 5 million history rows a bulk load wrote
in one day.

For such a page (no filter but the dates, the history table or record type, and the event's label; newest
first), each branch here keeps only its own newest
``offset + page size + 1`` events in range, of that label if one is chosen (``ORDER BY pgh_created_at
DESC LIMIT n``, read from the table's ``pgh_created_at`` index, ``cases.history.index_event_times``)
before any JSON or diff is computed: the newest events across the tables are always among them. (A diff compares an event with the row's previous event
of any label, looked up by its own subquery, so choosing the label inside a branch changes no diff.) The page's count is then a lower bound that still shows whether there is a next
page; every page asked for computes its own rows exactly.
"""

from __future__ import annotations

import datetime as dt
import re

from pghistory.models import EventsQuery, EventsQueryCompiler

# pghistory's branch ends with this ordering; if a new release writes it otherwise, the page falls back to
# the unwindowed query (correct, slower) and the test on this module fails.
_BRANCH_ORDER = "ORDER BY _event.pgh_id\n"


def _timestamp(value: dt.datetime) -> str:
    return f"'{value.isoformat()}'::timestamptz"  # a datetime we computed, never text from the request


# A label is one of the trackers' own (``known_labels``), never free text; checked again where it is used.
_LABEL = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


def known_labels() -> set[str]:
    """The labels pghistory's trackers write (the choices of the audit trail's label filter)."""
    from pghistory import core

    return {tracker.label for model in core.event_models() for tracker in model.pgh_trackers or []}


class WindowedEventsCompiler(EventsQueryCompiler):
    def _get_where_clause(self, event_model):
        clause = super()._get_where_clause(event_model)
        since, until, _limit, label = self.query.branch_window
        conditions = []
        if label is not None:
            if not _LABEL.fullmatch(label):
                raise ValueError("not a tracker's label")
            conditions.append(f"_event.pgh_label = '{label}'")
        if since is not None:
            conditions.append(f"_event.pgh_created_at >= {_timestamp(since)}")
        if until is not None:
            conditions.append(f"_event.pgh_created_at < {_timestamp(until)}")
        if not conditions:
            return clause
        window = " AND ".join(conditions)
        if clause:
            return f"WHERE ({clause.removeprefix('WHERE ')}) AND {window}"
        return f"WHERE {window}"

    def _get_select(self, event_model):
        sql = super()._get_select(event_model)
        limit = int(self.query.branch_window[2])
        return sql.replace(
            _BRANCH_ORDER, f"ORDER BY _event.pgh_created_at DESC, _event.pgh_id DESC LIMIT {limit}\n"
        )


class WindowedEventsQuery(EventsQuery):
    branch_window: tuple[dt.datetime | None, dt.datetime | None, int, str | None] = (None, None, 0, None)

    def get_compiler(self, *args, **kwargs):
        compiler = super().get_compiler(*args, **kwargs)
        compiler.__class__ = WindowedEventsCompiler
        return compiler


def branch_windowed(queryset, *, since, until, rows: int, label: str | None = None):
    """``queryset`` (pghistory events) with each table's branch kept to its newest ``rows`` events between
    ``since`` and ``until`` (of ``label``, one of ``known_labels()``, if given). Only for a page ordered
    newest first with no other filter than those and the choice of tables (``across``)."""
    if label is not None and label not in known_labels():
        raise ValueError("not a tracker's label")
    windowed = queryset._chain()
    windowed.query.__class__ = WindowedEventsQuery
    windowed.query.branch_window = (since, until, rows, label)
    return windowed
