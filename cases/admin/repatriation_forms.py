"""Forms of the repatriation staff UI; each one writes through a service while it validates
(``ServiceFormMixin``), so a service's refusal appears next to the field it concerns."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.admin.base import ServiceFormMixin, ServiceModelForm
from cases.models import Belonging, Case, Document, RepatriationHandoff
from cases.models.repatriation import BelongingStatus, IdentityDocument
from cases.services import documents as document_services
from cases.services import repatriation as repatriation_services
from cases.services.repatriation import HANDOFF_FIELDS

# The hand-off form in sections, as the page and the printed sheet show it.
HANDOFF_SECTIONS = [
    (
        _("Needs on arrival"),
        [
            "medical_needs",
            "medication",
            "disability",
            "minors_travelling",
            "minors_details",
            "needs_shelter",
            "needs_transport_home",
            "destination",
        ],
    ),
    (_("Identity documents"), ["documents_held", "documents_missing"]),
    (_("Family in Mexico"), ["family_contact_name", "family_contact_phone", "family_contact_relationship"]),
    (_("Belongings and notes"), ["belongings_notes", "notes"]),
]


def handoff_suggestions(case: Case) -> dict:
    """A new hand-off starts from what the person's record already says: the family contact from the
    emergency contact who lives in Mexico (else the first one), the destination from the address in
    Mexico. The officer checks and corrects them before saving."""
    person = case.person
    contacts = sorted(
        person.emergency_contacts.all(), key=lambda contact: (not contact.in_mexico, contact.pk)
    )
    suggestions = {}
    if contacts:
        contact = contacts[0]
        suggestions |= {
            "family_contact_name": contact.name,
            "family_contact_phone": contact.phone,
            "family_contact_relationship": contact.relationship,
        }
    if person.mexico_address:
        suggestions["destination"] = person.mexico_address[:160]
    return suggestions


class HandoffForm(ServiceModelForm):
    """Prepare (no instance yet) or update the hand-off of ``case``."""

    documents_held = forms.MultipleChoiceField(
        label=capfirst(_("documents the person has")),
        choices=IdentityDocument.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    documents_missing = forms.MultipleChoiceField(
        label=capfirst(_("documents to issue on arrival")),
        choices=IdentityDocument.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("México te abraza centres issue the CURP, birth certificates and identification."),
    )

    class Meta:
        model = RepatriationHandoff
        fields = list(HANDOFF_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ("medical_needs", "medication", "disability", "minors_details", "belongings_notes")
        } | {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, request, case: Case, unseen_warnings=(), **kwargs):
        self.request, self.case = request, case
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.is_bound:
            self.initial.update(handoff_suggestions(case))
        if unseen_warnings:
            # Not a block: left empty, the hand-off is saved and the warnings stay shown as not yet seen.
            self.fields["warnings_reason"] = forms.CharField(
                label=capfirst(_("why the removal goes ahead despite the warnings")),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                help_text=_("Recorded with your name and the time on the case's timeline."),
            )

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in HANDOFF_SECTIONS]

    def has_changed(self):
        return self.instance.pk is None or super().has_changed()  # preparing is always a write

    def run_service(self, data):
        values = {name: data.get(name) for name in HANDOFF_FIELDS}
        reason = data.get("warnings_reason") or ""
        if self.instance.pk is None:
            return repatriation_services.handoff_prepare(
                actor=self.request.user, case=self.case, warnings_reason=reason, **values
            )
        changed = {name: values[name] for name in self.changed_data if name in HANDOFF_FIELDS}
        return repatriation_services.handoff_update(
            actor=self.request.user, handoff=self.instance, warnings_reason=reason, **changed
        )


class ConfirmReceptionForm(ServiceFormMixin, forms.Form):
    received_by_name = forms.CharField(
        label=capfirst(_("received by (reception point staff)")), max_length=160, required=False
    )
    received_at = forms.DateTimeField(
        label=capfirst(_("received at")),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time of the consulate."),
    )
    notes = forms.CharField(
        label=capfirst(_("reception notes")), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, request, handoff: RepatriationHandoff, **kwargs):
        self.request, self.handoff = request, handoff
        self.instance = handoff
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def has_changed(self):
        return True

    def run_service(self, data):
        return repatriation_services.handoff_confirm(
            actor=self.request.user,
            handoff=self.handoff,
            received_by_name=data.get("received_by_name", ""),
            received_at=data["received_at"],
            notes=data.get("notes", ""),
        )


class BelongingForm(ServiceModelForm):
    """A new row records a held belonging; a held row can be marked returned or missing (final)."""

    resolve = forms.ChoiceField(
        label=capfirst(_("mark as")),
        choices=[
            ("", "---------"),
            (BelongingStatus.RETURNED.value, BelongingStatus.RETURNED.label),
            (BelongingStatus.MISSING.value, BelongingStatus.MISSING.label),
        ],
        required=False,
    )

    class Meta:
        model = Belonging
        fields = ["kind", "description", "amount", "resolution_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the service changes a belonging: what was recorded stays; a resolved one is final.
        if self.instance.pk is not None:
            frozen = ["kind", "description", "amount"]
            if self.instance.status != BelongingStatus.HELD:
                frozen += ["resolve", "resolution_note"]
        else:
            frozen = ["resolve", "resolution_note"]
        for name in frozen:
            if name in self.fields:
                self.fields[name].disabled = True

    def run_service(self, data):
        actor, belonging = self.request.user, self.instance
        if belonging.pk is None:
            return repatriation_services.belonging_record(
                actor=actor,
                case=Case.objects.get(pk=belonging.case_id),
                kind=data["kind"],
                description=data.get("description") or "",
                amount=data.get("amount"),
            )
        if not data.get("resolve"):
            raise ValidationError({"resolve": _("Choose returned or missing to save the note.")})
        try:
            return repatriation_services.belonging_resolve(
                actor=actor,
                belonging=belonging,
                status=data["resolve"],
                note=data.get("resolution_note") or "",
            )
        except ValidationError as exc:
            raise _renamed(exc, {"status": "resolve"}) from exc


class DocumentForm(ServiceModelForm):
    """Upload a file to the case. The stored file is never offered for editing or by its storage URL:
    existing documents are read-only rows with a link to the access-checked download view."""

    upload = forms.FileField(label=capfirst(_("file")), help_text=_("PDF, JPEG or PNG."))

    class Meta:
        model = Document
        fields = ["kind", "description"]
        labels = {"upload": capfirst(_("file"))}  # the inline's column header (rows are read-only)

    def run_service(self, data):
        try:
            document = document_services.document_upload(
                actor=self.request.user,
                case=Case.objects.get(pk=self.instance.case_id),
                file=data["upload"],
                kind=data["kind"],
                description=data.get("description") or "",
            )
        except ValidationError as exc:
            raise _renamed(exc, {"file": "upload"}) from exc
        # If the page is shown again (another form had errors), the row is rolled back: so is the file.
        undo = getattr(self.request, "on_service_rollback", None)
        if undo is not None:
            undo.append(lambda: document.file.delete(save=False))
        return document


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same errors, under the form's names for the service's fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})
