"""What reaches a consulate before there is a case: a family's or a partner's inquiry, the attempts to
locate the person sought, and detainee lists imported in bulk (their batches and rows).

Written only by ``intake.services``; visibility is the access policy's (``consulates.policy``).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.identifiers import format_a_number, normalize_a_number
from consulates.policy import ScopedQuerySet
from encryption.fields import BlindIndexField, EncryptedCharField


class Channel(models.TextChoices):
    CIAM = "ciam", _("CIAM call centre")
    PHONE = "phone", _("Consulate's phone line")
    CONSULAPP = "consulapp", _("ConsulApp alert")
    WHATSAPP = "whatsapp", _("WhatsApp")
    WALK_IN = "walk_in", _("In person at the consulate")
    EMAIL = "email", _("Email")
    NGO = "ngo", _("Partner organisation")
    CHILD_WELFARE = "child_welfare", _("Child-welfare agency (DFPS, CASA)")
    OTHER_CONSULATE = "other_consulate", _("Another consulate")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("urgency", "Normal")
    URGENT = "urgent", pgettext_lazy("urgency", "Urgent")


class InquiryStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("inquiry", "Open")
    ANSWERED = "answered", pgettext_lazy("inquiry", "Answered")
    WITHDRAWN = "withdrawn", pgettext_lazy("inquiry", "Withdrawn")


class InquiryQuerySet(ScopedQuerySet):
    def open(self) -> InquiryQuerySet:
        return self.filter(status=InquiryStatus.OPEN)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["sought_a_number_bidx"],
    model_name="InquiryHistory",
)
class Inquiry(models.Model):
    """Someone asks the consulate about a national (usually: where is my relative?). Invariants: the
    caller's name and call-back number and the A-number given are encrypted; an answered inquiry has its
    answer and when; ``person`` and ``case`` are set only by linking or converting; ``version`` increases
    on every change."""

    consulate = models.ForeignKey(
        "consulates.Consulate",
        verbose_name=_("consulate"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    # The caller
    caller_name = EncryptedCharField(_("caller's name"), max_length=160, blank=True)
    caller_relationship = models.CharField(_("relationship to the person sought"), max_length=60, blank=True)
    caller_phone = EncryptedCharField(_("call-back number"), max_length=30, blank=True)
    caller_language = models.CharField(
        _("caller's language"), max_length=2, choices=settings.LANGUAGES, default="es"
    )
    # The person sought, as the caller describes them
    sought_given_names = models.CharField(_("given names"), max_length=120, blank=True)
    sought_paternal_surname = models.CharField(_("paternal surname"), max_length=80, blank=True)
    sought_maternal_surname = models.CharField(_("maternal surname"), max_length=80, blank=True)
    sought_date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sought_birthplace = models.CharField(_("place of birth"), max_length=120, blank=True)
    sought_a_number = EncryptedCharField(_("A-number"), max_length=9, blank=True)
    sought_a_number_bidx = BlindIndexField(
        source="sought_a_number", normaliser="cases.identifiers.canonical_a_number", purpose="a_number"
    )
    arrest_place = models.CharField(_("where they were arrested"), max_length=200, blank=True)
    arrested_on = models.DateField(_("when they were arrested"), null=True, blank=True)
    details = models.TextField(_("what the caller says"), blank=True)
    # Handling
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    respond_by = models.DateTimeField(_("answer the caller by"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    located_at = models.DateTimeField(_("located at"), null=True, blank=True)
    person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    answer = models.TextField(_("answer given to the caller"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # From a partner organisation, through the API
    partner = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    sharing_basis = models.TextField(_("basis for sharing"), blank=True)
    forwarded_from = models.ForeignKey(
        "consulates.Consulate",
        verbose_name=_("forwarded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The last forwarding: when, and what the forwarding consulate told the receiving one (it keeps
    # reading the inquiry's summary, ``consulates.policy._inquiry_view``).
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    forward_note = models.CharField(_("note for the receiving consulate"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["respond_by", "id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [
            models.Index(
                fields=["consulate", "respond_by"], condition=Q(status="open"), name="inquiry_open_queue_idx"
            ),
            models.Index(fields=["partner", "-created_at"], name="inquiry_partner_idx"),
            models.Index(fields=["received_at"], name="inquiry_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False) & ~Q(answer=""),
                name="inquiry_answered_has_answer",
                violation_error_message=_("Write the answer given to the caller."),
            ),
        ]

    def __str__(self) -> str:
        return _("Inquiry %(number)s") % {"number": self.pk}

    @property
    def sought_a_number_display(self) -> str:
        """The A-number given, in the usual notation (A123-456-789) when it is one, else as given."""
        value = self.sought_a_number or ""
        try:
            return format_a_number(normalize_a_number(value))
        except ValidationError:
            return value


# The searches' choices are the case's locate history's (an inquiry's searches are copied there when it is
# converted into a case): one list, in cases (intake depends on cases, not the reverse).
from cases.models.custody import LOCATED_RESULTS as LOCATED_RESULTS  # noqa: E402
from cases.models.custody import LocateResult as LocateResult  # noqa: E402
from cases.models.custody import LocateWhere as LocateWhere  # noqa: E402


class LocateAttemptQuerySet(ScopedQuerySet):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="LocateAttemptHistory")
class LocateAttempt(models.Model):
    """One search for the person an inquiry seeks: where, with what, and what it gave."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="locate_attempts"
    )
    where = models.CharField(_("where"), max_length=20, choices=LocateWhere.choices)
    searched_for = models.CharField(_("what was searched"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=LocateResult.choices)
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    attempted_at = models.DateTimeField(_("when"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )

    objects = LocateAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["attempted_at", "id"]
        verbose_name = _("locate attempt")
        verbose_name_plural = _("locate attempts")

    def __str__(self) -> str:
        return f"{self.get_where_display()}: {self.get_result_display()}"


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: columns to map")
    PREVIEWED = "previewed", _("Checked: ready to import")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


class ImportBatchQuerySet(ScopedQuerySet):
    pass


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["upload"], model_name="ImportBatchHistory"
)
class ImportBatch(models.Model):
    """One detainee list uploaded for a consulate. ``upload`` (the file, base64, encrypted) is kept only
    until the import ends; ``mapping`` names which column holds what; the counts follow the rows."""

    consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("consulate"), on_delete=models.PROTECT, related_name="imports"
    )
    operation = models.ForeignKey(
        "cases.Operation",
        verbose_name=_("operation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports",
    )
    filename = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("file checksum"), max_length=64, editable=False)
    upload = EncryptedCharField(_("uploaded file"), max_length=50_000_000, blank=True, editable=False)
    mapping = models.JSONField(_("columns"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    new_count = models.PositiveIntegerField(_("new persons"), default=0)
    linked_count = models.PositiveIntegerField(_("linked to a known person"), default=0)
    review_count = models.PositiveIntegerField(_("sent to review"), default=0)
    error_count = models.PositiveIntegerField(_("rows not imported"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure = models.CharField(_("why it failed"), max_length=300, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("detainee list import")
        verbose_name_plural = _("detainee list imports")

    def __str__(self) -> str:
        return self.filename


class RowDecision(models.TextChoices):
    PENDING = "pending", pgettext_lazy("import row", "Pending")
    LINKED = "linked", _("Linked to a known person")
    REVIEW = "review", _("New record, sent to review")
    NEW = "new", _("New person")
    ERROR = "error", _("Not imported")
    REPEATED = "repeated", _("Already imported")


class ImportRowQuerySet(ScopedQuerySet):
    pass


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["data", "row_key"],
    model_name="ImportRowHistory",
)
class ImportRow(models.Model):
    """A row of a detainee list: its values (JSON, encrypted), the matcher's decision and reasons, and
    the records it created or linked (provenance). ``row_key`` (a keyed hash of the row's identity, like a
    blind index) makes a re-import of the same row at the same consulate create nothing new."""

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField(_("row"))
    data = EncryptedCharField(_("values"), max_length=20_000, blank=True, editable=False)
    row_key = models.CharField(_("row key"), max_length=64, blank=True, editable=False)
    decision = models.CharField(
        _("decision"), max_length=10, choices=RowDecision.choices, default=RowDecision.PENDING
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_rows",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_rows",
    )
    review = models.ForeignKey(
        "cases.DuplicateReview",
        verbose_name=_("review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_rows",
    )

    objects = ImportRowQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "number"]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        indexes = [models.Index(fields=["row_key"], name="importrow_key_idx")]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="importrow_unique_number")]

    def __str__(self) -> str:
        return _("Row %(number)s") % {"number": self.number}
