"""Plain views outside the admin: the access-checked download of case documents."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_safe

from cases.downloads import document_response
from cases.selectors.repatriation import document_for_download
from consulates.policy import can


@require_safe
@login_required
def document_download(request, pk: int):
    """Stream a document to staff who see its case, or to the partner that uploaded it while the case
    is referred to it. Anything else is not found (never forbidden: existence does not leak).

    Always an attachment named ``document-<id>.<ext>`` with the type found when it was uploaded and
    ``nosniff``: a browser neither renders it in the page nor guesses another type."""
    if not can(request.user, "document.download"):
        raise Http404
    document = document_for_download(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return document_response(request, document, what="document download")
