"""The hand-over of a case to a Mexican consulate in the US outside this network, and its receipt.

``handover_record`` makes the person export of the case (``cases.services.privacy.export``), stores it
with the hand-over as what was sent, writes the access-log row naming the hand-over, and closes the case
as transferred out (``cases.services.lifecycle.close_as_transferred_out``), all in one transaction: a
refused or failed hand-over leaves no record, no file and no log row behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.access import AccessAction, record_access
from cases.models import Case, Handover
from cases.models.handover import HandoverMethod, HandoverReason
from cases.models.work import EventKind
from cases.services.common import case_write, lock_case
from cases.services.lifecycle import close_as_transferred_out
from cases.services.privacy.export import person_export
from consulates.models import ConsularPost
from consulates.policy import authorize


def _clean(*, post, reason: str, reason_notes: str, method: str, method_notes: str, sent_at) -> dict:
    errors: dict[str, list[str]] = {}
    if post is None:
        errors["post"] = [_("Choose the consulate the case is handed over to.")]
    elif post.in_network:
        errors["post"] = [
            _("%(post)s is a consulate of this network: transfer the case to it instead of handing it over.")
            % {"post": post.name}
        ]
    if reason not in HandoverReason.values:
        errors["reason"] = [_("Say why the case is handed over.")]
    elif reason == HandoverReason.OTHER and not (reason_notes or "").strip():
        errors["reason_notes"] = [_("Describe why the case is handed over.")]
    if method not in HandoverMethod.values:
        errors["method"] = [_("Say how the data was sent.")]
    elif method == HandoverMethod.OTHER and not (method_notes or "").strip():
        errors["method_notes"] = [_("Say how and to whom the data was sent.")]
    now = timezone.now()
    if sent_at is None:
        sent_at = now
    elif sent_at > now + dt.timedelta(minutes=5):
        errors["sent_at"] = [_("This time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return {
        "post": post,
        "reason": reason,
        "reason_notes": (reason_notes or "").strip(),
        "method": method,
        "method_notes": (method_notes or "").strip(),
        "sent_at": sent_at,
    }


@transaction.atomic
def handover_record(
    *,
    actor,
    case: Case,
    post: ConsularPost | None,
    reason: str,
    method: str,
    reason_notes: str = "",
    method_notes: str = "",
    sent_at: dt.datetime | None = None,
    expected_version: int | None = None,
    request=None,
) -> Handover:
    """Record that the case was handed over to ``post`` (a consulate outside the network) and close it as
    transferred out. A supervisor of the case's consulate (``handover.send``). The person's data sent is
    the person export of this case, made now, stored with the hand-over and logged in the access log
    (``request``: the client's address for that row, when the door has one)."""
    case = case_write(case, actor, "handover.send", expected_version=expected_version, open_only=False)
    if not case.allows("close_request"):
        raise ValidationError(
            _("Only an open or in-progress case can be handed over; this one is %(status)s.")
            % {"status": case.get_status_display().lower()},
            code="transition",
        )
    if post is not None:
        post = ConsularPost.objects.filter(pk=post.pk).first()
    values = _clean(
        post=post,
        reason=reason,
        reason_notes=reason_notes,
        method=method,
        method_notes=method_notes,
        sent_at=sent_at,
    )
    handover = Handover(case=case, sent_by=actor, **values)
    with tempfile.TemporaryFile() as out:
        person_export(actor=actor, person=case.person, out=out, handover_of=case)
        size = out.tell()
        out.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: out.read(1024 * 1024), b""):
            digest.update(chunk)
        out.seek(0)
        handover.export_size, handover.export_sha256 = size, digest.hexdigest()
        handover.export_file.save("export.zip", File(out), save=False)
    try:
        with transaction.atomic():
            handover.save(force_insert=True)
            record_access(
                request,
                AccessAction.HANDOVER_EXPORT,
                user=actor,
                person_id=case.person_id,
                case_id=case.pk,
                what=f"hand-over #{handover.pk}",
            )
            events.handover_changed(case, actor, handover=handover, kind=EventKind.HANDOVER_SENT)
            close_as_transferred_out(case, actor, notes=_("Handed over to %(post)s.") % {"post": post.name})
    except BaseException:
        handover.export_file.delete(save=False)  # no file without its row
        raise
    return handover


@transaction.atomic
def handover_acknowledge(
    *,
    actor,
    handover: Handover,
    acknowledged_by_name: str,
    acknowledged_at: dt.datetime | None = None,
    notes: str = "",
) -> Handover:
    """Record that the other consulate acknowledged receipt (who there, when). Once; the case may be
    closed (it is, from the hand-over on)."""
    case = lock_case(handover.case_id)
    handover = Handover.objects.select_for_update().select_related("post").get(pk=handover.pk)
    authorize(actor, "handover.acknowledge", handover)
    if handover.acknowledged_at is not None:
        raise ValidationError(_("The receipt was already recorded."), code="acknowledged")
    errors = {}
    if not (acknowledged_by_name or "").strip():
        errors["acknowledged_by_name"] = [_("Who at the other consulate acknowledged receipt?")]
    acknowledged_at = acknowledged_at or timezone.now()
    if acknowledged_at > timezone.now() + dt.timedelta(minutes=5):
        errors["acknowledged_at"] = [_("This time cannot be in the future.")]
    elif acknowledged_at < handover.sent_at:
        errors["acknowledged_at"] = [_("The receipt cannot come before the hand-over was sent.")]
    if errors:
        raise ValidationError(errors)
    handover.acknowledged_at = acknowledged_at
    handover.acknowledged_by_name = acknowledged_by_name.strip()
    handover.acknowledgement_notes = (notes or "").strip()
    handover.acknowledgement_recorded_by = actor
    handover.save(
        update_fields=[
            "acknowledged_at",
            "acknowledged_by_name",
            "acknowledgement_notes",
            "acknowledgement_recorded_by",
        ]
    )
    events.handover_changed(case, actor, handover=handover, kind=EventKind.HANDOVER_ACKNOWLEDGED)
    return handover
