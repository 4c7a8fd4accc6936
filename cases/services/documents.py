"""Uploading files to a case: the whole file checked (``document_checks``), size limit, checksum of the
stored bytes, timeline entry."""

from __future__ import annotations

import hashlib
import os
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Document
from cases.models.document import ALLOWED_CONTENT_TYPES, DocumentKind
from cases.services.common import lock_case, refuse_if_closed, touch
from cases.services.document_checks import inspect_upload
from consulates.policy import authorize, partner_of


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _display_name(name: str | None) -> str:
    """The uploader's file name, kept only to be shown: no folders, no control characters. It is never
    used to store or serve the file."""
    base = os.path.basename((name or "").replace("\\", "/"))
    printable = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return printable[:200] or "document"


def _require_uploader(actor, case: Case):
    """Staff of the case's consulate; or a partner user while the case is referred to its partner."""
    partner_id = partner_of(actor)
    authorize(actor, "document.upload.partner" if partner_id else "document.upload", case)
    return partner_id


@transaction.atomic
def document_upload(*, actor, case: Case, file, kind: str, description: str = "") -> Document:
    """Store an uploaded file on the case. Refused (a ``file`` error, nothing written): empty files,
    files over ``DOCUMENT_MAX_BYTES``, and anything that is not wholly a PDF, JPEG or PNG, whatever its
    name says (see ``cases.services.document_checks``). Images are stored re-encoded, without metadata;
    ``size`` and ``sha256`` are those of the stored bytes."""
    case = lock_case(case)
    partner_id = _require_uploader(actor, case)
    refuse_if_closed(case)
    errors: dict[str, list] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    checked = None
    if file is None or not file.size:
        errors["file"] = [_("Choose a file to upload; this one is empty.")]
    elif file.size > settings.DOCUMENT_MAX_BYTES:
        errors["file"] = [
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        ]
    else:
        try:
            checked = inspect_upload(_read_all(file))
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    document = Document(
        case=case,
        kind=kind,
        description=(description or "").strip()[:200],
        original_name=_display_name(file.name),
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by=actor,
        uploaded_by_partner_id=partner_id,
    )
    extension = ALLOWED_CONTENT_TYPES[checked.content_type]
    document.file.save(f"document{extension}", ContentFile(checked.content), save=False)
    try:
        document.save()
        events.document_uploaded(case, actor, document=document)
        touch(case, actor)
    except BaseException:
        document.file.delete(save=False)  # no file without its row
        raise
    return document
