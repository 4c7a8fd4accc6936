"""The case page's critical incident forms: they read what was typed; ``cases.services.incidents``
decides what is valid and its refusals land on the field they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.incident import IncidentKind, IncidentSource
from consulates.models import DetentionFacility
from workspace.case_forms import DATETIME_INPUT, QuickForm
from workspace.custody_forms import FacilityChoiceField


class IncidentForm(QuickForm):
    """The times are the place's wall clock: the facility's zone, else the consulate's."""

    kind = forms.ChoiceField(label=_("What happened"), choices=[("", "---------"), *IncidentKind.choices])
    occurred_at = forms.DateTimeField(
        label=_("When it happened (the place's local time)"), required=False, widget=DATETIME_INPUT
    )
    facility = FacilityChoiceField(
        label=_("Facility"),
        queryset=DetentionFacility.objects.filter(active=True),
        required=False,
        help_text=_("Where the person was held, or leave it empty and name the place below."),
    )
    place = forms.CharField(
        label=_("Another place (a hospital, a station...)"), max_length=200, required=False
    )
    source = forms.ChoiceField(
        label=_("How the consulate learnt of it"), choices=[("", "---------"), *IncidentSource.choices]
    )
    learned_at = forms.DateTimeField(
        label=_("When the consulate learnt of it, if not now"), required=False, widget=DATETIME_INPUT
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,  # the service says what is missing, in its words
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is not None:
            self.fields["facility"].choices = facilities


class IncidentCloseForm(QuickForm):
    note = forms.CharField(
        label=_("How it was resolved"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
