"""Issuing and revoking partner API tokens in the staff UI (administrators only).

The token is shown once, in the page that answers the request issuing it (never in a message, which
travels in a readable cookie, nor in the session); only its digest is stored. Tokens go only to users of
active partner organisations. Revoking deletes the token (its history row keeps who revoked it and
when)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken, ApiTokenUse
from consulates.admin_mixins import RecordsAdmin
from consulates.policy import can
from signin import ratelimit
from signin.views import too_many_requests
from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin
from staffsite.admin_search import PostedSearchAdminMixin
from staffsite.admin_shown_once import shown_once_response

MAX_TOKEN_DAYS = 365


class IssueTokenForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("partner user"),
        queryset=get_user_model()
        .objects.filter(partner_membership__partner__active=True, is_active=True)
        .order_by("username"),
        help_text=_("Tokens are issued to users of an active partner organisation."),
    )
    valid_days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=90
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(DeclaredLookupsOnlyAdmin, PostedSearchAdminMixin, admin.ModelAdmin):
    list_display = ["name", "token_key", "user", "partner", "created", "expiry", "last_used_at", "expired"]
    list_select_related = ["user__partner_membership__partner"]
    search_fields = ["name", "user__username", "token_key"]
    actions = ["revoke"]
    form = IssueTokenForm

    def has_module_permission(self, request):
        return can(request.user, "reference.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_add_permission(self, request):
        return can(request.user, "reference.manage")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("partner"))
    def partner(self, obj):
        membership = getattr(obj.user, "partner_membership", None)
        return membership.partner if membership else "—"

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, obj):
        return obj.expiry is not None and obj.expiry <= timezone.now()

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "POST":
            rate = ratelimit.parse_rate(settings.API_TOKEN_ISSUE_RATE_PER_USER)
            wait = ratelimit.hit("api-token-issue", str(request.user.pk), rate)
            if wait is not None:
                return too_many_requests(
                    request,
                    retry_after=wait,
                    message=_("Too many API tokens issued in a short time. Try again in %(minutes)d minutes.")
                    % {"minutes": max(1, -(-wait // 60))},
                )
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        token, raw = ApiToken.objects.create(
            user=form.cleaned_data["user"],
            expiry=dt.timedelta(days=form.cleaned_data["valid_days"]),
            name=form.cleaned_data["name"],
            issued_by=request.user,
        )
        form.instance = token
        # Kept on this request only (the ModelAdmin is shared by every request and thread).
        request.api_token_shown_once = (token, raw)

    def response_add(self, request, obj, post_url_continue=None):
        token, raw = request.api_token_shown_once  # ``obj`` is the form's unsaved instance, not the token
        return shown_once_response(
            request,
            title=_("API token issued"),
            secret=raw,
            lead=_("Token for %(user)s issued. Copy it now: it will not be shown again.")
            % {"user": token.user},
            advice=_("Send it to the partner through a secure channel. It expires on %(date)s.")
            % {"date": date_format(timezone.localtime(token.expiry), "DATE_FORMAT")},
            back_url=reverse("admin:api_apitoken_changelist"),
            opts=self.opts,
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        count = queryset.count()
        for token in queryset:
            token.delete()
        messages.success(request, _("%(count)d tokens revoked.") % {"count": count})


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(RecordsAdmin, PostedSearchAdminMixin, admin.ModelAdmin):
    """Every call made with a partner token (read-only; purged after the retention period)."""

    list_display = ["at", "token_key", "user_id", "method", "path", "status", "ip_address"]
    list_filter = ["method", "status"]
    search_fields = ["=token_key", "=user_id", "path"]
    date_hierarchy = "at"
    view_action = "reference.manage"
