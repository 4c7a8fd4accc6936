"""The API documentation page (Swagger UI, served from drf-spectacular-sidecar's static files) under the
site's Content-Security-Policy, unchanged.

Swagger UI uses drf-spectacular's split view: the page loads its start-up script from a second request
(``?script``) instead of an inline ``<script>``, and its page styles come from a static file instead of
drf-spectacular's inline ``<style>`` block. (There is no Redoc page: Redoc writes its styles at run time
and would need the policy loosened for it.)
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


def swagger_view():
    return SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
