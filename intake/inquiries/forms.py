"""The inquiry pages' forms. They read what was typed (a date, a choice); the services decide what is
valid, and their refusals land on the field they name (``apply_errors``). Rendered by the workspace's
``_quick_form.html`` / ``_field.html`` (errors beside each field and in an announced summary)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.categories import Category
from cases.models.person import Sex
from cases.selectors import assignable_users
from cases.timeline import person_name
from consulates.models import Consulate, DetentionFacility
from intake.models import Channel, LocateResult, LocateWhere, Urgency

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InquiryForm(forms.Form):
    """Base: ``action``, ``prefix`` and ``submit_label`` for the shared template."""

    submit_label = ""

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def apply_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


def _text(label, max_length, **kwargs):
    return forms.CharField(label=label, required=False, max_length=max_length, **kwargs)


class NewInquiryForm(InquiryForm):
    """Built for a phone call: the caller first, then the person sought; only how it arrived and a name
    (or A-number) of the person sought are needed (the service says so)."""

    submit_label = _("Record the inquiry")
    consulate = forms.ModelChoiceField(label=_("Consulate"), queryset=Consulate.objects.all(), required=False)
    channel = forms.ChoiceField(label=_("How it arrived"), choices=Channel.choices, initial=Channel.PHONE)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    caller_name = _text(_("Caller's name"), 160, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    caller_relationship = _text(_("Relationship to the person sought"), 60)
    caller_phone = _text(
        _("Call-back number"), 30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )
    caller_language = forms.ChoiceField(
        label=_("Caller's language"), choices=settings.LANGUAGES, initial="es"
    )
    sought_given_names = _text(_("Given names"), 120)
    sought_paternal_surname = _text(_("Paternal surname"), 80)
    sought_maternal_surname = _text(_("Maternal surname"), 80)
    sought_date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    sought_birthplace = _text(_("Place of birth"), 120)
    sought_a_number = _text(_("A-number, if the caller knows it"), 20)
    arrest_place = _text(_("Where they were arrested"), 200)
    arrested_on = forms.DateField(label=_("When they were arrested"), required=False, widget=DATE_INPUT)
    details = _text(_("What the caller says"), 5000, widget=forms.Textarea(attrs={"rows": 3}))
    received_at = forms.DateTimeField(label=_("Received, if not now"), required=False, widget=DATETIME_INPUT)

    CALLER = ("caller_name", "caller_relationship", "caller_phone", "caller_language")
    SOUGHT = (
        "sought_given_names",
        "sought_paternal_surname",
        "sought_maternal_surname",
        "sought_date_of_birth",
        "sought_birthplace",
        "sought_a_number",
        "arrest_place",
        "arrested_on",
        "details",
    )

    def __init__(self, *args, choose_consulate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not choose_consulate:
            del self.fields["consulate"]

    def section(self, names):
        return [self[name] for name in names]

    def caller_fields(self):
        return self.section(self.CALLER)

    def sought_fields(self):
        return self.section(self.SOUGHT)

    def handling_fields(self):
        names = [n for n in ("consulate", "channel", "urgency", "received_at") if n in self.fields]
        return self.section(names)

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "consulate"}
        return {k: v for k, v in data.items() if v not in (None, "")}


class LocateForm(InquiryForm):
    prefix = "locate"
    submit_label = _("Record the search")
    where = forms.ChoiceField(label=_("Where you searched"), choices=LocateWhere.choices)
    searched_for = _text(_("What you searched (name, A-number, country of birth)"), 200)
    result = forms.ChoiceField(label=_("Result"), choices=LocateResult.choices)
    facility = forms.ModelChoiceField(
        label=_("Facility, if found"),
        queryset=DetentionFacility.objects.filter(active=True).order_by("name"),
        required=False,
    )
    notes = _text(_("Notes"), 500)
    attempted_at = forms.DateTimeField(label=_("When, if not now"), required=False, widget=DATETIME_INPUT)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class AssignForm(InquiryForm):
    prefix = "assign"
    submit_label = _("Assign")
    assignee = PersonChoiceField(
        label=_("Assigned officer"), queryset=None, required=False, empty_label=_("Nobody")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(inquiry.consulate_id)


class AnswerForm(InquiryForm):
    prefix = "answer"
    submit_label = _("Answer and close")
    answer = _text(_("The answer given to the caller"), 5000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ForwardForm(InquiryForm):
    prefix = "forward"
    submit_label = _("Forward to that consulate")
    to_consulate = forms.ModelChoiceField(
        label=_("Consulate"), queryset=Consulate.objects.all(), required=False
    )
    note = _text(_("Note for the other consulate"), 500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_consulate"].queryset = Consulate.objects.exclude(pk=inquiry.consulate_id)


class WithdrawForm(InquiryForm):
    prefix = "withdraw"
    submit_label = _("Withdraw the inquiry")
    reason = _text(_("Why it is withdrawn"), 500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ConvertForm(InquiryForm):
    prefix = "convert"
    submit_label = _("Register the person and open a case")
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", _("Not known"))] + list(Sex.choices), required=False
    )
    category = forms.ChoiceField(
        label=_("Kind of case"), choices=Category.choices, initial=Category.MIGRATORIO
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def forms_for(inquiry, data=None, bound: str | None = None) -> dict:
    """The page's action forms; ``bound`` names the one posted (filled with ``data``)."""

    def make(name, cls, **kwargs):
        url = reverse(f"inquiries:{name}", args=[inquiry.pk])
        initial = {"version": inquiry.version, "assignee": inquiry.assigned_to_id}
        form = cls(data if bound == name else None, action=url, initial=initial, **kwargs)
        return form

    return {
        "locate": make("locate", LocateForm),
        "assign": make("assign", AssignForm, inquiry=inquiry),
        "answer": make("answer", AnswerForm),
        "forward": make("forward", ForwardForm, inquiry=inquiry),
        "withdraw": make("withdraw", WithdrawForm),
        "convert": make("convert", ConvertForm),
    }
