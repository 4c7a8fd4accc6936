"""Read-only output without DRF's per-field machinery, for the serializers of the big lists.

DRF's ``Serializer.to_representation`` walks every field of every row through ``get_attribute`` (a
generic path of attribute lookups, callables and ``PKOnlyObject`` wrappers) and a chain of isinstance
checks: on a page of 50 cases with a nested person and user that was two thirds of the request. A
serializer with ``FastOutputMixin`` compiles, once per serializer class, one small function per
field for the common field types (model attributes, choices, dates and times, primary keys of related
rows, nested serializers, method fields) and keeps DRF's own path for any other field. The output is
the same, value for value (``tests/api/test_fast_output.py`` compares both on every case of a world).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar

from django.utils import timezone
from rest_framework import fields, relations

_PLAIN = (
    fields.CharField,
    fields.ChoiceField,
    fields.IntegerField,
    fields.BooleanField,
    fields.ReadOnlyField,
)


# The active time zone, read once per top-level row instead of once per time written (Django keeps it in an
# asgiref Local, whose every read costs several Python calls: a quarter of a page's output).
_ZONE: ContextVar = ContextVar("fast_output_zone", default=None)


def _time(value: dt.datetime):
    if value.tzinfo is not None:  # aware (every time the database returns is)
        value = value.astimezone(_ZONE.get() or timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _compile(field: fields.Field) -> Callable | None:
    """A function (serializer, instance) -> output for ``field`` (bound to a prototype serializer of its
    class), or None to keep DRF's path."""
    if type(field) is fields.SerializerMethodField:
        method_name = field.method_name
        return lambda serializer, instance: getattr(serializer, method_name)(instance)
    if not field.source_attrs or field.source == "*":
        return None
    if len(field.source_attrs) > 1:  # a dotted source (``consulate.code``) of a plain field
        if type(field) not in (
            fields.CharField,
            fields.IntegerField,
            fields.ReadOnlyField,
            fields.ChoiceField,
        ):
            return None
        path, convert = field.source_attrs, (str if type(field) is fields.CharField else None)

        def dotted(serializer, instance):
            value = instance
            for attribute in path:
                value = getattr(value, attribute)
                if value is None:
                    return None
            return convert(value) if convert else value

        return dotted
    name = field.source_attrs[0]
    if isinstance(field, FastOutputMixin) and not getattr(field, "many", False):
        child = type(field)  # a nested serializer: its own class plan, on a context-free prototype
        prototype = child()

        def nested(serializer, instance):
            value = getattr(instance, name)
            return None if value is None else prototype.to_representation(value)

        return nested
    if isinstance(field, relations.PrimaryKeyRelatedField) and not field.pk_field:
        attname = f"{name}_id"
        return lambda serializer, instance: getattr(instance, attname)
    if isinstance(field, fields.DateTimeField) and getattr(field, "format", fields.empty) is fields.empty:
        if getattr(field, "timezone", None) is not None:
            return None

        def moment(serializer, instance):
            value = getattr(instance, name)
            return None if value is None else _time(value)

        return moment
    if type(field) is fields.DateField and getattr(field, "format", fields.empty) is fields.empty:

        def day(serializer, instance):
            value = getattr(instance, name)
            return None if value is None else value.isoformat()

        return day
    if type(field) in (fields.IntegerField, fields.BooleanField, fields.ReadOnlyField, fields.ChoiceField):
        return lambda serializer, instance: getattr(instance, name)
    if type(field) is fields.CharField:

        def text(serializer, instance):
            value = getattr(instance, name)
            return None if value is None else str(value)

        return text
    if type(field) is fields.FloatField:

        def number(serializer, instance):
            value = getattr(instance, name)
            return None if value is None else float(value)

        return number
    return None


class FastOutputMixin:
    """Mix into a read-only serializer (before the DRF class) to write its output with compiled fields.

    The plan is built once per class, from a prototype instance without context: method fields run on the
    serializer at hand; every other field, on DRF's path or compiled, must not depend on the context
    (hyperlinked fields, for one, would need the request: none of the API's serializers has them)."""

    @classmethod
    def _output_plan(cls) -> list[tuple[str, Callable]]:
        plan = cls.__dict__.get("_compiled_plan")
        if plan is None:
            plan = []
            for field in cls()._readable_fields:
                getter = _compile(field)
                if getter is None:

                    def getter(serializer, instance, bound=field):
                        value = bound.get_attribute(instance)
                        if value is None:
                            return None
                        check = value.pk if isinstance(value, relations.PKOnlyObject) else value
                        return None if check is None else bound.to_representation(value)

                plan.append((field.field_name, getter))
            cls._compiled_plan = plan
        return plan

    def to_representation(self, instance):
        if _ZONE.get() is None:  # the top-level row: nested rows and their times use the zone read here
            token = _ZONE.set(timezone.get_current_timezone())
            try:
                return self._write(instance)
            finally:
                _ZONE.reset(token)
        return self._write(instance)

    def _write(self, instance):
        output = {}
        for name, getter in self._output_plan():
            try:
                output[name] = getter(self, instance)
            except fields.SkipField:
                continue
        return output
