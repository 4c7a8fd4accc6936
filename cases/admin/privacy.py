"""Staff-UI pages on a person for administrators: export the person's data, erase it on request.

Thin: the checks and the work are in ``cases.services.privacy``; these views read the form, call the
service, record the access-log row and answer.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.access import AccessAction, record_access
from cases.admin.base import add_service_errors
from cases.models import Case
from cases.models.case import Status
from cases.services import privacy
from cases.services.privacy.anonymise import person_erase_request
from consulates.policy import can


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The request received (who asked, when, how). Kept in the audit trail."),
    )
    confirmation = forms.CharField(label=gettext_lazy("Confirmation"), max_length=20)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["confirmation"].help_text = _(
            "Type the person's record number, %(number)s, to confirm. This cannot be undone."
        ) % {"number": person.pk}

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"].strip().lstrip("#")
        if typed != str(self.person.pk):
            raise ValidationError(
                _("Type the record number %(number)s exactly.") % {"number": self.person.pk}
            )
        return typed


def person_urls(model_admin) -> list:
    def view(function):
        return model_admin.admin_site.admin_view(
            lambda request, object_id: function(model_admin, request, object_id)
        )

    return [
        path("<path:object_id>/export/", view(export_view), name="cases_person_export"),
        path("<path:object_id>/erase/", view(erase_view), name="cases_person_erase"),
    ]


def person_object_tools(request, person) -> list[tuple[str, str, str]]:
    tools = []
    if can(request.user, "person.export", person):
        tools.append(("export", _("Export data"), reverse("admin:cases_person_export", args=[person.pk])))
    if can(request.user, "person.erase", person) and person.anonymised_at is None:
        tools.append(("erase", _("Erase data"), reverse("admin:cases_person_erase", args=[person.pk])))
    return tools


def _person_or_404(model_admin, request, object_id):
    person = model_admin.get_object(request, object_id)
    if person is None:
        raise Http404
    return person


def _context(model_admin, request, person, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": person,
        "title": title,
        **extra,
    }


def export_view(model_admin, request, object_id):
    """GET: what the export holds; POST: the zip, recorded in the access log, never cached."""
    if not can(request.user, "person.export"):
        raise PermissionDenied
    person = _person_or_404(model_admin, request, object_id)
    if request.method == "POST":
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - the response closes it
        try:
            filename = privacy.person_export(actor=request.user, person=person, out=out)
            record_access(
                request, AccessAction.PERSON_EXPORT, person_id=person.pk, what="admin person export"
            )
        except BaseException:
            out.close()
            raise
        out.seek(0)
        response = FileResponse(out, as_attachment=True, filename=filename, content_type="application/zip")
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
    context = _context(
        model_admin, request, person, _("Export the person's data: #%(id)s") % {"id": person.pk}
    )
    response = TemplateResponse(request, "admin/cases/person/export.html", context)
    response["Cache-Control"] = "no-store"
    return response


def erase_view(model_admin, request, object_id):
    """A reason and the typed record number; refused (with the cases named) while a case is not closed.
    The erasure itself runs on the maintenance worker (the web server may not rewrite history): the page
    says it is under way."""
    if not can(request.user, "person.erase"):
        raise PermissionDenied
    person = _person_or_404(model_admin, request, object_id)
    change_url = reverse("admin:cases_person_change", args=[person.pk])
    if person.anonymised_at is not None:
        messages.info(request, _("This person's data was already erased."))
        return HttpResponseRedirect(change_url)
    form = EraseForm(request.POST if request.method == "POST" else None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                person_erase_request(
                    actor=request.user, person=person, reason=form.cleaned_data["reason"], page=request.path
                )
                record_access(request, AccessAction.ERASE, person_id=person.pk, what="admin person erase")
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The erasure of the person's data is under way. It takes a minute or two; this page "
                    "then shows the person as anonymised. Their cases still count in the reports."
                ),
            )
            return HttpResponseRedirect(change_url)
    not_closed = Case.objects.filter(person=person).exclude(status=Status.CLOSED).order_by("opened_at")
    context = _context(
        model_admin,
        request,
        person,
        _("Erase the person's data: #%(id)s") % {"id": person.pk},
        form=form,
        not_closed=list(not_closed.values_list("reference", flat=True)),
    )
    response = TemplateResponse(request, "admin/cases/person/erase.html", context)
    response["Cache-Control"] = "no-store"
    return response
