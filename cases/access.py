"""Recording reads in the access log (``cases.models.access.AccessLog``).

``record_access`` is called by every sensitive read path: the person and case pages of the staff UI,
document downloads, exports and API retrieves. It writes one row and nothing personal: ids, the action,
a short label of the page or endpoint, the user, the client address and user agent.
"""

from __future__ import annotations

from django.db import connection

from audit.client_address import client_address
from audit.commit import asynchronous_commit, no_flush_prefix
from cases.models.access import AccessAction, AccessLog
from consulates.policy import partner_of

__all__ = ["AccessAction", "record_access", "client_address"]


_COLUMNS = ("user_id", "partner_id", "action", "person_id", "case_id", "document_id", "what", "ip_address",
            "user_agent")  # fmt: skip
_VALUES = (
    f"INSERT INTO {AccessLog._meta.db_table} (at, {', '.join(_COLUMNS)}) "  # noqa: S608 - fixed names
    f"VALUES (now(), {', '.join(['%s'] * len(_COLUMNS))})"
)
_INSERT = f"{_VALUES} RETURNING id, at"


def record_access(
    request,
    action: str,
    *,
    user=None,
    person_id: int | None = None,
    case_id: int | None = None,
    document_id: int | None = None,
    what: str = "",
) -> AccessLog:
    """One access-log row for one sensitive read. ``user`` defaults to ``request.user``; a partner user's
    partner is recorded too."""
    row = AccessLog(**_row(request, action, user, what), person_id=person_id, case_id=case_id)
    row.document_id = document_id
    # Written on every sensitive read: one hand-written INSERT (decision 0010), in one round trip with
    # its asynchronous commit (audit.commit), the database's clock for ``at``.
    with asynchronous_commit(), connection.cursor() as cursor:
        cursor.execute(_INSERT, [getattr(row, column) for column in _COLUMNS])
        row.pk, row.at = cursor.fetchone()
    return row


def _row(request, action: str, user, what: str) -> dict:
    """The columns of a read's row that come from the request: who, from where, what."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    agent = request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""
    return {
        "user_id": user.pk if user is not None else None,
        "partner_id": partner_of(user) if user is not None else None,
        "action": action,
        "what": what[:120],
        "ip_address": client_address(request),
        "user_agent": agent,
    }


def access_insert(request, action: str, *, what: str, ids_from: str | None = None, **ids) -> tuple[str, list]:
    """The row ``record_access`` writes, as SQL to send in the same round trip as the read it records
    (``api.statements``: before the read's own statement, in its implicit transaction, so a read that
    fails writes nothing). ``ids_from``: a sub-select (SQL with its parameters, ``%s``) whose columns
    ``person_id`` and ``case_id`` are the row's ids; the row is written only when it finds the record,
    as a read of a hidden record (404) writes none. Otherwise ``ids`` are given."""
    values = _row(request, action, None, what)
    fixed = [name for name in _COLUMNS if name not in ("person_id", "case_id", "document_id")]
    columns = ", ".join(fixed)
    if ids_from is None:
        values.update(person_id=ids.get("person_id"), case_id=ids.get("case_id"), document_id=None)
        return no_flush_prefix() + _VALUES, [values[column] for column in _COLUMNS]
    sql = (
        f"INSERT INTO {AccessLog._meta.db_table} (at, {columns}, person_id, case_id) "  # noqa: S608 - fixed names
        f"SELECT now(), {', '.join(['%s'] * len(fixed))}, read.person_id, read.case_id "
        f"FROM ({ids_from}) AS read (person_id, case_id)"
    )
    return no_flush_prefix() + sql, [values[column] for column in fixed]


# Query parameters that never carry personal data and may be recorded with their values; every other
# parameter (a search, a CURP or A-number lookup, free text) is recorded by name only.
SAFE_PARAMETERS = frozenset(
    {
        "status",
        "category",
        "priority",
        "consulate",
        "consulate__id__exact",
        "registered_by",
        "registered_by__id__exact",
        "mine",
        "custody",
        "flags",
        "overdue",
        "direction",
        "done",
        "ordering",
        "o",
        "p",
        "page",
        "limit",
        "offset",
        "start",
        "end",
        "kind",
    }
)


def listing_label(prefix: str, params) -> str:
    """What a list request showed, without personal data: the page, then its filters. Filters whose
    values may be personal (search terms, identifiers) are named but their values are left out."""
    parts = []
    for name in sorted(params.keys()):
        if name in SAFE_PARAMETERS:
            values = ",".join(str(value)[:20] for value in params.getlist(name))
            parts.append(f"{name}={values}")
        else:
            parts.append(name)
    label = f"{prefix} ?{'&'.join(parts)}" if parts else prefix
    return label[:120]
