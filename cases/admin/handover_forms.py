"""Forms of the hand-over pages; each writes through ``cases.services.handover`` while it validates
(``ServiceFormMixin``), so a refusal appears next to the field it concerns."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.admin.base import ServiceFormMixin
from cases.models import Case, Handover
from cases.models.handover import HandoverMethod, HandoverReason
from cases.selectors.handover import handover_posts, handover_posts_by_state
from cases.services import handover as handover_services


class PostChoiceField(forms.ModelChoiceField):
    """The consulates outside the network, grouped by state, each as "City — name"."""

    def label_from_instance(self, obj):
        return f"{obj.city} — {obj.name}"

    def _grouped_choices(self):
        return [("", "---------")] + [
            (state, [(post.pk, self.label_from_instance(post)) for post in posts])
            for state, posts in handover_posts_by_state()
        ]


class HandoverForm(ServiceFormMixin, forms.Form):
    post = PostChoiceField(
        label=capfirst(_("consulate it is handed over to")),
        queryset=handover_posts(),
        required=False,
        help_text=_("Mexican consulates in the US outside this network, by state and city."),
    )
    reason = forms.ChoiceField(
        label=capfirst(_("why")), choices=[("", "---------"), *HandoverReason.choices], required=False
    )
    reason_notes = forms.CharField(
        label=capfirst(_("about the reason")), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    method = forms.ChoiceField(
        label=capfirst(_("how it was sent")),
        choices=[("", "---------"), *HandoverMethod.choices],
        required=False,
    )
    method_notes = forms.CharField(
        label=capfirst(_("sent to (address or office)")), max_length=255, required=False
    )
    sent_at = forms.DateTimeField(
        label=capfirst(_("sent at")),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time of the consulate."),
    )

    def __init__(self, *args, request, case: Case, **kwargs):
        self.request, self.case = request, case
        self.instance = Handover(case=case)
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = self.fields["post"]._grouped_choices()
        self.fields["sent_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def has_changed(self):
        return True

    def run_service(self, data):
        return handover_services.handover_record(
            actor=self.request.user,
            case=self.case,
            post=data.get("post"),
            reason=data.get("reason", ""),
            reason_notes=data.get("reason_notes", ""),
            method=data.get("method", ""),
            method_notes=data.get("method_notes", ""),
            sent_at=data["sent_at"],
            request=self.request,
        )


class HandoverReceiptForm(ServiceFormMixin, forms.Form):
    acknowledged_by_name = forms.CharField(
        label=capfirst(_("acknowledged by (at the other consulate)")), max_length=160, required=False
    )
    acknowledged_at = forms.DateTimeField(
        label=capfirst(_("receipt acknowledged at")),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time of the consulate."),
    )
    notes = forms.CharField(
        label=capfirst(_("about the receipt")), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, request, handover: Handover, **kwargs):
        self.request, self.instance = request, handover
        super().__init__(*args, **kwargs)
        self.fields["acknowledged_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def has_changed(self):
        return True

    def run_service(self, data):
        return handover_services.handover_acknowledge(
            actor=self.request.user,
            handover=self.instance,
            acknowledged_by_name=data.get("acknowledged_by_name", ""),
            acknowledged_at=data["acknowledged_at"],
            notes=data.get("notes", ""),
        )
