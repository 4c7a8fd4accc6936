"""Plumbing that lets the Django admin write through the services.

A form's ``run_service`` is called at the end of validation, inside a savepoint: the service's
field errors appear on the form next to the field, in the user's language, and nothing is saved
twice. ``ServiceAdminMixin`` rolls the whole request back whenever the page is shown again with
errors, so a valid main form never lands without its inlines (no half-written records); a form that
stored a file registers its removal in ``request.on_service_rollback``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from staffsite.admin_lookups import accept_list_links


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form: by field where the form has it, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ServiceFormMixin:
    request = None  # set by ServiceAdminMixin.get_form / get_formset

    def run_service(self, data: dict):
        raise NotImplementedError

    def _post_clean(self):
        if self._errors or not self.has_changed() or (self.cleaned_data or {}).get("DELETE"):
            return
        try:
            with transaction.atomic():
                result = self.run_service(self.cleaned_data)
        except ValidationError as exc:
            add_service_errors(self, exc)
        except PermissionDenied as exc:
            self.add_error(None, str(exc) or _("You cannot do this."))
        else:
            if result is not None:
                if self.instance.pk is None and isinstance(result, type(self.instance)):
                    # The admin built the inline formsets around this very (unsaved) object before
                    # validating the form: give it the new row's id so their rows attach to it.
                    self.instance.pk = result.pk
                    self.instance._state.adding = False
                self.instance = result

    def save(self, commit=True):
        # The service saved already; the admin only needs the instance.
        return self.instance

    def save_m2m(self):
        pass


class ServiceModelForm(ServiceFormMixin, forms.ModelForm):
    pass


class ServiceAdminMixin:
    """ModelAdmin side: hand the request to the forms; never let the admin save behind the services."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # What a rollback cannot undo by itself (a stored file) is undone by these callbacks.
        request.on_service_rollback = []
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            rolled_back = request.method == "POST" and response.status_code == 200
            if rolled_back:
                transaction.set_rollback(True)  # shown again with errors: keep nothing of this POST
        if rolled_back:
            for undo in request.on_service_rollback:
                undo()
        return response

    def save_model(self, request, obj, form, change):
        pass  # written by the form's service

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Inline forms wrote through their services while validating; delete what was ticked and
        tell the admin's change message what happened (as ``formset.save()`` would have)."""
        deleted = [f for f in formset.deleted_forms if f.instance.pk]
        handler = getattr(formset.form, "delete_with_service", None)
        for item in deleted:
            if handler:
                handler(request, item.instance)
        deleted_ids = {id(f) for f in deleted}
        formset.new_objects = [
            f.instance for f in formset.extra_forms if f.has_changed() and id(f) not in deleted_ids
        ]
        formset.changed_objects = [
            (f.instance, f.changed_data)
            for f in formset.initial_forms
            if f.has_changed() and id(f) not in deleted_ids
        ]
        formset.deleted_objects = [f.instance for f in deleted]


class ServiceInlineMixin:
    """Inline side: the inline's forms receive the request too."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            formset.form.__name__,
            (formset.form,),
            {"request": request, "parent": obj, "__init__": _labelled_init(formset.form.__init__)},
        )
        return formset


def _labelled_init(init):
    """A table row's inputs are labelled by their column's heading only on screen: each input gets its
    field's label as its accessible name too (screen readers, axe's "label" rule)."""

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        for field in self.fields.values():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's related-field wrapper
            if field.label and "aria-label" not in widget.attrs:
                widget.attrs["aria-label"] = capfirst(str(field.label))

    return __init__


# The reports' figures open the staff case list on exactly the cases they count
# (``cases.reports.network.case_list_url``): the list accepts these parameters besides its own filters
# (``staffsite.admin_lookups``).
accept_list_links(
    "cases.case", {"status__in", "status__exact", "consulate__id__exact", "facility__id__exact"}
)
