"""Read-only output without DRF's per-field machinery, for the serializers of the big lists.

DRF's ``Serializer.to_representation`` walks every field of every row through ``get_attribute`` (a
generic path of attribute lookups, callables and ``PKOnlyObject`` wrappers) and a chain of isinstance
checks: on a page of 50 cases with a nested person and user that was two thirds of the request. A
serializer with ``FastOutputMixin`` compiles, once per serializer instance, one small function per
field for the common field types (model attributes, choices, dates and times, primary keys of related
rows, nested serializers, method fields) and keeps DRF's own path for any other field. The output is
the same, value for value (``tests/api/test_fast_output.py`` compares both on every case of a world).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from rest_framework import fields, relations, serializers

_PLAIN = (
    fields.CharField,
    fields.ChoiceField,
    fields.IntegerField,
    fields.BooleanField,
    fields.ReadOnlyField,
)


def _time(value: dt.datetime):
    if timezone.is_aware(value):
        value = value.astimezone(timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _compile(field: fields.Field) -> Callable | None:
    """A function instance -> output for ``field``, or None to keep DRF's path."""
    if type(field) is fields.SerializerMethodField:
        method = getattr(field.parent, field.method_name)
        return method
    if len(field.source_attrs) != 1 or field.source == "*":
        return None
    name = field.source_attrs[0]
    if isinstance(field, serializers.BaseSerializer) and isinstance(field, FastOutputMixin):

        def nested(instance, name=name, child=field):
            value = getattr(instance, name)
            return None if value is None else child.to_representation(value)

        return nested
    if isinstance(field, relations.PrimaryKeyRelatedField) and not field.pk_field:
        attname = f"{name}_id"
        return lambda instance: getattr(instance, attname)
    if type(field) in (fields.DateTimeField,) or type(field).__name__ == "DateTimeField":
        if getattr(field, "format", fields.empty) not in (fields.empty, None) and field.format != "iso-8601":
            return None

        def moment(instance, name=name):
            value = getattr(instance, name)
            return None if value is None else _time(value)

        return moment
    if type(field) is fields.DateField and getattr(field, "format", fields.empty) in (
        fields.empty,
        "iso-8601",
    ):

        def day(instance, name=name):
            value = getattr(instance, name)
            return None if value is None else value.isoformat()

        return day
    if type(field) in (fields.IntegerField, fields.BooleanField, fields.ReadOnlyField, fields.ChoiceField):
        return lambda instance: getattr(instance, name)
    if type(field) is fields.CharField:

        def text(instance, name=name):
            value = getattr(instance, name)
            return None if value is None else str(value)

        return text
    if type(field) is fields.FloatField:

        def number(instance, name=name):
            value = getattr(instance, name)
            return None if value is None else float(value)

        return number
    return None


class FastOutputMixin:
    """Mix into a read-only serializer (before the DRF class) to write its output with compiled fields."""

    def _output_plan(self) -> list[tuple[str, Callable]]:
        plan = getattr(self, "_compiled_plan", None)
        if plan is None:
            plan = []
            for field in self._readable_fields:
                getter = _compile(field)
                if getter is None:

                    def getter(instance, field=field):
                        value = field.get_attribute(instance)
                        if value is None:
                            return None
                        check = value.pk if isinstance(value, relations.PKOnlyObject) else value
                        return None if check is None else field.to_representation(value)

                plan.append((field.field_name, getter))
            self._compiled_plan = plan
        return plan

    def to_representation(self, instance):
        output = {}
        for name, getter in self._output_plan():
            try:
                output[name] = getter(instance)
            except fields.SkipField:
                continue
        return output
