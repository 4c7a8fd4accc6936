"""Querysets compiled once and run many times: the API's hottest reads without the ORM's per-request work.

Building a queryset (``visible_to`` and its sub-queries, ``select_related``, ``only``) and compiling it to
SQL costs more than running it: on the case detail, two thirds of the view. A read that runs the same
statement for every request of a caller, only with another id, compiles it once:

* the queryset is built by the view's own code (its ``visible_to``, so the one visibility rule of the
  model still decides), filtered on a placeholder id, and compiled;
* the placeholder must appear exactly once among the parameters, and building and compiling the queryset
  a second time must give the same SQL and parameters (a statement that depends on the moment is refused:
  ``NotReusable``, and the caller keeps the ORM's path);
* the compiled statement is kept per thread (a compiler belongs to its thread's connection), under a key
  that names the read and the caller (the view's ``compiled_caller``: the user's id and their resolved
  access, role, consulate and partner). A change of role or consulate changes the key; nothing else goes
  into a visibility rule.

Each run sends the SQL with the real id in the placeholder's place, and turns the rows into model
instances the way ``QuerySet`` does (Django's converters, ``from_db``, the ``select_related`` populators).
``tests/api/test_statements.py`` holds the instances to what the ORM builds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators

# An id no row has (ids are positive), to find the parameter that stands for the real one; for a key of
# text (a token's), a text no key is; for a list of ids (``= ANY(%s)``, see ``any_of``), a list of its own.
PLACEHOLDER = -7_318_046_529
TEXT_PLACEHOLDER = "\x1fplaceholder\x1f"


def _is_placeholder(value, placeholder) -> bool:
    if isinstance(placeholder, list):
        return value is placeholder
    return type(value) is type(placeholder) and value == placeholder


MAX_ID = 2**63 - 1
# Statements kept per thread (reads x callers x addresses; a worker serves a few dozen users at a time):
# when full, all are dropped and compiled again as they are asked for.
_CACHE_SIZE = 256
_local = threading.local()


class NotReusable(Exception):
    """The queryset cannot be compiled once for every request (see the module's docstring)."""


class Statement:
    """``build(placeholder)`` compiled. With ``placeholder=None`` the statement takes no value: everything
    it depends on is in its key (a list's page: the caller and the address's parameters)."""

    def __init__(self, build: Callable, *, placeholder=PLACEHOLDER):
        queryset = build(placeholder)
        sql, params, compiler = _compile(queryset)
        again, params_again, _unused = _compile(build(placeholder))
        if again != sql or list(params_again) != list(params):
            raise NotReusable("the statement is not the same when built and compiled twice")
        slots = [i for i, value in enumerate(params) if _is_placeholder(value, placeholder)]
        if len(slots) != (0 if placeholder is None else 1):
            raise NotReusable("the placeholder id is not exactly one parameter")
        slots = slots or [None]
        self.db = queryset.db
        self.sql, self.params, self.slot = sql, list(params), slots[0]
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = dict(compiler.annotation_col_map or {})
        self.col_count = compiler.col_count
        # The columns' converters (decrypting, time zones), found once: ``results_iter`` looks them up on
        # every call.
        self.converters = compiler.get_converters([column[0] for column in select[: self.col_count]])

    def bound(self, value=None) -> tuple[str, list]:
        """The SQL and its parameters, ``value`` in the placeholder's place."""
        params = list(self.params)
        if self.slot is not None:
            params[self.slot] = value
        return self.sql, params

    def run(self, value=None, *, before: tuple[str, list] | None = None) -> list:
        """The instances of the rows for ``value`` in the placeholder's place. ``before``: statements (SQL
        and parameters) sent first in the same round trip and implicit transaction, such as the read's
        access-log row: if the read fails, they are undone with it."""
        sql, params = self.bound(value)
        if before is not None:
            sql, params = f"{before[0]}; {sql}", [*before[1], *params]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            while before is not None and cursor.nextset():
                pass  # to the read's own result, the last
            rows = cursor.fetchall()
        if not rows:
            return []
        rows = [row[: self.col_count] for row in rows]
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        instances = []
        for row in rows:
            instance = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotations.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


def _compile(queryset: QuerySet):
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a queryset that cannot have rows: nothing to run
        raise NotReusable("the queryset cannot have rows") from None
    return sql, params, compiler


def statement(name: str, caller, build: Callable, *, placeholder=PLACEHOLDER) -> Statement | None:
    """The compiled statement ``name`` for ``caller`` (a hashable key of everything the queryset depends
    on): ``build(placeholder)`` compiled on first use in this thread. ``None`` when it is not reusable (the
    caller takes the ORM's path). An exception of ``build`` (a refused parameter) reaches the caller and
    nothing is kept."""
    cache = getattr(_local, "statements", None)
    if cache is None:
        cache = _local.statements = {}
    key = (name, caller)
    found = cache.get(key)
    if found is None:
        try:
            found = Statement(build, placeholder=placeholder)
        except NotReusable:
            found = False
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = found
    return found or None


def any_of(column: str, placeholder):
    """``column = ANY(%s)`` with one parameter, a list: a statement for any number of ids (``IN`` writes
    one parameter per id, so each count would be another statement)."""
    return RawSQL(f"{column} = ANY(%s)", [placeholder], output_field=BooleanField())  # noqa: S611 - a column name of ours


def attach(instances: list, relation: str, rows: list, by: str) -> None:
    """``rows`` (each with ``by``, the id of its instance) as each instance's prefetched ``relation``, in
    their order, as ``prefetch_related`` leaves them."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(getattr(row, by), []).append(row)
    for instance in instances:
        loaded = getattr(instance, relation).none()
        loaded._result_cache, loaded._prefetch_done = groups.get(instance.pk, []), True
        cache = getattr(instance, "_prefetched_objects_cache", None)
        if cache is None:
            cache = instance._prefetched_objects_cache = {}
        cache[relation] = loaded


def valid_id(value) -> int | None:
    """An id from an address (``"123"``), or None for anything no row can have."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
