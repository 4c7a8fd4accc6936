"""The work on a case: its timeline, hearings and tasks."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.zones import hearing_zone_name
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet
from staffsite.formats import in_words


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    NOTE = "note", _("Note")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    UPDATED = "updated", _("Case updated")
    CUSTODY = "custody", _("Custody changed")
    CUSTODY_VERIFIED = "custody_verified", _("Custody verified")
    LOCATE_ATTEMPT = "locate_attempt", _("Search for the person")
    ART36 = "art36", _("Art. 36 clock updated")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    HEARING_SCHEDULED = "hearing_scheduled", _("Hearing scheduled")
    HEARING_UPDATED = "hearing_updated", _("Hearing updated")
    PROCEEDING_OPENED = "proceeding_opened", _("Legal proceeding recorded")
    PROCEEDING_UPDATED = "proceeding_updated", _("Legal proceeding updated")
    PROCEEDING_DECIDED = "proceeding_decided", _("Decision recorded")
    DEADLINE_ADDED = "deadline_added", _("Deadline added")
    DEADLINE_RESOLVED = "deadline_resolved", _("Deadline met or waived")
    INCIDENT_RECORDED = "incident_recorded", _("Critical incident recorded")
    INCIDENT_CLOSED = "incident_closed", _("Critical incident closed")
    TASK_ADDED = "task_added", _("Task added")
    TASK_UPDATED = "task_updated", _("Task updated")
    TASK_COMPLETED = "task_completed", _("Task completed")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSURE_APPROVED = "closure_approved", _("Closure approved")
    CLOSURE_REJECTED = "closure_rejected", _("Closure rejected")
    CLOSED = "closed", _("Case closed")
    REOPENED = "reopened", _("Case reopened")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_REJECTED = "transfer_rejected", _("Transfer rejected")
    TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    REFERRED = "referred", _("Referred to a partner")
    REFERRAL_ANSWERED = "referral_answered", _("Partner answered a referral")
    REFERRAL_PROGRESS = "referral_progress", _("Referral progress")
    REFERRAL_WITHDRAWN = "referral_withdrawn", _("Referral withdrawn")
    PARTNER_NOTE = "partner_note", _("Note from a partner")
    HANDOFF_PREPARED = "handoff_prepared", _("Repatriation hand-off prepared")
    HANDOFF_UPDATED = "handoff_updated", _("Repatriation hand-off updated")
    HANDOFF_CONFIRMED = "handoff_confirmed", _("Reception in Mexico confirmed")
    HANDOVER_SENT = "handover_sent", _("Handed over to another consulate")
    HANDOVER_ACKNOWLEDGED = "handover_receipt", _("Hand-over receipt acknowledged")
    CHILD_WELFARE_RECORDED = "child_welfare", _("Child-welfare agency case recorded")
    AGENCY_REQUEST_ADDED = "agency_request", _("Agency request recorded")
    AGENCY_REQUEST_UPDATED = "agency_request_upd", _("Agency request updated")
    CHILD_ASSESSED = "child_assessed", _("Child's assessment recorded")
    REMOVAL_WARNING_SEEN = "removal_warning_seen", _("Removal warning seen")
    BELONGING_RECORDED = "belonging_recorded", _("Belonging recorded")
    BELONGING_RESOLVED = "belonging_resolved", _("Belonging returned or missing")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    INQUIRY_LINKED = "inquiry_linked", _("Inquiry linked")
    IMPORTED = "imported", _("Imported from a detainee list")
    MERGED = "merged", _("Person records merged")
    UNMERGED = "unmerged", _("Person records separated again")
    RELATIONSHIP_ADDED = "relationship_added", _("Relative recorded")
    RELATIONSHIP_CHANGED = "relationship_changed", _("Family relationship corrected")
    RELATIONSHIP_ENDED = "relationship_ended", _("Family relationship removed")
    FAMILY_ITEM_ADDED = "family_item_added", _("Family-preparedness item added")
    FAMILY_ITEM_DONE = "family_item_done", _("Family-preparedness item resolved")
    REQUEST_RECORDED = "request_recorded", _("Request to an authority recorded")
    REQUEST_UPDATED = "request_updated", _("Request to an authority corrected")
    REQUEST_SENT = "request_sent", _("Request to an authority sent")
    REQUEST_ANSWERED = "request_answered", _("Authority answered a request")
    REQUEST_WITHDRAWN = "request_withdrawn", _("Request to an authority withdrawn")


NOTE_KINDS = (EventKind.NOTE, EventKind.CALL, EventKind.VISIT)

# Which timeline entries a partner may read, by the data category the person consented to share.
# Entries about a referral are read by the partner it concerns (see ``CaseEventQuerySet``); a partner's
# own notes are among those, so they are not listed under "notes": another partner's note is that
# partner's work, not the person's data shared with this one.
EVENT_KINDS_BY_CATEGORY = {
    "notes": NOTE_KINDS,
    "custody": (
        EventKind.CUSTODY,
        EventKind.CUSTODY_VERIFIED,
        EventKind.ART36,
        EventKind.HANDOFF_PREPARED,
        EventKind.HANDOFF_UPDATED,
        EventKind.HANDOFF_CONFIRMED,
        EventKind.REMOVAL_WARNING_SEEN,
        EventKind.BELONGING_RECORDED,
        EventKind.BELONGING_RESOLVED,
    ),
    "hearings": (EventKind.HEARING_SCHEDULED, EventKind.HEARING_UPDATED),
    "family": (EventKind.RELATIONSHIP_ADDED, EventKind.RELATIONSHIP_CHANGED, EventKind.RELATIONSHIP_ENDED),
}
REFERRAL_EVENT_KINDS = (
    EventKind.REFERRED,
    EventKind.REFERRAL_ANSWERED,
    EventKind.REFERRAL_PROGRESS,
    EventKind.REFERRAL_WITHDRAWN,
    EventKind.PARTNER_NOTE,
    EventKind.DOCUMENT_UPLOADED,
)
# The entries about one referral (``referral_id`` in the payload); a document belongs to the case.
ONE_REFERRAL_EVENT_KINDS = tuple(kind for kind in REFERRAL_EVENT_KINDS if kind != EventKind.DOCUMENT_UPLOADED)


class CaseEventQuerySet(ScopedQuerySet):
    def of_referral(self, referral):
        """The timeline of one referral, as its partner reads it (after ``visible_to``): nothing once the
        referral has ended, even while the case stays shared with the partner through another referral;
        while it is active, the case's entries without those about the partner's other referrals of the
        case (an earlier, ended one included)."""
        if not referral.is_active:
            return self.none()
        return self.filter(case_id=referral.case_id).filter(
            ~models.Q(kind__in=ONE_REFERRAL_EVENT_KINDS) | models.Q(payload__referral_id=referral.pk)
        )


@pghistory.track(pghistory.InsertEvent(), model_name="CaseEventHistory")
class CaseEvent(FastLoad, models.Model):
    """One entry of a case's human timeline. Append-only: the database refuses updates and deletes."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    text = models.TextField(_("text"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    # What a partner reads of the timeline (consulates.policy): by the consented data category, and the
    # entries about its own referrals.
    KINDS_BY_CATEGORY = EVENT_KINDS_BY_CATEGORY
    REFERRAL_KINDS = REFERRAL_EVENT_KINDS

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "-occurred_at"], name="caseevent_case_time_idx")]
        triggers = [
            pgtrigger.Protect(name="caseevent_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {in_words(self.occurred_at)}"


class HearingKind(models.TextChoices):
    MASTER = "master_calendar", _("Master calendar hearing")
    INDIVIDUAL = "individual", _("Individual (merits) hearing")
    BOND = "bond", _("Bond hearing")
    CREDIBLE_FEAR = "credible_fear", _("Credible or reasonable fear review")
    CRIMINAL = "criminal", _("Criminal court hearing")
    FAMILY = "family", _("Family court hearing")
    OTHER = "other", _("Other hearing")


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="HearingHistory"
)
class Hearing(FastLoad, models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="hearings")
    kind = models.CharField(_("kind"), max_length=20, choices=HearingKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("court / location"), max_length=200)
    # The hearing's time is the court's wall clock (its zone); without a court, the place's (cases.zones).
    court = models.ForeignKey(
        "consulates.ImmigrationCourt",
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hearings",
    )
    # The proceeding the hearing is part of (cases.models.proceeding); empty only for a hearing outside
    # the listed proceedings (a family court hearing) or one written before proceedings existed.
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("legal proceeding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hearings",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        indexes = [models.Index(fields=["starts_at"], name="hearing_starts_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {in_words(self.starts_at)}"

    @property
    def zone_name(self) -> str:
        """The zone of the hearing's time: its court's, else the place of custody's, else the consulate's."""
        return hearing_zone_name(self)


class TaskKind(models.TextChoices):
    """A task a scan creates (at most one open per case and kind); tasks staff add have none."""

    VERIFY_CUSTODY = "verify_custody", _("Verify custody")
    FAMILY_PREPAREDNESS = "family_prep", _("Family preparedness")
    # A critical incident's checklist (``cases.services.incidents``): one of each per incident.
    INCIDENT_FAMILY_US = "incident_family_us", _("Contact the family in the US")
    INCIDENT_FAMILY_MX = "incident_family_mx", _("Contact the family in Mexico")
    INCIDENT_RECORDS = "incident_records", _("Request the medical and custody records")
    INCIDENT_COUNSEL = "incident_counsel", _("Arrange counsel for the family")
    INCIDENT_REMAINS = "incident_remains", _("Arrange the repatriation of the remains")
    # One per open request of a child-welfare agency (``cases.AgencyRequest.task``): many may be open.
    AGENCY_REQUEST = "agency_request", _("Request of a child-welfare agency")


# Kinds with at most one open task per case (a scan's); a case has as many family-preparedness tasks
# as pending checklist items, and an incident's checklist tasks are one of each per incident.
ONE_OPEN_TASK_KINDS = (TaskKind.VERIFY_CUSTODY,)

INCIDENT_TASK_KINDS = (
    TaskKind.INCIDENT_FAMILY_US,
    TaskKind.INCIDENT_FAMILY_MX,
    TaskKind.INCIDENT_RECORDS,
    TaskKind.INCIDENT_COUNSEL,
    TaskKind.INCIDENT_REMAINS,
)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="TaskHistory"
)
class Task(FastLoad, models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=TaskKind.choices, blank=True, default="", db_default=""
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The critical incident whose checklist the task is part of (one task of each kind per incident).
    incident = models.ForeignKey(
        "cases.CriticalIncident",
        verbose_name=_("critical incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    done = models.BooleanField(_("done"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["done", "due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "done", "due_date"], name="task_assignee_due_idx"),
            models.Index(fields=["due_date"], name="task_open_due_idx", condition=models.Q(done=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(done=False, kind__in=ONE_OPEN_TASK_KINDS),
                name="task_one_open_of_a_kind",
            ),
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=models.Q(incident__isnull=False),
                name="task_one_of_a_kind_per_incident",
            ),
        ]

    def __str__(self) -> str:
        return self.title
