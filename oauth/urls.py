"""/oauth/: the endpoints of the authorization code flow (django-oauth-toolkit's token and revocation
views, our consent page) and the user's devices page. Nothing else of the toolkit is routed: no implicit
or password grant, no device flow, no application self-registration (administrators register apps in
the staff UI)."""

from django.urls import path
from oauth2_provider import views as dot

from oauth import views

app_name = "staff_oauth"

urlpatterns = [
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke/", dot.RevokeTokenView.as_view(), name="revoke"),
    path("devices/", views.devices, name="devices"),
]
