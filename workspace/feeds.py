"""Each user's private calendar feed: its secret address, and what a calendar app fetches from it.

The token is shown once, when the feed is created; only its digest is stored (SHA-512, as API tokens are:
``knox.crypto.hash_token``). A feed is the user's own "mine" calendar, read with the rights the user has
at each fetch: a disabled user, one who lost the right to the calendar, or a revoked or replaced token
gets nothing. It holds case references and times only: no names, identifiers, notes, task titles or
places (a hearing's place is free text, and may name a detention centre).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from knox.crypto import hash_token

from cases.models.work import HearingStatus
from consulates.policy import authorize, can
from workspace import ics
from workspace.calendar import MINE, scoped
from workspace.models import CalendarFeed
from workspace.templatetags.workspace import when_named

TOKEN_BYTES = 32  # 43 characters in the address
PAST_DAYS, FUTURE_DAYS = 60, 400  # the window a feed covers around today
HEARING_LENGTH = dt.timedelta(hours=1)  # courts give a start only; an hour blocks the time in the agenda
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
PRODUCT = "-//Consular protection//Calendar feed//ES"


def token_digest(token: str) -> str:
    return hash_token(token)


@transaction.atomic
def calendar_feed_create(*, actor) -> str:
    """A new private address for ``actor``'s calendar (the old one, if any, stops working at once).
    Returns the token: the only time it exists outside the calendar app it is given to."""
    authorize(actor, "calendar.view")
    CalendarFeed.objects.filter(user=actor).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.create(
        user=actor, digest=token_digest(token), language=translation.get_language() or settings.LANGUAGE_CODE
    )
    return token


def calendar_feed_revoke(*, actor) -> bool:
    """Stop ``actor``'s feed (anyone may end their own). Whether there was one."""
    deleted, _kinds = CalendarFeed.objects.filter(user=actor).delete()
    return bool(deleted)


def feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed whose token this is, with its user and memberships (one query), if the user may still
    read the calendar; else None."""
    related = ["user", *(f"user__{path}" for path in settings.USER_LOADED_WITH)]
    feed = CalendarFeed.objects.select_related(*related).filter(digest=token_digest(token)).first()
    if feed is None or not can(feed.user, "calendar.view"):  # an inactive user has no rights at all
        return None
    return feed


def feed_used(feed: CalendarFeed, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now


def feed_events(
    feed: CalendarFeed, *, host: str, case_url, now: dt.datetime | None = None
) -> list[ics.Event]:
    """The feed's events: the user's hearings (scheduled or held; cancelled ones marked so, for apps that
    already have them) and open tasks with a due date, in the window around today. ``case_url(pk)`` gives
    a case's page (sign-in needed to open it)."""
    now = now or timezone.now()
    user = feed.user
    hearings, tasks = scoped(user, MINE)
    since, until = now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)
    # Only the columns the feed writes: nothing personal is even read.
    hearing_rows = (
        hearings.filter(starts_at__gte=since, starts_at__lt=until)
        .select_related("case__consulate", "case__facility__county", "court")
        .only(
            "pk",
            "starts_at",
            "status",
            "case__reference",
            "case__consulate__timezone",
            "case__facility__timezone",
            "case__facility__county__timezone",
            "court__timezone",
            "court__name",
        )
        .order_by("starts_at", "pk")
    )
    task_rows = (
        tasks.filter(done=False, due_date__gte=since.date(), due_date__lt=until.date())
        .select_related("case")
        .only("pk", "due_date", "case__reference")
        .order_by("due_date", "pk")
    )
    events = []
    for hearing in hearing_rows:
        cancelled = hearing.status == HearingStatus.CANCELLED
        summary = _("Cancelled hearing · %(reference)s") if cancelled else _("Hearing · %(reference)s")
        events.append(
            ics.Event(
                uid=f"hearing-{hearing.pk}@{host}",
                summary=summary % {"reference": hearing.case.reference},
                start=hearing.starts_at,
                end=hearing.starts_at + HEARING_LENGTH,
                stamp=now,
                status="CANCELLED" if cancelled else "CONFIRMED",
                url=case_url(hearing.case_id),
                # The instant is exact in any calendar app; the text says the time where the court sits.
                description=_("%(when)s at the court. %(url)s")
                % {
                    "when": when_named(hearing.starts_at, hearing.zone_name),
                    "url": case_url(hearing.case_id),
                },
            )
        )
    for task in task_rows:
        events.append(
            ics.Event(
                uid=f"task-{task.pk}@{host}",
                summary=_("Task · %(reference)s") % {"reference": task.case.reference},
                start=task.due_date,
                end=task.due_date + dt.timedelta(days=1),
                stamp=now,
                url=case_url(task.case_id),
                description=case_url(task.case_id),
            )
        )
    return events


def feed_body(feed: CalendarFeed, *, host: str, case_url, now: dt.datetime | None = None) -> str:
    with translation.override(feed.language):
        events = feed_events(feed, host=host, case_url=case_url, now=now)
        return ics.calendar(
            name=_("Consular protection: my hearings and tasks"), product=PRODUCT, events=events
        )
