"""Paging: limit/offset with a hard maximum; cursor paging for timelines that grow while read.

A ``limit`` or ``offset`` the rule refuses (letters, a negative number, past the maximum) answers 400
with a field error that names the rule, rather than being quietly replaced by the default: a sync that
asked for 500 rows and silently got 100 would believe it had them all.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

MAX_PAGE_SIZE = 100
# Beyond any list this service holds; keeps the number inside PostgreSQL's integers.
MAX_OFFSET = 1_000_000_000


def whole_number(request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The query parameter ``name`` as a whole number within ``[minimum, maximum]``, or 400 naming the rule."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 12:
        value = int(raw)
    if value is None or not minimum <= value <= maximum:
        raise ValidationError(
            {
                name: [
                    _("Enter a whole number from %(minimum)s to %(maximum)s.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return value


def _bounded(parameters: list[dict], bounds: dict[str, tuple[int, int]]) -> list[dict]:
    """The schema's paging parameters with the range ``whole_number`` holds them to."""
    for parameter in parameters:
        if parameter.get("name") in bounds:
            minimum, maximum = bounds[parameter["name"]]
            parameter["schema"] = {**parameter.get("schema", {}), "minimum": minimum, "maximum": maximum}
    return parameters


class LimitOffset(LimitOffsetPagination):
    default_limit = 25
    max_limit = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {self.limit_query_param: (1, self.max_limit), self.offset_query_param: (0, MAX_OFFSET)},
        )

    def get_limit(self, request):
        return whole_number(
            request, self.limit_query_param, default=self.default_limit, minimum=1, maximum=self.max_limit
        )

    def get_offset(self, request):
        return whole_number(request, self.offset_query_param, default=0, minimum=0, maximum=MAX_OFFSET)

    def paginate_queryset(self, queryset, request, view=None):
        """The page and the total in one statement: each row carries the count of the whole list (an
        uncorrelated scalar sub-query, computed once), instead of a ``COUNT`` query before the page's.
        A page past the end has no row to carry it: then the count is asked on its own."""
        page_queryset = self.page_queryset(queryset, request)
        if page_queryset is None:
            return super().paginate_queryset(queryset, request, view)
        return self.finish(list(page_queryset), queryset.count)

    def page_queryset(self, queryset, request):
        """The page's queryset, each row annotated with the list's total (``_list_total``); ``None`` for a
        list whose rows are not the table's (combined, sliced, distinct or grouped: DRF's own paging). An
        empty queryset for a list that cannot have rows."""
        query = getattr(queryset, "query", None)
        if (
            not isinstance(queryset, QuerySet)
            or query.combinator
            or query.is_sliced
            or query.distinct
            or query.group_by is not None  # an aggregated list: its rows are not the table's
        ):
            return None
        self.prepare(request)
        try:
            inner, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a list that cannot have rows (``none()``, ``pk__in=[]``)
            return queryset.none()
        total = RawSQL(f"SELECT count(*) FROM ({inner}) AS listed", params)  # noqa: S608, S611 - Django's own SQL
        return queryset.annotate(_list_total=total)[self.offset : self.offset + self.limit]

    def prepare(self, request) -> None:
        """The page asked for (400 for a limit or offset the rule refuses)."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)

    def finish(self, page: list, count) -> list:
        """``page`` (from ``page_queryset``, after ``prepare``) with the total it carries; ``count()`` asks
        for the total on its own when a page past the end carries none."""
        self.count = page[0]._list_total if page else (count() if self.offset else 0)
        self.display_page_controls = self.count > self.limit and self.template is not None
        return page


class TimelineCursor(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-occurred_at", "-id")

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {self.page_size_query_param: (1, self.max_page_size)},
        )

    def get_page_size(self, request):
        return whole_number(
            request, self.page_size_query_param, default=self.page_size, minimum=1, maximum=self.max_page_size
        )
