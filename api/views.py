"""The base of every API view: idempotent POSTs and ETags; a detail read through a compiled statement."""

from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from api import statements
from api.conditional import ETagMixin
from api.idempotency import IdempotentPostMixin


class ApiViewMixin(IdempotentPostMixin, ETagMixin):
    """Mix into every API view (before the DRF view class).

    A view whose detail read is hot defines ``compiled_retrieve(placeholder)`` (its queryset, from its own
    ``get_queryset``, filtered on the placeholder id), ``compiled_caller()`` (what that queryset depends on
    besides the id: the user and their access) and, for what the queryset prefetches,
    ``compiled_related(obj)``: its ``retrieve`` then runs the statement compiled once (``api.statements``)
    instead of building and compiling the queryset on every request."""

    def get_object(self):
        obj = self._compiled_object() if self.action == "retrieve" else None
        if obj is None:
            obj = super().get_object()
        else:
            self._idempotency_subject = obj
        self.etag_object = obj
        return obj

    def _compiled_object(self):
        build = getattr(self, "compiled_retrieve", None)
        if build is None:
            return None
        name = f"{type(self).__qualname__}.retrieve"
        found = statements.statement(name, self.compiled_caller(), build)
        if found is None:
            return None
        self.filter_queryset(None)  # the address's parameters are checked as for any detail
        pk = statements.valid_id(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field))
        # Written with the read, unless a permission may still refuse the object once read (then after).
        before = self.compiled_read_log(pk) if pk is not None and not self._object_checks() else None
        rows = found.run(pk, before=before) if pk is not None else []
        if not rows:
            raise Http404
        self.read_logged = before is not None  # written with the read
        obj = rows[0]
        self.compiled_related(obj)
        self.check_object_permissions(self.request, obj)
        return obj

    def _object_checks(self) -> bool:
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def compiled_related(self, obj) -> None:
        """Load what the detail's queryset prefetches (nothing by default)."""

    def compiled_read_log(self, pk: int) -> tuple[str, list] | None:
        """The statement recording the read of ``pk`` (the access log), sent with the read (none here)."""
        return None


class CompiledListMixin:
    """A list whose page runs as a statement compiled once per caller and address (``api.statements``):
    the view's ``get_queryset``, its filters and the page (with its total) are built and compiled the
    first time a caller asks for that address in this thread, then only run. ``compiled_list_params``
    names the parameters such an address may carry: parameters whose meaning depends only on their text
    (a filter that looks a row up, such as a consulate's id, is not among them); any other keeps the ORM's
    path. ``page_related(page)`` loads what the page's rows show beyond their own statement.

    Mix in before ``ApiViewMixin``; the view defines ``compiled_caller()`` (see ``ApiViewMixin``)."""

    compiled_list_params: frozenset[str] = frozenset()

    def list(self, request, *args, **kwargs):
        page = self._compiled_page(request)
        if page is None:
            queryset = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset)
            if page is None:
                return Response(self.get_serializer(queryset, many=True).data)
        self.page_related(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def page_related(self, page: list) -> None:
        """Load what the page's rows show beyond their statement (nothing by default)."""

    def _compiled_page(self, request):
        paginator = self.paginator
        query = request.query_params
        if not hasattr(paginator, "page_queryset") or not set(query) <= self.compiled_list_params:
            return None
        address = tuple(sorted((name, tuple(query.getlist(name))) for name in query))

        def build(_placeholder):
            page = paginator.page_queryset(self.filter_queryset(self.get_queryset()), request)
            if page is None:
                raise statements.NotReusable("this list is paged by DRF's own paginator")
            return page

        name = f"{type(self).__qualname__}.list"
        found = statements.statement(name, (self.compiled_caller(), address), build, placeholder=None)
        if found is None:
            return None
        paginator.prepare(request)
        before = self.compiled_list_log()
        page = paginator.finish(
            found.run(before=before), lambda: self.filter_queryset(self.get_queryset()).count()
        )
        self.read_logged = before is not None
        return page

    def compiled_list_log(self) -> tuple[str, list] | None:
        """The statement recording the list's read (the access log), sent with its page (none here)."""
        return None
