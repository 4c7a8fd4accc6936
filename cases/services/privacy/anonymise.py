"""Retention and erasure: anonymising a person and all their cases, in the live tables and in history.

What anonymising keeps and removes (one plan, ``plan.SCRUB_PLAN``, applied to the live rows and to every history
row of them):

- The person: names become ``ANONYMISED_NAME``; date of birth (cleared, not reduced to a year: the
  vulnerability flags already keep the age groups the reports count, and a birth year with sex, consulate
  and dates narrows a person down), state of birth, CURP, A-number, passport, matrícula, phone, email,
  street addresses (in the United States and in Mexico) and contact consent are cleared. Kept: sex,
  languages, interpreter need, message language, the vulnerability flags, the registering consulate.
- Emergency contacts and documents (rows and stored files) are deleted.
- Free text that may name people is cleared: case summary and outcome notes, timeline texts and the
  free-text parts of their details, hearing notes and outcomes, task titles, transfer reasons and notes,
  consent withdrawal notes, referral notes, the hand-off's needs, destination, family contact and
  reception details, belongings' descriptions and notes, reminder errors.
- Kept for the statistics: every case's consulate, category, subtype, status, priority, outcome, dates,
  facility, reception point, art. 36 times, and the rows of hearings, tasks, transfers, referrals,
  consents, hand-offs and belongings with their codes, dates and amounts: the reports count the same.

Anonymising is all-or-nothing per person: a person is anonymised with all their cases, and only once every
one of those cases is closed (retention: closed ``RETENTION_YEARS`` or more before; erasure on request: at
any age). ``Person.anonymised_at`` and ``Case.anonymised_at`` mark the work done, so it is never redone.
History rows are rewritten inside ``rewriting_history()``, on the maintenance database connection only (the
application's role may not rewrite history: ``cases.history``); so the nightly retention job and erasure
run on the Celery queue ``maintenance``, which the maintenance worker alone consumes, and the staff UI only
requests an erasure (``person_erase_request``). The pghistory context of the change says why (retention, or
erasure with the administrator's reason). Nothing here logs personal data: log lines carry counts and ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable

import pghistory
import pgtrigger
from celery import current_app as celery_app  # config.celery's app: the default one in every thread
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.models import Context

from api.models import IdempotencyRecord
from cases.history import rewriting_history
from cases.models import (
    Case,
    CaseEvent,
    Consent,
    Document,
    EmergencyContact,
    Handover,
    IdentifierReview,
    Person,
    PersonAlias,
    Reminder,
)
from cases.models.case import Status
from cases.models.reminder import ReminderStatus
from cases.services.privacy.plan import PERSON_SCRUB, SCRUB_PLAN, Scope, field_values, scrub_payload
from consulates.policy import authorize

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
TIME_BUDGET_SECONDS = 180.0  # below the Celery soft time limit (240 s); the task re-queues itself


# --- Anonymising -----------------------------------------------------------------------------------


def _delete_files(storage_names: list[tuple]) -> None:
    for storage, name in storage_names:
        try:
            storage.delete(name)
        except OSError:
            # The row is gone already; the stored name is random (no personal data in it).
            logger.exception("Could not delete a stored document file: %s", name)


def _anonymise(person_ids: list[int], *, now: dt.datetime) -> None:
    """Anonymise these persons and all their cases. The caller holds the locks, has checked that every
    case is closed, and runs this inside ``rewriting_history()`` and a pghistory context."""
    if not person_ids:
        return
    # The records merged into these persons go with them (they are the same persons); their merges'
    # snapshots are cleared by the plan: a merge of an anonymised person can no longer be undone.
    person_ids = with_merged_records(person_ids)
    # Documents: their files go once the transaction commits (a rollback keeps rows and files together).
    scope = Scope(
        person_ids=list(person_ids),
        case_ids=list(Case.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)),
    )
    documents = list(Document.objects.filter(case_id__in=scope.case_ids).only("pk", "file"))
    files = [(d.file.storage, d.file.name) for d in documents if d.file.name]
    # The exports sent with hand-overs to other consulates are the person's data too.
    exports = Handover.objects.filter(case_id__in=scope.case_ids).exclude(export_file="").only("export_file")
    files += [(h.export_file.storage, h.export_file.name) for h in exports]
    Consent.objects.filter(form_document__in=[d.pk for d in documents]).update(form_document=None)
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    EmergencyContact.objects.filter(person_id__in=person_ids).delete()
    PersonAlias.objects.filter(person_id__in=person_ids).delete()
    if files:
        transaction.on_commit(lambda: _delete_files(files))

    # The person through ``save()``, so field-level logic (encryption, blind indexes) runs as on any edit.
    for person in Person.objects.filter(pk__in=person_ids).order_by("pk"):
        for name, value in field_values(Person, PERSON_SCRUB.fields).items():
            setattr(person, name, value)
        person.anonymised_at = now
        person.save()

    with pgtrigger.ignore("cases.ChildAssessment:childassessment_append_only"):  # append-only otherwise
        for scrub in SCRUB_PLAN:
            if scrub is PERSON_SCRUB or scrub.delete:
                continue
            model = apps.get_model(scrub.model)
            model.objects.filter(scrub.rows(scope)).update(**field_values(model, scrub.fields))
    Case.objects.filter(pk__in=scope.case_ids).update(anonymised_at=now)
    Reminder.objects.filter(
        Q(person_id__in=person_ids) | Q(case_id__in=scope.case_ids), status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.CANCELLED)
    # Their API retry records go too (ids only, but erasure leaves nothing pointing at them).
    IdempotencyRecord.objects.about(person_ids=scope.person_ids, case_ids=scope.case_ids).delete()
    # An identifier withheld for review, on either side of the match, is one of theirs: it goes.
    IdentifierReview.objects.filter(
        Q(existing_person_id__in=person_ids) | Q(attempted_person_id__in=person_ids)
    ).exclude(value="").update(value="")

    # The timeline is append-only for everyone else; here its texts are cleared.
    events = list(CaseEvent.objects.filter(case_id__in=scope.case_ids).only("pk", "text", "payload"))
    for event in events:
        event.text, event.payload = "", scrub_payload(event.payload)
    with pgtrigger.ignore("cases.CaseEvent:caseevent_append_only"):
        CaseEvent.objects.bulk_update(events, ["text", "payload"], batch_size=500)

    _rewrite_history(scope)


def _has_field(model, name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)


def with_merged_records(person_ids) -> list[int]:
    """``person_ids`` and every record merged into them (through a chain of merges too), locked."""
    ids, frontier = set(person_ids), list(person_ids)
    while frontier:
        found = list(
            Person.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        ids.update(found)
        frontier = found
    return sorted(ids)


def _rewrite_history(scope: Scope) -> None:
    """Every history row of these persons' records gets the same cleared values as the live rows (rows of
    records deleted since, e.g. a removed emergency contact, included)."""
    for scrub in SCRUB_PLAN:
        history = apps.get_model(scrub.history)
        # A field a history model does not keep (a merge's snapshot) has nothing to clear there.
        kept = {name: value for name, value in scrub.fields.items() if _has_field(history, name)}
        history.objects.filter(scrub.history_q(scope)).update(**field_values(history, kept))
    event_history = apps.get_model("cases", "CaseEventHistory")
    live = CaseEvent.objects.filter(pk=OuterRef("pgh_obj_id"))
    event_history.objects.filter(case_id__in=scope.case_ids).update(
        text=Subquery(live.values("text")[:1]), payload=Subquery(live.values("payload")[:1])
    )


# --- Retention -------------------------------------------------------------------------------------


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Cases closed at or before this instant are past retention."""
    return (now or timezone.now()) - relativedelta(years=settings.RETENTION_YEARS)


def persons_past_retention(now: dt.datetime | None = None):
    """Persons not yet anonymised whose cases are all closed at or before the cut-off (and who have at
    least one such case): one recent or open case keeps all of the person's data."""
    cutoff = retention_cutoff(now)
    expired = Case.objects.filter(
        status=Status.CLOSED, closed_at__lte=cutoff, anonymised_at__isnull=True
    ).values("person_id")
    kept = Case.objects.filter(person_id=OuterRef("pk")).filter(
        ~Q(status=Status.CLOSED) | Q(closed_at__isnull=True) | Q(closed_at__gt=cutoff)
    )
    return Person.objects.filter(pk__in=expired, anonymised_at__isnull=True).exclude(Exists(kept))


def _eligible_cases(cases: Iterable[tuple], cutoff: dt.datetime) -> bool:
    return all(status == Status.CLOSED and closed_at and closed_at <= cutoff for status, closed_at in cases)


def retention_anonymise_batch(
    *, now: dt.datetime | None = None, after_pk: int = 0, batch_size: int = BATCH_SIZE
) -> tuple[int, int | None]:
    """Anonymise the next batch of persons past retention with a pk above ``after_pk``, in one
    transaction. Returns (persons anonymised, last pk looked at; ``None`` when there was nothing left).

    Never waits for a lock: persons and cases another transaction holds (another run of this job, an
    officer at work) are skipped and looked at again on the next run. Every condition is checked again
    on the locked rows, so two runs at once anonymise each person once."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    with rewriting_history(), pghistory.context(privacy_action="retention"):
        persons = list(
            persons_past_retention(now)
            .filter(pk__gt=after_pk)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:batch_size]
        )
        if not persons:
            return 0, None
        locked = {}
        rows = (
            Case.objects.filter(person_id__in=persons)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "person_id", "status", "closed_at")
        )
        for pk, person_id, status, closed_at in rows:
            locked.setdefault(person_id, {})[pk] = (status, closed_at)
        all_cases: dict[int, set[int]] = {}
        for pk, person_id in Case.objects.filter(person_id__in=persons).values_list("pk", "person_id"):
            all_cases.setdefault(person_id, set()).add(pk)
        eligible = [
            pk
            for pk in persons
            if all_cases.get(pk)
            and set(locked.get(pk, {})) == all_cases[pk]
            and _eligible_cases(locked[pk].values(), cutoff)
        ]
        _anonymise(eligible, now=now)
    return len(eligible), persons[-1]


def retention_run(
    *, now: dt.datetime | None = None, time_budget: float = TIME_BUDGET_SECONDS, batch_size: int = BATCH_SIZE
) -> tuple[int, bool]:
    """Batches until every person past retention was looked at or the time budget is spent. Returns (persons
    anonymised, whether work may remain)."""
    started = time.monotonic()
    total, after = 0, 0
    while True:
        done, last = retention_anonymise_batch(now=now, after_pk=after, batch_size=batch_size)
        total += done
        if last is None:
            logger.info("Retention: %d persons anonymised.", total)
            return total, False
        after = last
        if time.monotonic() - started >= time_budget:
            logger.info("Retention: %d persons anonymised; more to look at in the next run.", total)
            return total, True


# --- Erasure on request ----------------------------------------------------------------------------


ERASURE_REQUEST = "erasure_request"  # the ``privacy_action`` of a request's context row
ERASE_TASK = "privacy.erase_person"  # cases.tasks.erase_person, on the maintenance queue


def _erasure_reason(actor, reason: str) -> str:
    authorize(actor, "person.erase")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the person's data is erased (e.g. the request received).")}
        )
    return reason


def _refuse_unless_erasable(person: Person, cases: list[Case]) -> None:
    if person.anonymised_at is not None:
        raise ValidationError(_("This person's data was already erased."), code="anonymised")
    not_closed = [case.reference for case in cases if case.status != Status.CLOSED]
    if not_closed:
        raise ValidationError(
            _(
                "The person's data cannot be erased while a case is still open or awaiting closure: "
                "%(references)s. Close these cases first."
            )
            % {"references": ", ".join(not_closed)},
            code="open_cases",
        )


@transaction.atomic
def person_erase_request(*, actor, person: Person | int, reason: str, page: str = "") -> uuid.UUID:
    """Erasure on request, from the staff UI: the same checks as ``person_erase`` now, the erasure itself on
    the maintenance worker (the web server's database role may not rewrite history).

    The request (who asked, why, from which page, for whom) is kept as a pghistory context row, where the
    reason has always been kept; the queued message carries its id only. Returns that id."""
    reason = _erasure_reason(actor, reason)
    pk = person if isinstance(person, int) else person.pk
    cases = list(Case.objects.filter(person_id=pk).order_by("pk").only("reference", "status"))
    _refuse_unless_erasable(Person.objects.get(pk=pk), cases)
    request = Context.objects.create(
        id=uuid.uuid4(),
        metadata={
            "privacy_action": ERASURE_REQUEST,
            "person": pk,
            "user": actor.pk,
            "url": page,
            "erasure_reason": reason,
        },
    )
    transaction.on_commit(lambda: celery_app.send_task(ERASE_TASK, args=[str(request.pk)]))
    return request.pk


def person_erase_requested(*, request_id: str) -> bool:
    """The maintenance worker's half of ``person_erase_request``: the erasure, checked again, under a
    context naming the requester, the page and the request. Safe to run twice. Returns whether the person
    was erased now (not when already erased, or when refused since the request: logged, with ids only)."""
    request = Context.objects.filter(pk=request_id, metadata__privacy_action=ERASURE_REQUEST).first()
    if request is None:
        logger.warning("Erasure request %s: not found.", request_id)
        return False
    metadata = request.metadata
    actor = get_user_model().objects.filter(pk=metadata.get("user")).first()
    try:
        if actor is None:
            raise PermissionDenied
        with pghistory.context(user=actor.pk, url=metadata.get("url", ""), erasure_request=str(request.pk)):
            person_erase(actor=actor, person=int(metadata["person"]), reason=metadata["erasure_reason"])
    except ValidationError as refusal:
        code = getattr(refusal, "code", None)
        if code == "anonymised":
            logger.info("Erasure request %s: person %s was already erased.", request_id, metadata["person"])
        else:
            logger.warning("Erasure request %s: refused since it was made (%s).", request_id, code)
        return False
    except PermissionDenied:
        logger.warning("Erasure request %s: the requester may no longer erase a person's data.", request_id)
        return False
    return True


@transaction.atomic
def person_erase(*, actor, person: Person | int, reason: str) -> Person:
    """Anonymise a person and all their cases now, whatever their age, at the person's request.

    Administrators only, on the maintenance database connection (``person_erase_request`` queues it from
    the staff UI). Refused while any of the person's cases is not closed (open, in progress or awaiting
    closure approval): close them first, with their outcome. ``reason`` is required; it goes to the audit
    trail's context, never to the logs."""
    reason = _erasure_reason(actor, reason)
    pk = person if isinstance(person, int) else person.pk
    # Cases first, with their person, in one statement: the order the case services lock in.
    cases = list(
        Case.objects.select_for_update().select_related("person").filter(person_id=pk).order_by("pk")
    )
    _refuse_unless_erasable(Person.objects.select_for_update().get(pk=pk), cases)
    with rewriting_history(), pghistory.context(privacy_action="erasure", erasure_reason=reason):
        _anonymise([pk], now=timezone.now())
    logger.info("Erasure: person %d anonymised with %d cases.", pk, len(cases))
    return Person.objects.get(pk=pk)
