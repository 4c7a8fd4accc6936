"""Paging: limit/offset with a hard maximum; cursor paging for timelines that grow while read."""

from rest_framework.pagination import CursorPagination, LimitOffsetPagination

MAX_PAGE_SIZE = 100


class LimitOffset(LimitOffsetPagination):
    default_limit = 25
    max_limit = MAX_PAGE_SIZE


class TimelineCursor(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-occurred_at", "-id")
