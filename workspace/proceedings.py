"""The case page's legal proceedings panel: each proceeding with its court, attorney of record, decision,
deadlines and hearings, and (for those who may record them) the forms that change it. One query for the
proceedings with their courts and partners, one for their deadlines, one for their hearings."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Hearing, Proceeding, ProceedingDeadline
from cases.models.proceeding import DeadlineStatus, ProceedingStatus
from consulates.policy import can
from workspace.case_forms import HearingForm
from workspace.proceeding_forms import (
    DeadlineForm,
    DeadlineResolveForm,
    DecisionForm,
    ProceedingForm,
    StatusForm,
)


def _dress(form, url: str, args: list, submit: str, hidden_label: str = ""):
    form.action = reverse(f"workspace:{url}", args=args)
    form.submit_label, form.hidden_label = submit, hidden_label
    return form


def _initial(proceeding: Proceeding) -> dict:
    names = list(ProceedingForm.base_fields)
    values = {
        name: getattr(proceeding, name if name not in ("court", "counsel_partner") else f"{name}_id")
        for name in names
    }
    return values


def proceedings_context(request, case, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    proceedings = list(
        Proceeding.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("court", "counsel_partner")
        .prefetch_related(
            Prefetch("deadlines", ProceedingDeadline.objects.order_by("due_on", "pk")),
            Prefetch("hearings", Hearing.objects.select_related("court").order_by("starts_at", "pk")),
        )
        .order_by("-started_on", "-pk")
    )
    for p in proceedings:  # their zones read the case's place: the page's case, not one query each
        p.case = case
        for hearing in p.hearings.all():
            hearing.case = case
    recording = can(request.user, "proceeding.record", case)
    context = {"proceedings": proceedings, "recording": recording}
    if not recording:
        return context
    courts = HearingForm.court_choices()
    choices = ProceedingForm.choices()
    context["proceeding_form"] = _dress(
        bound.get("proceeding") or ProceedingForm(prefix="proceeding", choices=choices),
        "case_proceeding_add",
        [case.pk],
        _("Record the proceeding"),
    )
    for p in proceedings:
        if p.status == ProceedingStatus.CLOSED:
            continue
        key = f"proceeding-{p.pk}"
        p.edit_form = _dress(
            bound.get(key) or ProceedingForm(prefix=key, initial=_initial(p), choices=choices),
            "case_proceeding_edit",
            [case.pk, p.pk],
            _("Save the change"),
        )
        key = f"decision-{p.pk}"
        p.decision_form = _dress(
            bound.get(key) or DecisionForm(prefix=key, kind=p.kind, initial={"version": p.version}),
            "case_proceeding_decide",
            [case.pk, p.pk],
            _("Record the decision"),
        )
        key = f"status-{p.pk}"
        p.status_form = _dress(
            bound.get(key) or StatusForm(prefix=key, initial={"version": p.version}),
            "case_proceeding_status",
            [case.pk, p.pk],
            _("Change the status"),
        )
        key = f"deadline-{p.pk}"
        p.deadline_form = _dress(
            bound.get(key) or DeadlineForm(prefix=key),
            "case_deadline_add",
            [case.pk, p.pk],
            _("Add the deadline"),
        )
        key = f"phearing-{p.pk}"
        p.hearing_form = _dress(
            bound.get(key)
            or HearingForm(prefix=key, case=case, court_choices=courts, initial={"court": p.court_id}),
            "case_proceeding_hearing_add",
            [case.pk, p.pk],
            _("Schedule"),
        )
        for deadline in p.deadlines.all():
            if deadline.status == DeadlineStatus.OPEN:
                key = f"resolve-{deadline.pk}"
                deadline.form = _dress(
                    bound.get(key) or DeadlineResolveForm(prefix=key),
                    "case_deadline_resolve",
                    [case.pk, deadline.pk],
                    _("Save"),
                    hidden_label=str(deadline),
                )
    return context
