"""The case page's forms for a child's case: the agency's case, a request of the agency, a request's status,
and the assessment in the form's current version (its questions are the labels). They read what was
typed; ``cases.services.children`` decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.children import (
    ASSESSMENT_FORMS,
    CURRENT_FORM_VERSION,
    AdvocateKind,
    AgeBasis,
    AgencyRequestKind,
    AgencyRequestStatus,
    Answer,
    ChildSituation,
    GuardianCheck,
)
from consulates.models import Partner, ReceptionPoint
from workspace.case_forms import QuickForm
from workspace.custody_forms import DATE_INPUT

EMPTY = [("", "---------")]


class ChildWelfareForm(QuickForm):
    agency = forms.ModelChoiceField(label=_("Child-welfare agency"), queryset=Partner.objects.none())
    agency_case_number = forms.CharField(label=_("Agency's case number"), required=False, max_length=60)
    court_cause_number = forms.CharField(label=_("Court cause number"), required=False, max_length=60)
    court_name = forms.CharField(label=_("Court"), required=False, max_length=200)
    caseworker_name = forms.CharField(label=_("Caseworker"), required=False, max_length=160)
    caseworker_phone = forms.CharField(label=_("Caseworker's phone"), required=False, max_length=30)
    caseworker_email = forms.EmailField(label=_("Caseworker's e-mail"), required=False)
    advocate_kind = forms.ChoiceField(
        label=_("Advocate"), choices=[("", _("None")), *AdvocateKind.choices], required=False
    )
    advocate_programme = forms.ModelChoiceField(
        label=_("CASA programme"), queryset=Partner.objects.none(), required=False
    )
    advocate_name = forms.CharField(label=_("Advocate's name"), required=False, max_length=160)
    advocate_phone = forms.CharField(label=_("Advocate's phone"), required=False, max_length=30)
    advocate_email = forms.EmailField(label=_("Advocate's e-mail"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, agencies=None, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Partner.objects.none()
        self.fields["advocate_programme"].queryset = (
            programmes if programmes is not None else Partner.objects.none()
        )


class AgencyRequestForm(QuickForm):
    kind = forms.ChoiceField(label=_("What the agency asked"), choices=AgencyRequestKind.choices)
    description = forms.CharField(label=_("Details"), required=False, max_length=300)
    requested_on = forms.DateField(label=_("Asked on"), required=False, widget=DATE_INPUT)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)


class AgencyRequestStatusForm(QuickForm):
    status = forms.ChoiceField(label=_("Status"), choices=AgencyRequestStatus.choices)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)
    resolution = forms.CharField(label=_("Answer given"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _answer() -> forms.ChoiceField:
    # Not required: left unanswered it is "not established yet" (the service's default).
    return forms.ChoiceField(
        label="", choices=Answer.choices, initial=Answer.UNKNOWN, widget=forms.RadioSelect, required=False
    )


class AssessmentForm(QuickForm):
    """The questions of the form's current version, in its order and words."""

    situation = forms.ChoiceField(label="", choices=[*EMPTY, *ChildSituation.choices], required=False)
    age_basis = forms.ChoiceField(label="", choices=[*EMPTY, *AgeBasis.choices], required=False)
    age_notes = forms.CharField(label="", required=False, max_length=300)
    victim_of_trafficking = _answer()
    at_risk_of_trafficking = _answer()
    fears_return = _answer()
    can_decide_alone = _answer()
    guardian_name = forms.CharField(label="", required=False, max_length=160)
    guardian_relationship = forms.CharField(label="", required=False, max_length=60)
    guardian_check = forms.ChoiceField(label="", choices=[*EMPTY, *GuardianCheck.choices], required=False)
    dif_office = forms.ModelChoiceField(label="", queryset=ReceptionPoint.objects.none(), required=False)
    dif_office_text = forms.CharField(
        label=_("Another DIF office, if not in the list"), required=False, max_length=200
    )
    notes = forms.CharField(label="", required=False, max_length=5000, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = CURRENT_FORM_VERSION
        for question in ASSESSMENT_FORMS[CURRENT_FORM_VERSION].questions:
            if question.field in self.fields:
                self.fields[question.field].label = question.text
        self.fields["dif_office"].queryset = offices if offices is not None else ReceptionPoint.objects.none()
        self.fields["dif_office"].label_from_instance = lambda point: (
            f"{point.name} ({point.mx_city}, {point.mx_state})"
        )
