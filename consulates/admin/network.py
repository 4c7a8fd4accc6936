from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from consulates.admin_mixins import AdministratorOnlyAdmin, ReferenceDataAdmin
from consulates.models import (
    Consulate,
    County,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    PartnerMembership,
    ReceptionPoint,
    StaffMembership,
)
from consulates.policy import can
from consulates.services import (
    mark_curated,
    partner_deactivate,
    partner_webhook_secret_set,
    user_staff_flag_sync,
)
from consulates.zones import zone_label
from signin.totp import second_factor_reset
from staffsite.admin_shown_once import shown_once_response


class CuratedOnSaveMixin:
    """An administrator's edit is kept: ``load_network`` never overwrites a curated row."""

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            mark_curated(obj)
        super().save_model(request, obj, form, change)


class ZoneFilter(admin.AllValuesFieldListFilter):
    """The zones as people say them ("Central time"), not as IANA names."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] not in (None, _("All")):
                choice = {**choice, "display": zone_label(str(choice["display"]))}
            yield choice


@admin.register(Consulate)
class ConsulateAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    list_display = ["city", "code", "kind", "state", "zone", "phone", "curated"]
    list_filter = ["state", "kind", ("timezone", ZoneFilter)]
    search_fields = ["city", "code"]
    readonly_fields = ["slug", "curated"]

    @admin.display(description=_("timezone"), ordering="timezone")
    def zone(self, obj):
        return zone_label(obj.timezone)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return ["zone" if name == "timezone" else name for name in fields]  # read: as people say it

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "zone"]


@admin.register(County)
class CountyAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    list_display = ["name", "state", "fips", "consulate", "zone", "basis", "confidence", "curated"]
    list_filter = ["state", "consulate", ("timezone", ZoneFilter), "basis", "confidence", "curated"]
    search_fields = ["name", "fips"]
    list_select_related = ["consulate"]
    readonly_fields = ["fips", "curated"]
    source_fields = ("source", "timezone_source")
    loaded_text_fields = ("timezone_notes",)
    fields = [
        "state",
        "name",
        "fips",
        "consulate",
        "basis",
        "confidence",
        "latitude",
        "longitude",
        "source",
        "timezone",
        "timezone_basis",
        "timezone_source",
        "timezone_notes",
        "curated",
    ]

    @admin.display(description=_("timezone"), ordering="timezone")
    def zone(self, obj):
        return zone_label(obj.timezone) if obj.timezone else "—"


@admin.register(DetentionFacility)
class DetentionFacilityAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "city",
        "state",
        "county",
        "district",
        "zone",
        "ice_field_office",
        "operator",
        "active",
    ]
    list_filter = ["kind", "state", "ice_field_office", "county__consulate", "active"]
    search_fields = ["name", "city", "operator"]
    list_select_related = ["county__consulate"]
    autocomplete_fields = ["county"]
    readonly_fields = ["district", "zone", "curated", "added_by"]

    @admin.display(description=_("time in use"))
    def zone(self, obj):
        """The zone the facility's times are in: its own, else its county's."""
        return zone_label(obj.zone_name)

    @admin.display(description=_("district consulate"), ordering="county__consulate__city")
    def district(self, obj):
        return obj.county.consulate if obj.county_id else _("outside the network")


@admin.register(ReceptionPoint)
class ReceptionPointAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "mx_state", "designated_2016", "status", "status_date", "offered"]
    list_filter = ["kind", "mx_state", "designated_2016", "status", "offered"]
    search_fields = ["name", "mx_city"]
    readonly_fields = ["curated"]
    fields = [
        "name",
        "kind",
        ("mx_city", "mx_state"),
        "us_counterpart",
        "timezone",
        ("designated_2016", "designation_text"),
        ("status", "status_date"),
        "status_text",
        "offered",
        "receivers",
        "receives",
        "agreed_hours",
        ("hours_from", "hours_to"),
        "basis",
        "notes",
        "source",
        "curated",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "receivers":
            return forms.TypedMultipleChoiceField(
                choices=ReceptionPoint.Receiver.choices,
                required=False,
                label=db_field.verbose_name,
                widget=forms.CheckboxSelectMultiple,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            mark_curated(obj)  # a point staff add is theirs: the loader never marks it not offered
        super().save_model(request, obj, form, change)


@admin.register(ImmigrationCourt)
class ImmigrationCourtAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    """Immigration courts, hearing locations and federal district courts, each in its own zone."""

    list_display = ["name", "kind", "city", "state", "zone", "control_court", "basis", "active"]
    list_filter = ["kind", "state", ("timezone", ZoneFilter), "basis", "active"]
    search_fields = ["name", "city", "abbreviation"]
    list_select_related = ["control_court"]
    readonly_fields = ["zone", "curated"]
    # The sources' own words, in English: for whoever maintains the data until staff rewrite the row.
    loaded_text_fields = ("notes", "detained_docket", "status", "control_court_note")
    fields = [
        "name",
        "kind",
        "city",
        "state",
        "address",
        "district",
        "abbreviation",
        "division",
        "detained_docket",
        "inside_facility",
        "control_court",
        "control_court_note",
        "timezone",
        "zone",
        "phone",
        "status",
        "basis",
        "source",
        "notes",
        "active",
        "curated",
    ]

    @admin.display(description=_("time in use"), ordering="timezone")
    def zone(self, obj):
        return zone_label(obj.timezone)


class PartnerForm(forms.ModelForm):
    """The signing secret is write-only: typed (or generated) here, stored encrypted, never shown back."""

    new_webhook_secret = forms.CharField(
        label=_("new webhook signing secret"),
        required=False,
        min_length=24,
        max_length=64,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the current secret. Once saved, a secret is never shown again."),
    )
    generate_webhook_secret = forms.BooleanField(
        label=_("generate a new webhook signing secret"),
        required=False,
        help_text=_("A random secret, shown once on the next page."),
    )

    class Meta:
        model = Partner
        fields = [  # never ``webhook_secret`` itself
            "name",
            "kind",
            "state",
            "services",
            "consulates",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
            "active",
            "webhook_url",
        ]

    def clean(self):
        data = super().clean()
        if data.get("new_webhook_secret") and data.get("generate_webhook_secret"):
            self.add_error("generate_webhook_secret", _("Type a new secret or generate one, not both."))
        return data


SECRET_FIELDS = ("webhook_secret_status", "new_webhook_secret", "generate_webhook_secret")


@admin.register(Partner)
class PartnerAdmin(ReferenceDataAdmin, admin.ModelAdmin):
    """Every staff member reads a partner's page; only administrators edit it and its webhook signing
    secret, which nobody reads. Unticking *active* revokes the API tokens of the partner's users."""

    list_display = ["name", "kind", "contact_name", "contact_email", "active"]
    list_filter = ["active", "kind", "consulates"]
    search_fields = ["name"]
    filter_horizontal = ["consulates"]
    form = PartnerForm
    exclude = ["webhook_secret"]
    readonly_fields = ["source", "curated"]

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name not in SECRET_FIELDS]
        if can(request.user, "reference.manage"):
            fields += ["webhook_secret_status", "new_webhook_secret", "generate_webhook_secret"]
        if obj is not None and can(request.user, "webhook.delivery.view"):
            fields.append("webhook_deliveries")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if can(request.user, "reference.manage"):
            readonly.append("webhook_secret_status")
        if can(request.user, "webhook.delivery.view"):
            readonly.append("webhook_deliveries")
        return readonly

    @admin.display(description=_("webhook deliveries"))
    def webhook_deliveries(self, obj):
        """The delivery log kept to this partner (the log's page is the cases app's, named by its URL)."""
        url = reverse("admin:cases_webhookdelivery_changelist") + f"?partner__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("The webhooks sent to this organisation"))

    @admin.display(description=_("webhook signing secret"))
    def webhook_secret_status(self, obj):
        if obj is not None and obj.webhook_secret:
            return _("A secret is set (it is never shown)")
        return _("No secret set")

    def save_model(self, request, obj, form, change):
        deactivating = change and "active" in form.changed_data and not obj.active
        if change and form.has_changed():
            mark_curated(obj)  # a loaded agency an administrator corrected: ``load_network`` keeps the edit
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        if data.get("generate_webhook_secret"):
            # Shown once, in the answer to this request: never in a message (a cookie) or the session.
            request.partner_secret_shown_once = partner_webhook_secret_set(actor=request.user, partner=obj)
        elif data.get("new_webhook_secret"):
            partner_webhook_secret_set(actor=request.user, partner=obj, secret=data["new_webhook_secret"])
        if deactivating:
            revoked = partner_deactivate(actor=request.user, partner=obj)
            messages.warning(
                request,
                ngettext(
                    "The partner is inactive: %(count)d API token of its users was revoked.",
                    "The partner is inactive: %(count)d API tokens of its users were revoked.",
                    revoked,
                )
                % {"count": revoked},
            )

    def _secret_page(self, request, obj):
        secret = getattr(request, "partner_secret_shown_once", None)
        if secret is None:
            return None
        return shown_once_response(
            request,
            title=_("Webhook signing secret"),
            secret=secret,
            lead=_("New webhook signing secret for %(partner)s. Copy it now: it will not be shown again.")
            % {"partner": obj.name},
            advice=_(
                "Give it to the partner through a secure channel: from now on it signs every call to its webhook."
            ),
            back_url=reverse("admin:consulates_partner_change", args=[obj.pk]),
            opts=self.opts,
        )

    def response_add(self, request, obj, post_url_continue=None):
        return self._secret_page(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._secret_page(request, obj) or super().response_change(request, obj)


class StaffFlagSyncMixin:
    """A membership decides whether its user gets the staff UI: keep ``is_staff`` in step when a
    membership is added, moved to another user or deleted on its own page."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        previous = form.initial.get("user") if change else None
        if previous and previous != obj.user_id:
            user_staff_flag_sync(user=get_user_model().objects.get(pk=previous))
        user_staff_flag_sync(user=obj.user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        user_staff_flag_sync(user=user)

    def delete_queryset(self, request, queryset):
        users = [membership.user for membership in queryset.select_related("user")]
        super().delete_queryset(request, queryset)
        for user in users:
            user_staff_flag_sync(user=user)


@admin.register(StaffMembership)
class StaffMembershipAdmin(StaffFlagSyncMixin, AdministratorOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "role", "consulate", "can_export"]
    list_filter = ["role", "consulate", "can_export"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "consulate"]


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(StaffFlagSyncMixin, AdministratorOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "partner"]
    list_filter = ["partner"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


class AdministratorInlinePermissions:
    """Roles are set by administrators (``consulates.access``), not by Django's permission tables,
    which would hide these inlines from every administrator who is not a superuser."""

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_add_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "reference.manage")


class StaffMembershipInline(AdministratorInlinePermissions, admin.StackedInline):
    model = StaffMembership
    can_delete = True
    extra = 0
    max_num = 1


class PartnerMembershipInline(AdministratorInlinePermissions, admin.StackedInline):
    model = PartnerMembership
    extra = 0
    max_num = 1


User = get_user_model()
admin.site.unregister(User)
# Roles are decided in code (consulates.access); Django's groups are not used.
admin.site.unregister(Group)


@admin.register(User)
class NetworkUserAdmin(AdministratorOnlyAdmin, UserAdmin):
    """Users are managed by administrators only, with their role in the network alongside."""

    inlines = [StaffMembershipInline, PartnerMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "role", "second_factor", "is_active"]
    list_select_related = ["staff_membership__consulate"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(confirmed))

    @admin.display(description=_("second factor"), boolean=True)
    def second_factor(self, obj):
        return getattr(obj, "has_second_factor", None)

    @admin.action(description=_("Reset the second factor (the user sets up a new authenticator)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            if second_factor_reset(user=user, actor=request.user):
                self.log_change(request, user, [{"changed": {"fields": ["second factor (reset)"]}}])
        count = queryset.count()
        messages.success(
            request,
            ngettext(
                "Second factor reset for %(count)d user: at the next sign-in they set up a new authenticator.",
                "Second factor reset for %(count)d users: at the next sign-in they set up a new authenticator.",
                count,
            )
            % {"count": count},
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_staff_flag_sync(user=form.instance)

    @admin.display(description=_("role"))
    def role(self, obj):
        membership = getattr(obj, "staff_membership", None)
        return str(membership) if membership else "—"

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail keeps pointing at the user
