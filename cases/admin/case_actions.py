"""The case's lifecycle actions (assign, close or ask to, approve, reject, reopen): their forms, who is offered
them (``consulates.policy``) and the service each runs. The staff admin's action pages and the workspace's
case page both offer them from here."""

from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin import case_forms as forms
from cases.models import Case
from consulates.policy import can

ACTIONS = {
    # name: (label, form class, the action in ``consulates.policy``, which decides who is offered it)
    "assign": (_("Assign"), forms.AssignForm, "case.assign"),
    "close": (_("Close / request closure"), forms.CloseRequestForm, "case.close.request"),
    "approve": (_("Approve closure"), forms.ConfirmForm, "case.close.approve"),
    "reject": (_("Reject closure"), forms.ReasonForm, "case.close.approve"),
    "reopen": (_("Reopen"), forms.ReasonForm, "case.reopen"),
}


def available_actions(user, case: Case) -> list[str]:
    return [name for name, (_label, _form, action) in ACTIONS.items() if can(user, action, case)]


def run_action(name: str, user, case: Case, data: dict) -> Case:
    version = case.version
    if name == "assign":
        return services.case_assign(
            actor=user, case=case, assignee=data.get("assignee"), expected_version=version
        )
    if name == "close":
        return services.case_close_request(
            actor=user,
            case=case,
            outcome=data["outcome"],
            outcome_notes=data.get("outcome_notes", ""),
            complete_tasks=data.get("complete_tasks", False),
            cancel_hearings=data.get("cancel_hearings", False),
            expected_version=version,
        )
    if name == "approve":
        return services.case_close_approve(actor=user, case=case, expected_version=version)
    if name == "reject":
        return services.case_close_reject(
            actor=user, case=case, reason=data["reason"], expected_version=version
        )
    return services.case_reopen(actor=user, case=case, reason=data["reason"], expected_version=version)
