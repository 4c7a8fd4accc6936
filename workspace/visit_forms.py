"""The facility pages' forms (decision 0026): they read what was typed; the visit and request services
decide what is valid, and their refusals land on the field they name."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.models.formal_request import AuthorityKind, RequestKind
from cases.models.visits import ConditionAnswer, InterviewNeed, VisitStatus
from workspace.custody_forms import DATE_INPUT


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class VisitPlanForm(forms.Form):
    planned_for = forms.DateField(label=_("Day of the visit"), widget=DATE_INPUT)
    officers = StaffChoices(
        label=_("Officers going"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["officers"].queryset = staff


class VisitStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=VisitStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


def interview_fields(form: forms.Form, case_id: int) -> None:
    """One row of the interviews screen: the fields of one person, named after the case."""
    form.fields[f"{case_id}-seen"] = forms.BooleanField(label=_("Seen"), required=False)
    form.fields[f"{case_id}-findings"] = forms.CharField(
        label=_("What was found"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    form.fields[f"{case_id}-need"] = forms.ChoiceField(
        label=_("Main need"), choices=InterviewNeed.choices, required=False
    )
    form.fields[f"{case_id}-needs"] = forms.CharField(
        label=_("Needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InterviewsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = list(cases)
        for case in self.cases:
            interview_fields(self, case.pk)
            interview = getattr(case, "interview", None)
            if interview is not None and not self.is_bound:
                self.initial.update(
                    {
                        f"{case.pk}-seen": interview.seen,
                        f"{case.pk}-findings": interview.findings,
                        f"{case.pk}-need": interview.need,
                        f"{case.pk}-needs": interview.needs,
                    }
                )

    def rows(self) -> list[dict]:
        """The rows for the service."""
        data = self.cleaned_data
        return [
            {
                "case_id": case.pk,
                "seen": data.get(f"{case.pk}-seen"),
                "findings": data.get(f"{case.pk}-findings"),
                "need": data.get(f"{case.pk}-need"),
                "needs": data.get(f"{case.pk}-needs"),
            }
            for case in self.cases
        ]

    def people(self):
        """Each person with the bound fields of their row (for the template)."""
        return [
            (case, [self[f"{case.pk}-{name}"] for name in ("seen", "findings", "need", "needs")])
            for case in self.cases
        ]


class ChecklistForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, checklist_version=None, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(checklist_version.items) if checklist_version else []
        self.checklist_version = checklist_version
        answers = answers or {}
        for item in self.items:
            key = item["key"]
            text = checklist_version.text(key)
            self.fields[f"{key}-answer"] = forms.ChoiceField(
                label=text,
                choices=ConditionAnswer.choices,
                initial=ConditionAnswer.NOT_CHECKED,
                required=False,  # not answered: not checked (the service's default)
                widget=forms.RadioSelect,
            )
            self.fields[f"{key}-note"] = forms.CharField(
                label=_("Note on: %(item)s") % {"item": text}, max_length=500, required=False
            )
            if key in answers and not self.is_bound:
                self.initial[f"{key}-answer"] = answers[key].answer
                self.initial[f"{key}-note"] = answers[key].note

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            item["key"]: {
                "answer": data.get(f"{item['key']}-answer"),
                "note": data.get(f"{item['key']}-note"),
            }
            for item in self.items
        }

    def rows(self):
        return [
            (item["key"], self[f"{item['key']}-answer"], self[f"{item['key']}-note"]) for item in self.items
        ]


class RequestForm(forms.Form):
    authority_kind = forms.ChoiceField(label=_("Authority"), choices=AuthorityKind.choices)
    authority_name = forms.CharField(label=_("Authority's name"), max_length=200)
    kind = forms.ChoiceField(label=_("What is requested"), choices=RequestKind.choices)
    details = forms.CharField(
        label=_("What is asked, in detail"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    sent_on = forms.DateField(label=_("Sent on (leave empty for a draft)"), required=False, widget=DATE_INPUT)
    due_on = forms.DateField(label=_("Answer due on"), required=False, widget=DATE_INPUT)


class RequestSendForm(forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DATE_INPUT)
    due_on = forms.DateField(label=_("Answer due on"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestAnswerForm(forms.Form):
    answered_on = forms.DateField(label=_("Answered on"), widget=DATE_INPUT)
    response = forms.CharField(
        label=_("What the authority answered"), widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestWithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestDocumentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
