"""The staff UI's sensitive reads in the access log: a person's or a case's page (GET), and the person and
case lists (one row per list page, naming the filters, not the search terms).

A page shown again after a failed save is the answer to a write, not a new read, and is not logged; a
record the user may not see is never shown (the admin redirects), so it is not logged either.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from cases.access import AccessAction, listing_label, record_access
from consulates.policy import can


class AccessLoggedAdminMixin:
    """Mix into a ModelAdmin before the admin classes. ``access_label`` names the page;
    ``access_ids(obj)`` returns the ids to record (``person_id``, ``case_id``)."""

    access_label = ""

    def access_ids(self, obj) -> dict:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = (getattr(response, "context_data", None) or {}).get("original")
            if obj is not None and obj.pk is not None:
                record_access(
                    request, AccessAction.VIEW, what=f"admin: {self.access_label}", **self.access_ids(obj)
                )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200 and hasattr(response, "context_data"):
            record_access(
                request,
                AccessAction.LIST,
                what=listing_label(f"admin: {self.access_label} list", request.GET),
            )
        return response


def access_log_link(request, **ids) -> str | None:
    """The "who looked at this record" link of a person's or case's page, for those who may read the
    access log (administrators and auditors); ``None`` for everyone else."""
    if not can(request.user, "audit.view"):
        return None
    return reverse("admin:cases_accesslog_changelist") + "?" + urlencode(ids)
