"""The case page's quick forms: each posts on its own and calls one service. The forms only read what
was typed (a date, a choice); the services decide what is valid, and their refusals land on the
field they name (``apply_errors``), so a page never restates a rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models.work import NOTE_KINDS, EventKind, HearingKind
from cases.selectors import assignable_users
from cases.timeline import person_name
from cases.zones import hearing_zone_name, wall_clock_entered
from consulates.courts import ImmigrationCourt

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class QuickForm(forms.Form):
    """Rendered field by field by ``workspace/case/_field.html``."""

    def apply_errors(self, error: ValidationError) -> None:
        """A service's refusal on the form: on the field it names, or at the top of the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class NoteForm(QuickForm):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(kind.value, kind.label) for kind in NOTE_KINDS],
        initial=EventKind.NOTE,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What happened"),
        required=False,  # the service says what is missing, in its words
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When, if not now"),
        required=False,
        widget=DATETIME_INPUT,
    )


class HearingForm(QuickForm):
    """The date and time are the court's wall clock (without a court: the place of custody's, else the
    consulate's), whatever zone the page is shown in (``cases.zones``)."""

    kind = forms.ChoiceField(label=_("Kind of hearing"), choices=HearingKind.choices)
    court = forms.ModelChoiceField(
        label=_("Court"),
        queryset=ImmigrationCourt.objects.order_by("state", "city", "name"),
        required=False,
        empty_label=_("Not in the list"),
        help_text=_("The time is the court's local time."),
    )
    starts_at = forms.DateTimeField(label=_("Date and time"), required=False, widget=DATETIME_INPUT)
    location = forms.CharField(label=_("Court or place"), required=False, max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(self, *args, case=None, court_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if court_choices is not None:  # read once for the page's several hearing forms
            self.fields["court"].choices = court_choices

    @classmethod
    def court_choices(cls) -> list:
        field = cls.base_fields["court"]
        return [("", field.empty_label), *((court.pk, str(court)) for court in field.queryset)]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and self.case is not None:
            zone = hearing_zone_name(None, court=data.get("court"), case=self.case)
            data["starts_at"] = wall_clock_entered(data["starts_at"], zone)
        return data


class HearingEditForm(HearingForm):
    """A reschedule: ``seen`` is the hearing as the page showed it (``services.hearing_state``)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class TaskForm(QuickForm):
    title = forms.CharField(label=_("Task"), required=False, max_length=200)
    due_date = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    assignee = PersonChoiceField(
        label=_("For"), queryset=None, required=False, empty_label=_("Nobody in particular")
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(case.consulate_id)


class DoneForm(QuickForm):
    """Mark a task done: nothing to type; a refusal ("already done") shows on the task."""
