"""The read-access log: who looked at which person, case or document, when and from where.

One row per sensitive read (a person or case page, a document download, an export, an API retrieve).
Rows name records by id only, never by name, CURP or any other personal datum, so the log itself is not a
second copy of the records. Rows are written by ``cases.access.record_access`` and never changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("viewed")
    API_RETRIEVE = "api_retrieve", _("retrieved through the API")
    LIST = "list", _("listed records")
    DOWNLOAD = "download", _("downloaded a document")
    EXPORT = "export", _("exported")
    PERSON_EXPORT = "person_export", _("exported the person's data")
    # The person export sent to another consulate with a hand-over (made, or downloaded again).
    HANDOVER_EXPORT = "handover_export", _("exported the person's data for a hand-over")
    ERASE = "erase", _("erased the person's data")
    # Entered a CURP or A-number that this person (one the user cannot see) holds: a review was opened.
    IDENTIFIER_REVIEW = "identifier_review", _("entered an identifier this person holds")


class AccessLog(models.Model):
    """Append-only (a database trigger refuses every UPDATE and DELETE). ``person``/``case``/``document``
    are kept as plain ids (not foreign keys) so the log outlives erasure and deletion of what it points
    at; ``user`` and ``partner`` are foreign keys without a database constraint, for the same reason: a
    deleted account's rows keep its id and are never rewritten."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    partner = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    case_id = models.BigIntegerField(_("case"), null=True, blank=True, db_index=True)
    document_id = models.BigIntegerField(_("document"), null=True, blank=True)
    what = models.CharField(
        _("what"),
        max_length=120,
        blank=True,
        help_text=_("The page, endpoint or report, without personal data."),
    )
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk}"
