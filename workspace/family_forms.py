"""The family panel's forms: link a person found by the search, register a relative who is not on record
(the person registration service, with its possible-duplicates screen), correct or remove a relationship,
and add or update a family-preparedness item. The services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.family import (
    ChecklistItemKind,
    ChecklistStatus,
    DocumentToIssue,
    RelationshipKind,
    Whereabouts,
)
from cases.models.person import Sex
from workspace.case_forms import QuickForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

KIND_LABEL = _("How the relative is related to the person")
RELATIVE_KINDS = [
    (RelationshipKind.PARENT, _("father or mother")),
    (RelationshipKind.CHILD, _("son or daughter")),
    (RelationshipKind.SPOUSE, _("spouse or partner")),
    (RelationshipKind.SIBLING, _("brother or sister")),
    (RelationshipKind.GUARDIAN, _("guardian")),
    (RelationshipKind.WARD, _("ward (under the person's guardianship)")),
    (RelationshipKind.OTHER, _("other relative")),
]


class RelativeSearchForm(forms.Form):
    family_q = forms.CharField(label=_("Search by name, CURP or A-number"), max_length=120, required=False)


class RelativeLinkForm(QuickForm):
    relative = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=KIND_LABEL, choices=RELATIVE_KINDS)
    relative_whereabouts = forms.ChoiceField(
        label=_("Where the relative is"), choices=Whereabouts.choices, initial=Whereabouts.UNKNOWN
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)


class RelativeNewForm(QuickForm):
    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    paternal_surname = forms.CharField(label=_("Paternal surname"), max_length=80, required=False)
    maternal_surname = forms.CharField(label=_("Maternal surname"), max_length=80, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    kind = forms.ChoiceField(label=KIND_LABEL, choices=RELATIVE_KINDS)
    relative_whereabouts = forms.ChoiceField(
        label=_("Where the relative is"), choices=Whereabouts.choices, initial=Whereabouts.UNKNOWN
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)
    confirm_new_person = forms.BooleanField(
        label=_("It is a different person from those found"), required=False
    )
    new_person_reason = forms.CharField(
        label=_("Why it is a different person"), max_length=300, required=False
    )


class RelationshipChangeForm(QuickForm):
    kind = forms.ChoiceField(label=KIND_LABEL, choices=RELATIVE_KINDS)
    relative_whereabouts = forms.ChoiceField(label=_("Where the relative is"), choices=Whereabouts.choices)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RelationshipEndForm(QuickForm):
    reason = forms.CharField(label=_("Why it is removed"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ChecklistItemForm(QuickForm):
    kind = forms.ChoiceField(label=_("Item"), choices=ChecklistItemKind.choices)
    document = forms.ChoiceField(
        label=_("Document to issue"), choices=[("", "—"), *DocumentToIssue.choices], required=False
    )
    description = forms.CharField(label=_("What, in a few words"), max_length=200, required=False)
    caregiver_name = forms.CharField(
        label=_("Name of the person who cares for the children"), max_length=160, required=False
    )
    caregiver_contact = forms.CharField(
        label=_("Their phone or how to reach them"), max_length=160, required=False
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ChecklistUpdateForm(QuickForm):
    status = forms.ChoiceField(label=_("Status"), choices=ChecklistStatus.choices, widget=forms.RadioSelect)
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)
    caregiver_name = forms.CharField(
        label=_("Name of the person who cares for the children"), max_length=160, required=False
    )
    caregiver_contact = forms.CharField(
        label=_("Their phone or how to reach them"), max_length=160, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, caregiver: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not caregiver:
            del self.fields["caregiver_name"]
            del self.fields["caregiver_contact"]
