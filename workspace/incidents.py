"""The case page's critical incidents panel: each incident with its place, time on the place's clock,
status and checklist, and (for those who may) the forms to record one and to close one. One query for
the incidents with their facilities and checklists."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.incident_text import incident_when
from cases.models import CriticalIncident, Task
from consulates.policy import allowed_among, can
from workspace.custody_forms import facility_choices
from workspace.incident_forms import IncidentCloseForm, IncidentForm


def _dress(form, url: str, args: list, submit: str, hidden_label: str = ""):
    form.action = reverse(f"workspace:{url}", args=args)
    form.submit_label, form.hidden_label = submit, hidden_label
    return form


def incidents_context(request, case, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    incidents = list(
        CriticalIncident.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("facility__county", "recorded_by", "closed_by")
        .prefetch_related(Prefetch("tasks", Task.objects.order_by("due_date", "pk")))
        .order_by("-occurred_at", "-pk")
    )
    closable = allowed_among(request.user, "incident.close", incidents) if incidents else set()
    for incident in incidents:
        incident.case = case  # its zone reads the case's consulate: the page's case, not one query each
        incident.when_text = incident_when(incident)
        if incident.pk in closable:
            key = f"incident-{incident.pk}"
            incident.close_form = _dress(
                bound.get(key) or IncidentCloseForm(prefix=key),
                "case_incident_close",
                [case.pk, incident.pk],
                _("Close the incident"),
                hidden_label=incident.get_kind_display(),
            )
    context = {"incidents": incidents}
    if can(request.user, "incident.record", case):
        context["incident_form"] = _dress(
            bound.get("incident") or IncidentForm(prefix="incident", facilities=facility_choices()),
            "case_incident_add",
            [case.pk],
            _("Record the incident"),
        )
    return context
