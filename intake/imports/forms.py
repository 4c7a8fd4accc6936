"""The import and operation pages' forms: they read what was typed; the services decide what is valid and
their refusals land on the field they name (``apply_errors``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models.identity import ArrestingAgency
from intake.imports.reading import FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    def apply_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class UploadForm(ServiceForm):
    file = forms.FileField(
        label=_("Detainee list (CSV or Excel .xlsx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    consulate = forms.ModelChoiceField(label=_("Consulate"), queryset=None, required=False, empty_label=None)
    operation = forms.ModelChoiceField(
        label=_("Operation"), queryset=None, required=False, empty_label=_("None, or a new one (below)")
    )
    new_operation_name = forms.CharField(label=_("New operation: name"), required=False, max_length=160)
    new_operation_date = forms.DateField(label=_("New operation: date"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, consulates, operations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consulate"].queryset = consulates
        self.fields["operation"].queryset = operations
        if consulates.count() == 1:
            self.fields["consulate"].widget = forms.HiddenInput()
            self.fields["consulate"].initial = consulates.first()

    def clean_consulate(self):
        consulate = self.cleaned_data.get("consulate")
        queryset = self.fields["consulate"].queryset
        if consulate is None and queryset.count() == 1:
            consulate = queryset.first()
        if consulate is None:
            raise ValidationError(_("Choose the consulate the list is for."))
        return consulate

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            raise ValidationError(_("Choose the file of the list."))
        return upload


class MappingForm(ServiceForm):
    """One choice per field: which column holds it (or none)."""

    language = forms.ChoiceField(
        label=_("Language of the list"),
        choices=[
            ("en", _("English (dates month first; M is male)")),
            ("es", _("Spanish (dates day first; M is mujer)")),
        ],
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in this list)"))] + [
            (str(index), f"{index + 1}. {header or _('(no header)')}") for index, header in enumerate(headers)
        ]
        for name, label in FIELDS.items():
            self.fields[f"col_{name}"] = forms.ChoiceField(label=label, choices=choices, required=False)

    def columns(self) -> dict[str, int]:
        return {
            name: int(self.cleaned_data[f"col_{name}"])
            for name in FIELDS
            if self.cleaned_data.get(f"col_{name}") not in (None, "")
        }


class OperationForm(ServiceForm):
    name = forms.CharField(label=_("Name"), required=False, max_length=160)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE_INPUT)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    agency = forms.ChoiceField(
        label=_("Agency"), choices=ArrestingAgency.choices, initial=ArrestingAgency.UNKNOWN
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BulkForm(ServiceForm):
    ACTIONS = [
        ("assign", _("Assign to an officer")),
        ("task", _("Add a task")),
        ("visit", _("Plan a facility visit")),
    ]

    action = forms.ChoiceField(
        label=_("What to do with the chosen cases"), choices=ACTIONS, widget=forms.RadioSelect
    )
    cases = forms.TypedMultipleChoiceField(label=_("Cases"), coerce=int, required=False)
    assignee = forms.ModelChoiceField(label=_("Officer"), queryset=None, required=False)
    title = forms.CharField(label=_("Task"), required=False, max_length=200)
    due_date = forms.DateField(label=_("Due date (of the task or visit)"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, case_choices, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = case_choices
        self.fields["assignee"].queryset = assignees

    def clean(self):
        data = super().clean()
        if not data.get("cases"):
            self.add_error("cases", _("Choose at least one case."))
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the officer."))
        if data.get("action") == "visit" and not data.get("due_date"):
            self.add_error("due_date", _("Choose the date of the visit."))
        return data
