"""API reads in the access log: one row per retrieve (with the ids of what was read) and one per list
request (naming the endpoint and its filters, not search terms or identifiers looked up).

A denied read (403, 404, 401) writes nothing: the row is written only once the response is a 200.
"""

from __future__ import annotations

from cases.access import AccessAction, listing_label, record_access


class AccessLoggedViewSetMixin:
    """Mix into a viewset before ``ApiViewMixin``. ``access_label`` names the endpoint; ``access_ids(obj)``
    returns the ids of a retrieved object (``person_id``, ``case_id``)."""

    access_label = ""

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id}

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.status_code == 200:
            self.record_read(request, self.etag_object, what=f"api: {self.access_label}")
        return response

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if response.status_code == 200:
            record_access(
                request,
                AccessAction.LIST,
                what=listing_label(f"api: {self.access_label} list", request.query_params),
            )
        return response

    def record_read(self, request, obj, *, what: str) -> None:
        record_access(request, AccessAction.API_RETRIEVE, what=what, **self.access_ids(obj))
