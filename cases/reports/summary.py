"""Reading the trigger-kept summaries of the open caseload (``cases.models.report_summary``), and
checking them against a fresh aggregate over the base tables.

Which report reads what (the README's reports section says the same):

- ``open_cases``, ``custody_by_facility``: ``OpenCaseload`` alone.
- ``workload``: ``OpenCaseload`` (open cases per officer) and ``OpenTask`` (overdue tasks).
- ``attention``: ``OpenCaseload`` (open and unassigned cases) less the open cases active in the last
  14 days, counted on the partial index ``case_open_activity_idx``, in one statement.
- ``vulnerable_open``: ``VulnerableOpen``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import Count, F, Q, Sum, When

from cases.models import Case, OpenCaseload, OpenPerson, OpenTask, Task, VulnerableOpen
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.models.report_summary import NETWORK
from consulates.access import access_for

OPEN_STATUSES = ["open", "in_progress", "pending_closure"]


def open_caseload(user, consulate_id: int | None):
    """The open-caseload summary rows the user's reports count (``held_for``), in the consulate chosen."""
    rows = OpenCaseload.objects.held_for(user)
    if consulate_id is not None:
        rows = rows.filter(consulate_id=consulate_id)
    return rows


def open_tasks(user, consulate_id: int | None):
    rows = OpenTask.objects.held_for(user)
    if consulate_id is not None:
        rows = rows.filter(consulate_id=consulate_id)
    return rows


def vulnerable_counts(user, consulate_id: int | None) -> dict[str, int]:
    """Persons with open cases (each once) in the scope: in total, with any flag and with each flag."""
    access = access_for(user)
    counts = dict.fromkeys(("total", "any_flag", *VULNERABILITY_FIELDS), 0)
    if not (access.network_wide or access.consulate_bound):
        return counts
    scope = consulate_id if consulate_id is not None else NETWORK
    grouped = (
        VulnerableOpen.objects.filter(consulate_id=scope)
        .values("flags")
        .annotate(persons=Sum("n"))
        .filter(persons__gt=0)
    )
    for row in grouped:
        counts["total"] += row["persons"]
        if row["flags"]:
            counts["any_flag"] += row["persons"]
        for bit, name in enumerate(VULNERABILITY_FIELDS):
            if row["flags"] & (1 << bit):
                counts[name] += row["persons"]
    return counts


# ---------------------------------------------------------------------------------------------------
# The summaries against the base tables (tests, ``manage.py report_summaries --check``).


def _summed(queryset, keys: list[str]) -> dict[tuple, int]:
    rows = queryset.values(*keys).annotate(total=Sum("n")).filter(~Q(total=0))
    return {tuple(row[k] for k in keys): row["total"] for row in rows}


def _counted(queryset, keys: list[str]) -> dict[tuple, int]:
    rows = queryset.values(*keys).annotate(total=Count("*"))
    return {tuple(row[k] for k in keys): row["total"] for row in rows}


def _flags(values: dict) -> int:
    return sum(1 << bit for bit, name in enumerate(VULNERABILITY_FIELDS) if values[name])


def fresh() -> dict[str, dict[tuple, int]]:
    """Every summary's figures, computed now from the base tables."""
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    caseload_keys = ["consulate_id", "status", "category", "priority", "assigned_to_id", "custody_id"]
    caseload = _counted(
        open_cases.annotate(custody_id=DbCase(When(released_on__isnull=True, then=F("facility_id")))),
        caseload_keys,
    )
    tasks = _counted(
        Task.objects.filter(done=False, case__status__in=OPEN_STATUSES).annotate(
            consulate_id=F("case__consulate_id")
        ),
        ["consulate_id", "assignee_id", "due_date"],
    )
    per_consulate = _counted(open_cases, ["person_id", "consulate_id"])
    network = _counted(open_cases, ["person_id"])
    persons = {
        row["pk"]: _flags(row)
        for row in Person.objects.filter(pk__in={key[0] for key in network}).values(
            "pk", *VULNERABILITY_FIELDS
        )
    }
    vulnerable: dict[tuple, int] = {}
    for person_id, consulate_id in per_consulate:
        key = (consulate_id, persons[person_id])
        vulnerable[key] = vulnerable.get(key, 0) + 1
    for (person_id,) in network:
        key = (NETWORK, persons[person_id])
        vulnerable[key] = vulnerable.get(key, 0) + 1
    return {
        "caseload": caseload,
        "tasks": tasks,
        "persons": per_consulate | {(person_id, NETWORK): n for (person_id,), n in network.items()},
        "vulnerable": vulnerable,
    }


def stored() -> dict[str, dict[tuple, int]]:
    """Every summary's figures as the summaries hold them."""
    return {
        "caseload": _summed(
            OpenCaseload.objects.all(),
            ["consulate_id", "status", "category", "priority", "assigned_to_id", "facility_id"],
        ),
        "tasks": _summed(OpenTask.objects.all(), ["consulate_id", "assignee_id", "due_date"]),
        "persons": _summed(OpenPerson.objects.all(), ["person_id", "consulate_id"]),
        "vulnerable": _summed(VulnerableOpen.objects.all(), ["consulate_id", "flags"]),
    }


def drift() -> dict[str, dict[tuple, tuple[int | None, int | None]]]:
    """Where the summaries differ from the base tables: {table: {key: (stored, fresh)}}; empty when exact."""
    held, expected = stored(), fresh()
    differences = {}
    for table in expected:
        keys = set(held[table]) | set(expected[table])
        wrong = {
            key: (held[table].get(key), expected[table].get(key))
            for key in keys
            if held[table].get(key) != expected[table].get(key)
        }
        if wrong:
            differences[table] = wrong
    return differences


def rebuild() -> None:
    """Recompute every summary from the base tables (holds case, task and person writes meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_report_rebuild()")


def compact() -> None:
    """Fold the summaries' delta rows into one row per key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_report_compact()")
