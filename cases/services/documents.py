"""Uploading files to a case: type by content, size limit, checksum, timeline entry."""

from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Document
from cases.models.document import DocumentKind
from cases.services.common import lock_case, refuse_if_closed, require_worker, touch
from consulates.access import access_for

# The first bytes of each allowed type; the name and the browser's declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _checksum(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _require_uploader(actor, case: Case):
    """Staff of the case's consulate; or a partner user while the case is referred to its partner."""
    access = access_for(actor)
    if access.partner_id:
        if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
            raise PermissionDenied(_("You cannot add documents to this case."))
        return access.partner_id
    require_worker(actor, case.consulate_id)
    return None


@transaction.atomic
def document_upload(*, actor, case: Case, file, kind: str, description: str = "") -> Document:
    """Store an uploaded file on the case. Refused: empty files, files over ``DOCUMENT_MAX_BYTES``, and
    anything whose content is not PDF, JPEG or PNG (whatever its name says)."""
    case = lock_case(case)
    partner_id = _require_uploader(actor, case)
    refuse_if_closed(case)
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if file is None or not file.size:
        errors["file"] = [_("Choose a file to upload; this one is empty.")]
    elif file.size > settings.DOCUMENT_MAX_BYTES:
        errors["file"] = [
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        ]
    else:
        file.seek(0)
        content_type = sniff_content_type(file.read(16))
        if content_type is None:
            errors["file"] = [_("Only PDF, JPEG and PNG files can be uploaded; this file is none of them.")]
    if errors:
        raise ValidationError(errors)
    original_name = os.path.basename(file.name or "")[:200] or "document"
    document = Document(
        case=case,
        kind=kind,
        description=(description or "").strip()[:200],
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        sha256=_checksum(file),
        uploaded_by=actor,
        uploaded_by_partner_id=partner_id,
    )
    document.file.save(original_name, file, save=False)
    try:
        document.save()
        events.document_uploaded(case, actor, document=document)
        touch(case, actor)
    except BaseException:
        document.file.delete(save=False)  # no file without its row
        raise
    return document
