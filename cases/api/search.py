"""Searches by name or identifier travel in a POST body, never in the address.

A query string is kept by reverse-proxy access logs, browser history and ``Referer`` headers, so the
lists' ``GET`` refuses ``search``, ``curp`` and ``a_number`` (400 naming the POST route) and
``POST …/search/`` takes them, with every other filter of the list, in its JSON body. The search reads
through the same ``visible_to`` queryset, serializer and access-log row as the list; it creates
nothing, so ``Idempotency-Key`` does not apply to it (``IdempotentPostMixin.read_only_post_actions``)
and it counts against the same rate limits as every call.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.pagination import MAX_OFFSET, LimitOffset
from api.parsers import JSONParser
from cases.access import AccessAction, listing_label, record_access

# Filters whose values are names or identifiers: accepted only by POST …/search/.
PERSONAL_FILTERS = ("search", "curp", "a_number")


class PageSerializer(serializers.Serializer):
    """``limit``/``offset`` of a search body, bounded like the lists' query parameters."""

    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=LimitOffset.max_limit, default=LimitOffset.default_limit
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET, default=0)


def search_results_serializer(name: str, item: serializers.Serializer) -> type[serializers.Serializer]:
    """The answer of a search: ``{"count", "limit", "offset", "results"}`` with the list's items."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "offset": serializers.IntegerField(),
            "results": item(many=True),
            "__module__": __name__,
        },
    )


def _as_filter_value(value) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def filter_data(values: dict) -> QueryDict:
    """Validated body values as the query data a FilterSet reads (lists as repeated values)."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if value is None:
            continue
        if name == "ordering":
            data[name] = ",".join(value)  # django-filter's OrderingFilter takes a comma-separated list
        elif isinstance(value, list | tuple):
            data.setlist(name, [_as_filter_value(item) for item in value])
        else:
            data[name] = _as_filter_value(value)
    return data


class PostedSearchMixin:
    """Mix into a list viewset before ``AccessLoggedViewSetMixin``. ``search_serializer_class`` is the
    body (the filters plus ``limit``/``offset``); ``search_filterset_class`` the FilterSet that applies
    them (the list's, plus the personal filters)."""

    search_serializer_class: type[serializers.Serializer]
    search_filterset_class = None
    read_only_post_actions = frozenset({"search"})

    def list(self, request, *args, **kwargs):
        refused = [name for name in PERSONAL_FILTERS if name in request.query_params]
        if refused:
            where = reverse(f"v1:{self.basename}-search", kwargs={"version": "v1"})
            message = _(
                "Identifiers and names are searched with POST %(path)s, so that they never appear in "
                "addresses."
            ) % {"path": where}
            raise ValidationError({name: [message] for name in refused})
        return super().list(request, *args, **kwargs)

    @action(
        detail=False,
        methods=["post"],
        filterset_class=None,
        pagination_class=None,
        parser_classes=[JSONParser],
    )
    def search(self, request, *args, **kwargs):
        body = self.search_serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        page = {"limit": values.pop("limit"), "offset": values.pop("offset")}
        limit, offset = page["limit"], page["offset"]
        data = filter_data(values)
        filterset = self.search_filterset_class(data=data, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = filterset.qs
        count = queryset.count()
        rows = list(queryset[offset : offset + limit]) if count > offset else []
        results = self.get_serializer(rows, many=True).data
        # The same row as the list with these filters as its query string: names, not values.
        logged = data.copy()
        for name, value in page.items():
            if name in request.data:
                logged[name] = str(value)
        record_access(
            request, AccessAction.LIST, what=listing_label(f"api: {self.access_label} list", logged)
        )
        return Response({"count": count, "limit": limit, "offset": offset, "results": results})
