"""The case page's forms for legal proceedings: record or correct one (with its attorney of record),
record its decision, add a deadline, mark one met or waived. They read what was typed; the services
(``cases.services.proceedings``) decide what is valid and their refusals land on the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.proceeding import (
    OUTCOMES_BY_KIND,
    CounselKind,
    DeadlineKind,
    DeadlineStatus,
    ProceedingKind,
    ProceedingOutcome,
    ProceedingStatus,
)
from consulates.courts import ImmigrationCourt
from consulates.models import Partner
from workspace.case_forms import QuickForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProceedingForm(QuickForm):
    kind = forms.ChoiceField(label=_("Kind of proceeding"), choices=ProceedingKind.choices)
    court = forms.ModelChoiceField(
        label=_("Court"),
        queryset=ImmigrationCourt.objects.filter(active=True).order_by("kind", "state", "city", "name"),
        required=False,
        empty_label=_("None or not in the list"),
    )
    court_name = forms.CharField(
        label=_("Court, if not in the list"),
        required=False,
        max_length=200,
        help_text=_("For a criminal case before a state or county court."),
    )
    docket_number = forms.CharField(
        label=_("Docket or case number"),
        required=False,
        max_length=60,
        help_text=_("Habeas petitions and criminal cases only."),
    )
    started_on = forms.DateField(label=_("Started on"), required=False, widget=DATE_INPUT)
    counsel_kind = forms.ChoiceField(
        label=_("Attorney of record"), choices=CounselKind.choices, required=False
    )
    counsel_partner = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=Partner.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="—",
    )
    counsel_name = forms.CharField(label=_("Name of the attorney or adviser"), required=False, max_length=160)
    counsel_firm = forms.CharField(label=_("Law firm"), required=False, max_length=160)
    g28_filed_on = forms.DateField(label=_("G-28 filed on (before DHS)"), required=False, widget=DATE_INPUT)
    eoir28_filed_on = forms.DateField(
        label=_("EOIR-28 filed on (before the immigration court)"), required=False, widget=DATE_INPUT
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, options in (choices or {}).items():  # read once for the page's several forms
            self.fields[name].choices = options

    @classmethod
    def choices(cls) -> dict:
        result = {}
        for name in ("court", "counsel_partner"):
            field = cls.base_fields[name]
            result[name] = [("", field.empty_label), *((obj.pk, str(obj)) for obj in field.queryset)]
        return result


class DecisionForm(QuickForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=())
    decided_on = forms.DateField(label=_("Decision date"), required=False, widget=DATE_INPUT)
    departure_by = forms.DateField(
        label=_("Leave the country by"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Only with voluntary departure."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ProceedingOutcome.choices)
        self.fields["outcome"].choices = [(value, labels[value]) for value in OUTCOMES_BY_KIND[kind]]


class StatusForm(QuickForm):
    status = forms.ChoiceField(label=_("Move to"), choices=ProceedingStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeadlineForm(QuickForm):
    kind = forms.ChoiceField(label=_("Kind of deadline"), choices=DeadlineKind.choices)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE_INPUT)
    description = forms.CharField(label=_("What is due"), required=False, max_length=200)


class DeadlineResolveForm(QuickForm):
    status = forms.ChoiceField(
        label=_("Deadline"),
        choices=[(DeadlineStatus.MET, _("Met")), (DeadlineStatus.WAIVED, _("Waived or no longer applies"))],
        widget=forms.RadioSelect,
        initial=DeadlineStatus.MET,
    )
