"""API reads in the access log: one row per retrieve (with the ids of what was read) and one per list
request (naming the endpoint and its filters, not search terms or identifiers looked up).

A denied read (403, 404, 401) writes nothing: the row is written only once the response is a 200.
"""

from __future__ import annotations

from api import statements
from cases.access import AccessAction, access_insert, listing_label, record_access


class AccessLoggedViewSetMixin:
    """Mix into a viewset before ``ApiViewMixin``. ``access_label`` names the endpoint; ``access_ids(obj)``
    returns the ids of a retrieved object (``person_id``, ``case_id``); ``access_columns`` the same ids as
    the record's columns (``values_list`` names, person first), for a read through a compiled statement
    (``api.statements``), whose row is written in the read's own round trip."""

    access_label = ""
    access_columns: tuple[str, str] = ("case__person_id", "case_id")
    read_logged = False

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id}

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.status_code == 200 and not self.read_logged:
            self.record_read(request, self.etag_object, what=f"api: {self.access_label}")
        return response

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if response.status_code == 200 and not self.read_logged:
            record_access(request, AccessAction.LIST, what=self._list_label(request))
        return response

    def _list_label(self, request) -> str:
        return listing_label(f"api: {self.access_label} list", request.query_params)

    def compiled_read_log(self, pk: int) -> tuple[str, list]:
        """The retrieve's row, written only if the caller sees ``pk`` (ids read by the same visibility)."""

        def ids(placeholder):
            return self.compiled_retrieve(placeholder).values_list(*self.access_columns)

        name = f"{type(self).__qualname__}.retrieve.log"
        found = statements.statement(name, self.compiled_caller(), ids)
        if found is None:
            return None
        sql, params = found.bound(pk)
        what = f"api: {self.access_label}"
        insert, values = access_insert(self.request, AccessAction.API_RETRIEVE, what=what, ids_from=sql)
        return insert, [*values, *params]

    def compiled_list_log(self) -> tuple[str, list]:
        return access_insert(self.request, AccessAction.LIST, what=self._list_label(self.request))

    def record_read(self, request, obj, *, what: str) -> None:
        record_access(request, AccessAction.API_RETRIEVE, what=what, **self.access_ids(obj))
