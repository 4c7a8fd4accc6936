"""The case page's custody and locate forms: they read what was typed; the custody services decide what
is valid and their refusals land on the field they name."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models.custody import RECORDABLE_SOURCES, CustodySource, LocateResult, LocateWhere
from cases.models.identity import ArrestingAgency
from consulates.choices import FacilityKind, UsState
from consulates.models import County, DetentionFacility
from workspace.case_forms import DATETIME_INPUT, QuickForm

# The zones of the US states (a facility outside the network is entered with its zone).
US_ZONES = [
    ("America/New_York", _("Eastern time")),
    ("America/Chicago", _("Central time")),
    ("America/Denver", _("Mountain time")),
    ("America/Phoenix", _("Arizona time (no daylight saving)")),
    ("America/Los_Angeles", _("Pacific time")),
    ("America/Anchorage", _("Alaska time")),
    ("Pacific/Honolulu", _("Hawaii time")),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.city}, {obj.state})"


def facility_choices() -> list:
    """Read once for the page's several forms."""
    facilities = DetentionFacility.objects.filter(active=True).order_by("state", "name")
    return [("", "---------"), *((f.pk, f"{f.name} ({f.city}, {f.state})") for f in facilities)]


class _WithFacilities(QuickForm):
    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is not None and "facility" in self.fields:
            self.fields["facility"].choices = facilities


class CustodyMoveForm(_WithFacilities):
    facility = FacilityChoiceField(
        label=_("Facility"), queryset=DetentionFacility.objects.filter(active=True), required=False
    )
    since = forms.DateField(label=_("Held there since"), required=False, widget=DATE_INPUT)
    time = forms.TimeField(
        label=_("Time, if known"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    agency = forms.ChoiceField(
        label=_("Agency holding the person"),
        choices=[("", "---------"), *ArrestingAgency.choices],
        required=False,
    )
    source = forms.ChoiceField(
        label=_("How do you know?"), choices=RECORDABLE_SOURCES, initial=CustodySource.ICE_LOCATOR
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
    # A facility not in the list (a county jail, a hospital, one in another state): added with the move.
    new_name = forms.CharField(label=_("Not in the list? Facility's name"), required=False, max_length=160)
    new_city = forms.CharField(label=_("City"), required=False, max_length=80)
    new_state = forms.ChoiceField(
        label=_("State"), choices=[("", "---------"), *UsState.choices], required=False
    )
    new_kind = forms.ChoiceField(label=_("Kind of facility"), choices=FacilityKind.choices, required=False)
    new_county = forms.ModelChoiceField(
        label=_("County (Texas, Oklahoma, New Mexico)"),
        queryset=County.objects.order_by("state", "name"),
        required=False,
    )
    new_timezone = forms.ChoiceField(
        label=_("Time zone (other states)"), choices=[("", "---------"), *US_ZONES], required=False
    )

    NEW_FIELDS = {
        "new_name": "name",
        "new_city": "city",
        "new_state": "state",
        "new_kind": "kind",
        "new_county": "county",
        "new_timezone": "timezone",
    }

    def apply_errors(self, error):
        """The facility's refusals land on the form's ``new_*`` fields."""
        if hasattr(error, "error_dict"):
            names = {name: field for field, name in self.NEW_FIELDS.items()}
            if set(error.message_dict) <= set(names) and "facility" not in error.message_dict:
                error = ValidationError(
                    {names[name]: messages for name, messages in error.message_dict.items()}
                )
        super().apply_errors(error)


class CustodyReleaseForm(QuickForm):
    on = forms.DateField(label=_("Released on"), required=False, widget=DATE_INPUT)
    source = forms.ChoiceField(
        label=_("How do you know?"), choices=RECORDABLE_SOURCES, initial=CustodySource.FAMILY
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


class CustodyVerifiedForm(QuickForm):
    """Nothing to type: staff checked that the person is still where the case says."""


class LocateForm(_WithFacilities):
    where = forms.ChoiceField(label=_("Where you searched"), choices=LocateWhere.choices)
    searched_for = forms.CharField(label=_("What you searched with"), required=False, max_length=200)
    result = forms.ChoiceField(label=_("Result"), choices=LocateResult.choices)
    facility = FacilityChoiceField(
        label=_("Facility where the person was found"),
        queryset=DetentionFacility.objects.filter(active=True),
        required=False,
    )
    record_custody = forms.BooleanField(
        label=_("Record the custody at this facility too"), required=False, initial=True
    )
    attempted_at = forms.DateTimeField(label=_("When, if not now"), required=False, widget=DATETIME_INPUT)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
