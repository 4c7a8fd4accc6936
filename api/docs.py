"""The API documentation pages (Swagger UI and Redoc, served from drf-spectacular-sidecar's static files)
under the site's Content-Security-Policy.

Swagger UI uses drf-spectacular's split view: the page loads its start-up script from a second request
(``?script``) instead of an inline ``<script>``, and its page styles come from a static file instead of
drf-spectacular's inline ``<style>`` block; it runs under the site's policy unchanged.

Redoc's page drops drf-spectacular's web-font links to a third-party host and never gives Redoc's
Redocly logo its CDN address (``api/redoc-local.js``). Redoc itself (styled-components) writes
``<style>`` elements at run time and builds its search index in a web worker started from a ``blob:``
URL of its own code, so this one page allows inline *styles* (never inline script) and blob workers.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

REDOC_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}


def swagger_view():
    return SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")


def redoc_view():
    view = SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
    return csp_update(REDOC_CSP)(view)
