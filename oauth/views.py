"""The staff-side pages of OAuth: the consent page (django-oauth-toolkit's authorize view, in our frame and
languages) and the user's own signed-in devices.

Both sit behind the staff sign-in: the authorize view needs a signed-in user (else the sign-in page, then
back) and the second-factor middleware sends a session that has not given its code to the code page
(then back); the session's idle and absolute limits apply to it like to any page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from oauth2_provider import views as dot

from oauth import selectors, services
from oauth.forms import RevokeDeviceForm
from oauth.models import AppTokenUse


class AuthorizationView(dot.AuthorizationView):
    """Asks the user to allow the app (unless an administrator pre-approved it: ``skip_authorization``).
    Only the authorization code flow with PKCE (S256) reaches the consent: the settings refuse the rest."""

    template_name = "oauth/authorize.html"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def devices(request):
    """The apps the user is signed in to, one row per device, with the last use; revoke one."""
    if request.method == "POST":
        form = RevokeDeviceForm(request.POST)
        if form.is_valid() and services.device_revoke(
            user_id=request.user.pk, token_family=form.cleaned_data["device"]
        ):
            messages.success(request, _("The app was signed out on that device."))
        else:
            messages.error(request, _("That device was not found. It may have been signed out already."))
        return redirect("staff_oauth:devices")
    last_uses = dict(
        AppTokenUse.objects.filter(user_id=request.user.pk, token_family__isnull=False)
        .values("token_family")
        .annotate(last=Max("at"))
        .values_list("token_family", "last")
    )
    context = {
        "title": _("Your signed-in apps"),
        "devices": selectors.devices_for(request.user.pk, last_uses=last_uses),
    }
    return render(request, "oauth/devices.html", context)
