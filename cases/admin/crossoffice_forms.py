"""Forms of the cross-office pages: transfers, consent and referrals. Each one feeds one service; the
service's field errors land next to these fields (same field names as the services' error keys)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.models.crossoffice import ConsentMethod, DataCategory
from cases.selectors.crossoffice import case_documents, referral_partner_suggestions
from consulates.models import Consulate, PartnerService
from consulates.selectors import partners_covering
from staffsite.formats import in_words


def _note(label, *, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=capfirst(label),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=required,
        help_text=help_text,
    )


class TransferRequestForm(forms.Form):
    to_consulate = forms.ModelChoiceField(
        label=capfirst(_("to consulate")), queryset=Consulate.objects.none()
    )
    reason = _note(_("reason"), required=True, help_text=_("The receiving consulate reads this first."))

    def __init__(self, *args, case: Case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_consulate"].queryset = Consulate.objects.exclude(pk=case.consulate_id)


class TransferDecisionForm(forms.Form):
    """Accept (note optional), reject (note required by the service) or cancel (note optional)."""

    note = _note(_("note"), required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action == "reject":
            self.fields["note"].label = capfirst(_("reason for rejecting"))
            self.fields["note"].required = True
        elif action == "cancel":
            self.fields["note"].label = capfirst(_("reason for cancelling"))


class ConsentForm(forms.Form):
    partner = forms.ModelChoiceField(label=capfirst(_("partner")), queryset=None)
    scope = forms.MultipleChoiceField(
        label=capfirst(_("data shared")),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A referral needs at least the person's identity."),
    )
    method = forms.ChoiceField(
        label=capfirst(_("how it was given")), choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    given_at = forms.DateTimeField(
        label=capfirst(_("given at")),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help_text=_("When the person gave it, in your consulate's time."),
    )
    form_document = forms.ModelChoiceField(
        label=capfirst(_("signed form")),
        queryset=None,
        required=False,
        help_text=_("For an uploaded signed form: choose it among the case's documents."),
    )

    def __init__(self, *args, case: Case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners_covering(case.consulate_id).order_by("name")
        documents = case_documents(user=user, case=case)
        self.fields["form_document"].queryset = documents
        self.fields["form_document"].label_from_instance = _document_label
        if not self.is_bound:
            self.fields["given_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
            self.fields["scope"].initial = [DataCategory.IDENTITY]


def _document_label(document) -> str:
    uploaded = in_words(document.uploaded_at, with_time=False)
    return f"{document.get_kind_display()} · {document.description or document.original_name} · {uploaded}"


class ConsentWithdrawForm(forms.Form):
    note = _note(
        _("note"),
        required=False,
        help_text=_("The partner loses access now and its referrals for this case end."),
    )


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if getattr(obj, "has_consent", False):
            return _("%(partner)s · consent on record") % {"partner": obj.name}
        return _("%(partner)s · needs the person's consent first") % {"partner": obj.name}


class ReferralForm(forms.Form):
    service = forms.ChoiceField(
        label=capfirst(_("service needed")), choices=[("", "---------"), *PartnerService.choices]
    )
    partner = PartnerChoiceField(label=capfirst(_("partner")), queryset=None)
    request_note = _note(_("what is needed"), required=False)

    def __init__(self, *args, case: Case, user, service: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Every partner covering the consulate can be chosen (the service says why one will not do);
        # those offering the service and holding the person's consent come first.
        self.fields["partner"].queryset = referral_partner_suggestions(case=case)
        if service in PartnerService.values:
            self.fields["service"].initial = service


class ReferralAnswerForm(forms.Form):
    """Staff record the partner's answer, progress and end of a referral; which note is asked depends
    on the action (decline: reason, start: note, complete: outcome, withdraw: reason)."""

    LABELS = {
        "decline": ("reason", _("reason for declining"), True),
        "start": ("note", _("note"), False),
        "complete": ("outcome_note", _("outcome"), True),
        "withdraw": ("reason", _("reason for withdrawal"), True),
    }

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action in self.LABELS:
            name, label, required = self.LABELS[action]
            self.fields[name] = _note(label, required=required)
