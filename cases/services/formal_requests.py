"""Formal requests to authorities (decision 0026): record one (from scratch, or in one step from a
problem a visit found), send it, record the answer, withdraw it, attach documents. Each write checks the
policy's ``request.record`` and the version the writer saw, and makes the request's reminders match
(``schedule.request_reminders_sync``) in the same transaction. A request about a case is on that case's
timeline: each step writes its entry and counts as activity on the case (whose row is locked first)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Document, FormalRequest
from cases.models.formal_request import TEXT_MAX, AuthorityKind, RequestKind, RequestStatus
from cases.models.work import EventKind
from cases.reminders import schedule
from cases.services.common import lock_case, touch
from cases.services.documents import document_upload
from consulates.policy import authorize, can

FIELDS = ("authority_kind", "authority_name", "kind", "details", "due_on", "owner")


def _clean(values: dict) -> dict:
    errors: dict[str, list] = {}
    if values.get("authority_kind") not in AuthorityKind.values:
        errors["authority_kind"] = [_("Choose which authority the request goes to.")]
    values["authority_name"] = (values.get("authority_name") or "").strip()
    if not values["authority_name"]:
        errors["authority_name"] = [_("Enter the authority's name.")]
    elif len(values["authority_name"]) > 200:
        errors["authority_name"] = [_("Keep it under %(max)s characters.") % {"max": 200}]
    if values.get("kind") not in RequestKind.values:
        errors["kind"] = [_("Choose what is requested.")]
    values["details"] = (values.get("details") or "").strip()
    if len(values["details"]) > TEXT_MAX:
        errors["details"] = [_("Keep it under %(max)s characters.") % {"max": TEXT_MAX}]
    if errors:
        raise ValidationError(errors)
    return values


def _check_owner(consulate_id: int, owner) -> None:
    """Whoever follows a request is someone who may change it (a worker of its consulate)."""
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": [_("Choose who follows the request.")]})
    if not can(owner, "request.record", FormalRequest(consulate_id=consulate_id)):
        raise ValidationError({"owner": [_("Choose someone of the consulate that makes the request.")]})


def _check_dates(sent_on, due_on, answered_on=None) -> None:
    if sent_on and due_on and due_on < sent_on:
        raise ValidationError({"due_on": [_("The answer cannot be due before the request is sent.")]})
    if answered_on and sent_on and answered_on < sent_on:
        raise ValidationError({"answered_on": [_("The answer cannot come before the request was sent.")]})


@transaction.atomic
def request_create(
    *,
    actor,
    authority_kind: str,
    authority_name: str,
    kind: str,
    case=None,
    facility=None,
    details: str = "",
    due_on: dt.date | None = None,
    sent_on: dt.date | None = None,
    owner=None,
    from_checklist_item=None,
    from_interview=None,
) -> FormalRequest:
    """A request of the case's consulate (or, about a facility alone, of the consulate whose district
    holds it): a draft, or sent when ``sent_on`` is given. ``owner`` defaults to the one recording it."""
    values = _clean(
        {"authority_kind": authority_kind, "authority_name": authority_name, "kind": kind, "details": details}
    )
    if case is None and facility is None:
        raise ValidationError(_("A request is about a case, a facility or both."), code="no_subject")
    if case is not None:
        consulate_id = case.consulate_id
    elif facility.county_id:
        consulate_id = facility.county.consulate_id
    else:
        raise ValidationError(
            {
                "facility": [
                    _("This facility is in no consulate's district: name the case the request is about.")
                ]
            }
        )
    owner = owner or actor
    if case is not None:
        case = lock_case(case)
    request = FormalRequest(
        consulate_id=consulate_id,
        case=case,
        facility=facility,
        owner=owner,
        created_by=actor,
        due_on=due_on,
        from_checklist_item=from_checklist_item,
        from_interview=from_interview,
        **values,
    )
    authorize(actor, "request.record", request)
    _check_owner(consulate_id, owner)
    if sent_on is not None:
        _check_dates(sent_on, due_on)
        request.status, request.sent_on = RequestStatus.SENT, sent_on
    request.save()
    schedule.request_reminders_sync(request)
    _on_timeline(case, actor, request, EventKind.REQUEST_RECORDED)
    return request


def _on_timeline(case: Case | None, actor, request: FormalRequest, kind: str, changes=()) -> None:
    if case is not None:
        events.formal_request_changed(case, actor, request=request, kind=kind, changes=changes)
        touch(case, actor)


def _lock(request: FormalRequest | int, actor, expected_version: int | None) -> FormalRequest:
    """The request under a row lock, after its case's (every case write locks the case first)."""
    pk = request if isinstance(request, int) else request.pk
    case_id = FormalRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is not None:
        lock_case(case_id)  # the request's case (read below, after the lock) is current
    request = (
        FormalRequest.objects.select_for_update(of=("self",))
        .select_related("case__facility__county", "facility__county", "consulate")
        .get(pk=pk)
    )
    authorize(actor, "request.record", request)
    if expected_version is not None and request.version != expected_version:
        raise ValidationError(
            _("Someone else changed this request while you were editing it. Reload the page and try again."),
            code="stale",
        )
    return request


def _save(request: FormalRequest, actor, kind: str, changes=()) -> FormalRequest:
    request.version += 1
    request.save()
    schedule.request_reminders_sync(request)
    _on_timeline(request.case if request.case_id else None, actor, request, kind, changes)
    return request


@transaction.atomic
def request_update(*, actor, request: FormalRequest, expected_version: int | None = None, **fields):
    """Correct a request that is not closed: the authority, what is asked, the due day, the owner."""
    request = _lock(request, actor, expected_version)
    if request.status in (RequestStatus.ANSWERED, RequestStatus.WITHDRAWN):
        raise ValidationError(_("This request is closed."), code="request_closed")
    current = {name: getattr(request, name) for name in FIELDS}
    values = _clean(current | {k: v for k, v in fields.items() if k in FIELDS})
    _check_owner(request.consulate_id, values["owner"])
    _check_dates(request.sent_on, values["due_on"])
    changes = [name for name, value in values.items() if current[name] != value]
    if not changes:
        return request
    for name, value in values.items():
        setattr(request, name, value)
    return _save(request, actor, EventKind.REQUEST_UPDATED, changes)


@transaction.atomic
def request_send(
    *, actor, request: FormalRequest, sent_on: dt.date, due_on: dt.date | None = None, expected_version=None
):
    """The request went out on ``sent_on`` (a draft only); the answer is due on ``due_on``."""
    request = _lock(request, actor, expected_version)
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(_("Only a draft is sent."), code="not_draft")
    if sent_on is None:
        raise ValidationError({"sent_on": [_("Enter the day it was sent.")]})
    due_on = due_on or request.due_on
    _check_dates(sent_on, due_on)
    request.status, request.sent_on, request.due_on = RequestStatus.SENT, sent_on, due_on
    return _save(request, actor, EventKind.REQUEST_SENT)


@transaction.atomic
def request_answer(
    *, actor, request: FormalRequest, answered_on: dt.date, response: str, expected_version=None
):
    """The authority answered (a sent request only): the day and what it said. Its reminders stop."""
    request = _lock(request, actor, expected_version)
    if request.status != RequestStatus.SENT:
        raise ValidationError(_("Only a sent request is answered."), code="not_sent")
    response = (response or "").strip()
    if answered_on is None:
        raise ValidationError({"answered_on": [_("Enter the day of the answer.")]})
    if not response:
        raise ValidationError({"response": [_("Write what the authority answered.")]})
    if len(response) > TEXT_MAX:
        raise ValidationError({"response": [_("Keep it under %(max)s characters.") % {"max": TEXT_MAX}]})
    _check_dates(request.sent_on, None, answered_on)
    request.status, request.answered_on, request.response = RequestStatus.ANSWERED, answered_on, response
    return _save(request, actor, EventKind.REQUEST_ANSWERED)


@transaction.atomic
def request_withdraw(*, actor, request: FormalRequest, expected_version=None):
    request = _lock(request, actor, expected_version)
    if request.status not in (RequestStatus.DRAFT, RequestStatus.SENT):
        raise ValidationError(_("This request is closed."), code="request_closed")
    request.status = RequestStatus.WITHDRAWN
    return _save(request, actor, EventKind.REQUEST_WITHDRAWN)


@transaction.atomic
def request_document_attach(
    *, actor, request: FormalRequest, file, kind: str, description: str = ""
) -> Document:
    """A document of the request (the letter sent, the answer received): uploaded to the request's case
    through the documents' one upload path, then attached. A request about a facility alone has no case to
    hold files."""
    request = _lock(request, actor, None)
    if request.case_id is None:
        raise ValidationError(
            {"file": [_("Documents are kept on a case: this request is about a facility alone.")]}
        )
    document = document_upload(actor=actor, case=request.case, file=file, kind=kind, description=description)
    request.documents.add(document)
    return document
