"""Serving a stored document: the one way a file leaves the service, from the staff UI or the API."""

from __future__ import annotations

from django.http import FileResponse, Http404

from cases.access import AccessAction, record_access


def document_response(request, document, *, what: str) -> FileResponse:
    """The document as an attachment, recorded in the access log. Always named ``document-<id>.<ext>``
    (never the uploader's name), with the type found when it was uploaded and ``nosniff``: a browser
    neither renders it in the page nor guesses another type; never cached. A file missing from storage
    is not found. ``document`` is one the caller may see, with its case loaded."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    record_access(
        request,
        AccessAction.DOWNLOAD,
        document_id=document.pk,
        case_id=document.case_id,
        person_id=document.case.person_id,
        what=what,
    )
    response = FileResponse(
        handle, as_attachment=True, filename=document.download_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
