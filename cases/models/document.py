"""Files uploaded to a case. Served only through an access-checked view, never from a public URL."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet


class DocumentKind(models.TextChoices):
    CONSENT_FORM = "consent_form", _("Signed consent form")
    IDENTITY = "identity", _("Identity document")
    COURT = "court", _("Court or immigration document")
    MEDICAL = "medical", _("Medical record")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    REPATRIATION = "repatriation", _("Repatriation")
    OTHER = "other", _("Other")


ALLOWED_CONTENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def document_path(instance: Document, filename: str) -> str:
    """Stored under a random name: the original name (which may carry a person's name) stays in the
    database only."""
    extension = ALLOWED_CONTENT_TYPES.get(instance.content_type, "")
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class DocumentQuerySet(ScopedQuerySet):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent(), model_name="DocumentHistory")
class Document(FastLoad, models.Model):
    """An uploaded file. Invariants: the whole content checked (a PDF, JPEG or PNG and nothing else;
    images re-encoded without metadata), upload within ``DOCUMENT_MAX_BYTES``, ``sha256`` and ``size``
    of the stored bytes; written by ``cases.services.documents.document_upload`` only. ``original_name``
    is the uploader's name for the file, shown as text and never used to store or serve it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_partner = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("uploaded by partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.description or self.original_name

    @property
    def download_name(self) -> str:
        """The name the file is served under: the document's number and the extension of its checked
        type (``document-12.pdf``), never the uploader's name, which could say ``.html`` or ``.bat``."""
        return f"document-{self.pk}{ALLOWED_CONTENT_TYPES.get(self.content_type, '.bin')}"
