from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.forms.models import construct_instance
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from cases import services
from cases.admin import privacy
from cases.admin.access_logging import AccessLoggedAdminMixin, access_log_link
from cases.admin.base import ServiceAdminMixin, ServiceInlineMixin, ServiceModelForm
from cases.admin.person_aliases import PersonAliasInline
from cases.models import Case, EmergencyContact, Person
from cases.models.person import ADDRESS_FIELDS, VULNERABILITY_FIELDS
from cases.selectors import person_search_filter
from cases.services.identifier_reviews import review_notices
from cases.services.merges import merge_followed
from cases.services.persons import PERSON_FIELDS
from cases.services.registration import PossibleDuplicates, person_register_screened, record_candidates_shown
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import can, home_consulate, reach
from consulates.selectors import consulates_selectable_by


class PersonForm(ServiceModelForm):
    # Wider than the stored values: the service normalises what staff type (A-123-456-789, lower case).
    curp = forms.CharField(label=capfirst(_("CURP")), max_length=24, required=False)
    a_number = forms.CharField(
        label=capfirst(_("A-number")),
        max_length=16,
        required=False,
        help_text=_("A12345678, A-123-456-789 or 123456789; stored as 9 digits."),
    )
    # The record's ``updated_at`` as the page showed it: a save over a change made meanwhile (an edit, a
    # merge that copied identifiers onto this record) is refused rather than overwriting it.
    expected_version = forms.CharField(
        widget=forms.HiddenInput, required=False, label=_("version of the record the page shows")
    )
    languages = forms.CharField(
        label=capfirst(_("languages")),
        required=False,
        help_text=_("Separate with commas, e.g. español, mixteco."),
    )

    class Meta:
        model = Person
        fields = "__all__"
        # An address is typed on a few lines (street and number; colonia; city, state, postal code).
        widgets = {name: forms.Textarea(attrs={"rows": 3, "cols": 60}) for name in ADDRESS_FIELDS}

    # On registration, after likely duplicates were shown (``cases.services.registration``).
    confirm_new_person = forms.BooleanField(
        label=_("It is a different person: register a new person"), required=False
    )
    new_person_reason = forms.CharField(
        label=_("Why it is a different person"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("For example: a different mother's name, or the family confirmed another date of birth."),
    )
    possible_duplicates: list = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["expected_version"] = self.instance.updated_at.isoformat()
            self.initial["languages"] = ", ".join(self.instance.languages or [])
            self.initial["a_number"] = self.instance.a_number_display
            del self.fields["confirm_new_person"], self.fields["new_person_reason"]
        if "registered_by" in self.fields:
            selectable = consulates_selectable_by(self.request.user)
            self.fields["registered_by"].queryset = selectable
            own = home_consulate(self.request.user)
            if own and not self.instance.pk:
                self.fields["registered_by"].initial = own

    def clean_languages(self):
        return [item.strip() for item in self.cleaned_data["languages"].split(",") if item.strip()]

    def run_service(self, data):
        fields = {name: value for name, value in data.items() if name in PERSON_FIELDS}
        if self.instance.pk:
            person = services.person_update(
                actor=self.request.user,
                person=self.instance,
                request=self.request,
                expected_version=data.get("expected_version") or None,
                **fields,
            )
        else:
            try:
                person = person_register_screened(
                    actor=self.request.user,
                    consulate=data.get("registered_by"),
                    request=self.request,
                    confirm_new_person=data.get("confirm_new_person", False),
                    new_person_reason=data.get("new_person_reason", ""),
                    **fields,
                )
            except PossibleDuplicates as exc:
                self.possible_duplicates = exc.candidates
                self.request.possible_duplicates_shown = exc.candidates  # logged once rolled back
                raise
        person._viewer = self.request.user  # a page shown again still lists this user's cases of the person
        return person


class EmergencyContactForm(ServiceModelForm):
    class Meta:
        model = EmergencyContact
        fields = ["name", "relationship", "phone", "email", "in_mexico", "hearing_reminders_consent", "notes"]

    def run_service(self, data):
        if self.instance.person_id is None:
            return None  # the person's form was refused: the page is shown again and nothing is kept
        person = Person.objects.get(pk=self.instance.person_id)
        # ServiceFormMixin skips ModelForm._post_clean: the typed values are put on the row here.
        contact = construct_instance(self, self.instance, fields=self._meta.fields)
        return services.emergency_contact_save(actor=self.request.user, person=person, contact=contact)

    @staticmethod
    def delete_with_service(request, contact):
        services.emergency_contact_delete(actor=request.user, contact=contact)


class EmergencyContactInline(ServiceInlineMixin, admin.TabularInline):
    model = EmergencyContact
    form = EmergencyContactForm
    extra = 0

    def has_view_permission(self, request, obj=None):
        return can(request.user, "staff.enter")

    def has_add_permission(self, request, obj=None):
        return can(request.user, "person.edit", obj) and not _anonymised(obj)

    def has_change_permission(self, request, obj=None):
        return can(request.user, "person.edit", obj) and not _anonymised(obj)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "person.edit", obj) and not _anonymised(obj)


def _tell_identifiers_in_review(request, person) -> None:
    """Once the page is saved (never on a page shown again with errors, whose writes are undone): the
    identifiers that were withheld for review, and nothing about whose they are."""
    for messages_ in review_notices(person).values():
        for message in messages_:
            messages.warning(request, message)


def _anonymised(person) -> bool:
    return person is not None and getattr(person, "anonymised_at", None) is not None


class VulnerableFilter(admin.SimpleListFilter):
    title = _("vulnerability")
    parameter_name = "vulnerable"

    def lookups(self, request, model_admin):
        return [("yes", _("Vulnerable")), ("no", _("Not vulnerable"))]

    def queryset(self, request, queryset):

        any_flag = Q()
        for name in VULNERABILITY_FIELDS:
            any_flag |= Q(**{name: True})
        if self.value() == "yes":
            return queryset.filter(any_flag)
        if self.value() == "no":
            return queryset.exclude(any_flag)
        return queryset


@admin.register(Person)
class PersonAdmin(AccessLoggedAdminMixin, ServiceAdminMixin, CaseWorkAdmin, admin.ModelAdmin):
    access_label = "person"
    form = PersonForm
    inlines = [PersonAliasInline, EmergencyContactInline]
    # CURP and A-number are shown but not sortable: their columns hold ciphertext.
    list_display = [
        "name",
        "curp_display",
        "a_number_shown",
        "date_of_birth",
        "registered_by",
        "vulnerable",
        "anonymised",
    ]
    list_select_related = ["registered_by"]
    list_filter = [VulnerableFilter, "needs_interpreter", "registered_by"]
    search_fields = ["search_name"]  # the real search is get_search_results
    search_help_text = _(
        "Name or another name of the person (accents and case ignored, any surname), CURP or A-number."
    )
    readonly_fields = ["cases_of_person", "created_at", "updated_at", "anonymised_at"]
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    ("given_names", "paternal_surname", "maternal_surname"),
                    ("date_of_birth", "sex", "state_of_birth"),
                    ("curp", "a_number"),
                    ("passport_number", "matricula_consular"),
                    "registered_by",
                    "expected_version",
                ]
            },
        ),
        (_("Language"), {"fields": [("languages", "needs_interpreter", "preferred_language")]}),
        (
            _("Contact"),
            {
                "fields": [
                    ("phone", "email"),
                    ("us_address", "mexico_address"),
                    "us_county",
                    "contact_consent",
                ]
            },
        ),
        (
            _("Vulnerability"),
            {
                "fields": [
                    ("is_minor", "is_unaccompanied_minor", "is_pregnant", "is_older_adult"),
                    ("has_disability", "has_serious_medical_condition", "fears_return"),
                ]
            },
        ),
        (_("Cases"), {"fields": ["cases_of_person", ("created_at", "updated_at", "anonymised_at")]}),
    ]

    def get_queryset(self, request):
        return Person.objects.visible_to(request.user)

    def get_fieldsets(self, request, obj=None):
        """The version the page shows travels with a form that saves; a read-only page has none."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "expected_version"]})
            for name, options in fieldsets
        ]

    @admin.display(description=_("name"))
    def name(self, obj):
        return obj.full_name

    @admin.display(description=_("A-number"))
    def a_number_shown(self, obj):
        return obj.a_number_display or "—"

    def access_ids(self, obj) -> dict:
        return {"person_id": obj.pk}

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("registered_by")
        return fields

    def get_search_results(self, request, queryset, search_term):
        if request.GET.get("model_name") == "case" and request.GET.get("field_name") == "person":
            # The case page's person autocomplete offers only persons a case may be opened for.
            queryset = queryset.openable_by(request.user)
        return queryset.filter(person_search_filter(search_term)), False

    def response_add(self, request, obj, post_url_continue=None):
        _tell_identifiers_in_review(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        _tell_identifiers_in_review(request, obj)
        return super().response_change(request, obj)

    def get_list_filter(self, request):
        if reach(request.user).network:
            return self.list_filter
        return [f for f in self.list_filter if f != "registered_by"]

    def has_change_permission(self, request, obj=None):
        # An anonymised person is read-only: there is nothing left to correct, and nothing may come back.
        return super().has_change_permission(request, obj) and not _anonymised(obj)

    def get_urls(self):
        return [*privacy.person_urls(self), *super().get_urls()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        # The registration was refused and rolled back: the likely duplicates it showed were read.
        record_candidates_shown(request, getattr(request, "possible_duplicates_shown", ()))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        merged_into = _merged_record_target(request, object_id)
        if merged_into is not None:
            return merged_into
        extra_context = {
            **(extra_context or {}),
            "access_log_url": access_log_link(request, person=object_id),
        }
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["privacy_tools"] = privacy.person_object_tools(request, obj)
            if can(request.user, "person.merge", obj) and obj.anonymised_at is None:
                # The merge pages are the workspace's (intake.reviews), named here by URL only.
                merge_url = reverse("reviews:person_merge", args=[obj.pk])
                extra_context["privacy_tools"].append(("merge", _("Merge with another record"), merge_url))
            if can(request.user, "staff.enter"):
                # The person's relatives (decision 0027): the workspace's page, named here by URL only.
                family_url = reverse("workspace:person_family", args=[obj.pk])
                extra_context["privacy_tools"].append(("family", pgettext("panel", "Family"), family_url))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("anonymised"), boolean=True)
    def anonymised(self, obj):
        return obj.anonymised_at is not None

    @admin.display(description=_("CURP"))
    def curp_display(self, obj):
        return obj.curp or "—"

    @admin.display(description=_("vulnerable"), boolean=True)
    def vulnerable(self, obj):
        return obj.is_vulnerable

    @admin.display(description=_("cases"))
    def cases_of_person(self, obj):
        if not obj or not obj.pk:
            return "—"

        rows = (
            Case.objects.visible_to(getattr(obj, "_viewer", None))
            .filter(person=obj)
            .select_related("consulate")
        )
        links = format_html_join(
            "",
            '<li><a href="{}">{}</a> · {} · {}</li>',
            (
                (
                    reverse("admin:cases_case_change", args=[c.pk]),
                    c.reference,
                    c.get_category_display(),
                    c.get_status_display(),
                )
                for c in rows
            ),
        )
        add_url = reverse("admin:cases_case_add") + f"?person={obj.pk}"
        return format_html(
            '<ul class="case-list">{}</ul><a class="button" href="{}">{}</a>',
            links,
            add_url,
            _("Open a case"),
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # read-only panels list only what this user may see
        return obj


def _merged_record_target(request, object_id):
    """A merged-away record's page leads to the record it was merged into (when the user sees that one),
    with a message; ``None`` for any other record."""
    if not str(object_id).isdigit():
        return None
    merged = Person.objects.filter(pk=object_id, merged_into__isnull=False).only("merged_into").first()
    if merged is None:
        return None
    target = merge_followed(merged)
    if not Person.objects.visible_to(request.user).filter(pk=target.pk).exists():
        return None
    messages.info(request, _("This record was merged into another one: here is the record kept."))
    return redirect("admin:cases_person_change", target.pk)
