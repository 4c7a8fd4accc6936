"""Registering staff apps (OAuth 2.0 clients) in the staff UI, administrators only; the record of their
token uses. The toolkit's own admin pages (apps, grants, tokens) are replaced: tokens are never shown.

Only the authorization code flow: a public client (a native or single-page app, PKCE) or a confidential
one (a server-side app, PKCE and a client secret, generated here and shown once; only its hash is
stored). Redirect URIs match exactly; ``http`` only for the loopback address of a native app, on any port
(RFC 8252 §7.3)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from consulates.admin_mixins import RecordsAdmin
from consulates.policy import can
from oauth.models import AppTokenUse
from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin
from staffsite.admin_shown_once import shown_once_response

Application = get_application_model()
LOOPBACK_HOSTS = ("127.0.0.1", "::1")

for model in (
    Application,
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def redirect_uri_errors(uri: str) -> list[str]:
    """Why ``uri`` cannot be an app's redirect URI (none: it can)."""
    parts = urlsplit(uri)
    if parts.fragment or "*" in uri:
        return [_("%(uri)s: no fragment and no wildcard.") % {"uri": uri}]
    if parts.scheme == "https" and parts.hostname:
        return []
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return []
    return [
        _("%(uri)s: use https, or http://127.0.0.1 (any port) for a native app on the user's computer.")
        % {"uri": uri}
    ]


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["name", "client_type", "redirect_uris", "allowed_origins", "skip_authorization"]
        labels = {
            "name": capfirst(_("name")),
            "client_type": capfirst(_("kind of app")),
            "redirect_uris": capfirst(_("return addresses")),
            "allowed_origins": capfirst(_("allowed origins (browsers)")),
            "skip_authorization": _("pre-approved (users are not asked to allow it)"),
        }
        help_texts = {
            "allowed_origins": _("The web addresses a single-page app runs at, separated by spaces."),
            "client_type": _(
                "Public: a native or single-page app (PKCE, no secret). Confidential: a server-side app "
                "(PKCE and a secret, shown once)."
            ),
            "redirect_uris": _("One per line, matched exactly."),
        }

    def clean_redirect_uris(self):
        uris = self.cleaned_data["redirect_uris"].split()
        if not uris:
            raise forms.ValidationError(_("Give at least one redirect URI."))
        errors = [error for uri in uris for error in redirect_uri_errors(uri)]
        if errors:
            raise forms.ValidationError(errors)
        return "\n".join(uris)


def titled(base, title):
    """The admin's own filter ``base`` for a field, under ``title`` (the toolkit's field names are English)."""

    def __init__(self, *args, **kwargs):
        base.__init__(self, *args, **kwargs)
        self.title = title

    return type(f"Titled{base.__name__}", (base,), {"__init__": __init__})


@admin.register(Application)
class StaffAppAdmin(DeclaredLookupsOnlyAdmin, admin.ModelAdmin):
    form = ApplicationForm
    list_display = ["name", "client_id", "kind", "pre_approved", "created"]
    list_filter = [
        ("client_type", titled(admin.ChoicesFieldListFilter, _("kind of app"))),
        ("skip_authorization", titled(admin.BooleanFieldListFilter, _("pre-approved"))),
    ]
    readonly_fields = ["client_id"]
    actions = ["remove"]

    def has_module_permission(self, request):
        return can(request.user, "reference.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_add_permission(self, request):
        return can(request.user, "reference.manage")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    @admin.display(description=_("kind of app"), ordering="client_type")
    def kind(self, obj):
        return obj.get_client_type_display()

    @admin.display(description=_("pre-approved"), boolean=True, ordering="skip_authorization")
    def pre_approved(self, obj):
        return obj.skip_authorization

    def get_fields(self, request, obj=None):
        fields = list(ApplicationForm.Meta.fields)
        return ["client_id", *fields] if obj is not None else fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        obj.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        obj.algorithm = Application.NO_ALGORITHM
        if not change:
            obj.user = request.user
            raw = generate_client_secret() if obj.client_type == Application.CLIENT_CONFIDENTIAL else ""
            obj.client_secret = raw
            obj.hash_client_secret = bool(raw)  # a public app has no secret (not even a hashed empty one)
            request.staff_app_secret = raw
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "staff_app_secret", "")
        if not raw:
            return super().response_add(request, obj, post_url_continue)
        return shown_once_response(
            request,
            title=_("Staff app registered"),
            secret=raw,
            lead=_(
                "Client secret of %(app)s (client id %(client_id)s). Copy it now: it will not be shown again."
            )
            % {"app": obj.name, "client_id": obj.client_id},
            advice=_("Give it to the app's operators through a secure channel."),
            back_url=reverse("admin:oauth2_provider_application_changelist"),
            opts=self.opts,
        )

    @admin.action(
        description=_("Remove the selected apps (their users are signed out)"), permissions=["delete"]
    )
    def remove(self, request, queryset):
        count = queryset.count()
        for app in queryset:
            app.delete()  # its grants and tokens go with it
        messages.success(request, _("%(count)d apps removed.") % {"count": count})


@admin.register(AppTokenUse)
class AppTokenUseAdmin(RecordsAdmin, admin.ModelAdmin):
    """Every call made with a staff app's token (read-only; purged after the retention period)."""

    list_display = ["at", "application_id", "user_id", "method", "path", "status", "ip_address"]
    list_filter = ["method", "status"]
    date_hierarchy = "at"
    view_action = "reference.manage"
