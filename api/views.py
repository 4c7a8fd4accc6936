"""The base of every API view: idempotent POSTs and ETags."""

from api.conditional import ETagMixin
from api.idempotency import IdempotentPostMixin


class ApiViewMixin(IdempotentPostMixin, ETagMixin):
    """Mix into every API view (before the DRF view class)."""

    def get_object(self):
        obj = super().get_object()
        self.etag_object = obj
        return obj
