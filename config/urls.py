import logging

from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import docs
from staffsite.admin_search import PostedAutocompleteJsonView

logger = logging.getLogger(__name__)


def healthz(request):
    """For load balancers and the container's health check: 200 when the database answers, else 503
    (without the reason, which goes to the error log)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    # First: the API's calls are the most frequent, and each pattern tried before theirs costs every one.
    re_path(r"^api/(?P<version>v1)/", include(("config.api_urls", "api"), namespace="v1")),
    path("", include("workspace.urls")),
    # Issue 19: possible duplicates and merges (/duplicates/, /persons/<id>/merge/, /merges/<id>/).
    path("", include("intake.reviews.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("account/", include("signin.urls")),
    path("oauth/", include("oauth.urls")),
    # Before the admin's own: its autocomplete answers POST only (typed names stay out of addresses).
    path(
        "admin/autocomplete/",
        admin.site.admin_view(PostedAutocompleteJsonView.as_view(admin_site=admin.site)),
        name="admin-autocomplete-posted",
    ),
    path("admin/", admin.site.urls),
    path("cases/", include("cases.urls")),
    path("reports/", include("cases.reports.urls")),
    path("inquiries/", include("intake.inquiries.urls")),
    path("imports/", include("intake.imports.urls")),  # detainee lists and operations
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("api/docs/", docs.swagger_view(), name="api-docs"),
]
