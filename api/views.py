"""The base of every API view: idempotent POSTs and ETags; a detail read through a compiled statement."""

from django.http import Http404

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
        rows = found.run(pk) if pk is not None else []
        if not rows:
            raise Http404
        obj = rows[0]
        self.compiled_related(obj)
        self.check_object_permissions(self.request, obj)
        return obj

    def compiled_related(self, obj) -> None:
        """Load what the detail's queryset prefetches (nothing by default)."""
