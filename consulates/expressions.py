"""SQL shapes the visibility rules need that Django's lookups do not write."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func


class InArray(Func):
    """``column = ANY(ARRAY(subquery))``: the same rows as ``column IN (subquery)``, but the array is read
    once, before the plan runs, so ``a = x OR column = ANY(...)`` can use both indexes (a bitmap OR). With
    ``IN``, PostgreSQL tests every row of the other condition's scan against a hashed sub-plan: an
    officer's list read every open case of the network to find their consulate's."""

    arity = 2
    output_field = BooleanField()

    def __init__(self, column: str, queryset, **extra):
        super().__init__(F(column), ArraySubquery(queryset), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        array, array_params = compiler.compile(self.source_expressions[1])
        return f"{column} = ANY({array})", (*column_params, *array_params)
