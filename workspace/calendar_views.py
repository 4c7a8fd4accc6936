"""The calendar pages: the week and month views, the page where a user creates or revokes their private
calendar address, and the feed itself (``workspace.feeds``), which calendar apps fetch with no session."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cases.access import AccessAction, listing_label, record_access
from consulates.models import Consulate
from consulates.policy import can, reach
from signin import ratelimit
from signin.middleware import client_ip
from workspace import calendar, feeds

logger = logging.getLogger(__name__)
FEED_SCOPE = "calendar-feed"
MONTH_DAY_ITEMS = 4  # entries a day of the month grid lists; "N more" leads to its week
WEEK_DAY_ITEMS = 40  # of each kind, a day of the week view lists; the staff lists have the rest


def case_url(pk: int) -> str:
    """A case's page in the workspace."""
    return reverse("workspace:case", args=[pk])


def _day(text: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default  # a hand-edited address: the calendar opens on today rather than failing


def _choice(text: str | None, choices: tuple[str, ...], default: str) -> str:
    return text if text in choices else default


def _consulate(request, consulates: list[Consulate]) -> Consulate | None:
    wanted = request.GET.get("consulate", "")
    return next((c for c in consulates if str(c.pk) == wanted), None)


@staff_member_required
@require_GET
def calendar_page(request):
    user = request.user
    if not can(user, "calendar.view"):
        raise PermissionDenied
    today = timezone.localdate()
    view = _choice(request.GET.get("view"), calendar.VIEWS, calendar.WEEK)
    anchor = _day(request.GET.get("date"), today)
    has_own = can(user, "case.assignee")  # only those who can be given cases have a calendar of their own
    scope = _choice(
        request.GET.get("scope"), calendar.SCOPES, calendar.MINE if has_own else calendar.CONSULATE
    )
    if not has_own:
        scope = calendar.CONSULATE
    network = reach(user).network
    consulates = list(Consulate.objects.filter(reach(user).q("pk")).order_by("city")) if network else []
    chosen = _consulate(request, consulates)
    period = calendar.period(
        user,
        view=view,
        anchor=anchor,
        today=today,
        scope=scope,
        consulate_id=chosen.pk if chosen else None,
        per_day=_per_day(view, network_wide=network and chosen is None),
    )
    state = {"view": view, "date": anchor.isoformat(), "scope": scope}
    if chosen:
        state["consulate"] = chosen.pk

    def link(**changes) -> str:
        return f"?{urlencode({**state, **changes})}"

    for day in period.days:
        day.link = link(view=calendar.WEEK, date=day.date.isoformat())
        shown = min(len(day.items), MONTH_DAY_ITEMS) if view == calendar.MONTH else len(day.items)
        day.more = max(0, day.total - shown)
        for item in day.items:
            item.url = case_url(item.obj.case_id)
    record_access(request, AccessAction.LIST, what=listing_label("staff: calendar", request.GET))

    if view == calendar.WEEK:
        heading = _("Week of %(date)s") % {"date": formats.date_format(period.start, "DATE_FORMAT")}
    else:
        heading = capfirst(formats.date_format(anchor, "YEAR_MONTH_FORMAT"))
    context = {
        "title": _("Calendar"),
        "heading": heading,
        "period": period,
        "today": today,
        "view": view,
        "scope": scope,
        "has_own": has_own,
        "network": network,
        "consulates": consulates,
        "chosen": chosen,
        "state": state,
        "month_day_items": MONTH_DAY_ITEMS,
        "links": {
            "previous": link(date=period.previous.isoformat()),
            "next": link(date=period.next.isoformat()),
            "today": link(date=today.isoformat()),
            "week": link(view=calendar.WEEK),
            "month": link(view=calendar.MONTH),
            "mine": link(scope=calendar.MINE),
            "consulate": link(scope=calendar.CONSULATE),
        },
    }
    return render(request, "workspace/calendar_page.html", {**admin.site.each_context(request), **context})


def feed_address(request, token: str) -> str:
    return request.build_absolute_uri(reverse("workspace:calendar_feed", args=[token]))


@staff_member_required
@require_http_methods(["GET", "POST"])
def calendar_feed_manage(request):
    """Create (or replace) and revoke one's private calendar address. A new address is shown once, in the
    answer to the POST that created it (``staffsite.admin_shown_once``'s rule: never in a message, the
    session or a cache)."""
    user = request.user
    if not can(user, "calendar.view"):
        raise PermissionDenied
    address = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            address = feed_address(request, feeds.calendar_feed_create(actor=user))
        elif action == "revoke":
            if feeds.calendar_feed_revoke(actor=user):
                messages.success(
                    request, _("Your calendar address was revoked: calendar apps get nothing from it now.")
                )
            return redirect("workspace:calendar_feed_manage")
        else:
            return redirect("workspace:calendar_feed_manage")
    context = {
        "title": _("Subscribe to my calendar"),
        "feed": feeds.feed_of(user),
        "address": address,
    }
    response = render(
        request, "workspace/calendar_feed.html", {**admin.site.each_context(request), **context}
    )
    add_never_cache_headers(response)
    return response


def _unlogged(response: HttpResponse) -> HttpResponse:
    """Django logs every answer of 400 or more with the request's path, which here holds the token: this
    view logs its refusals itself, without it."""
    response._has_been_logged = True
    return response


def _refused(status: int, text: str, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return _unlogged(response)


# Not a form: nothing is posted to a feed, and a CSRF refusal would log the path, token and all.
@csrf_exempt
def calendar_feed(request, token: str):
    """The feed a calendar app fetches: no session, the token is the credential. Unknown, revoked and
    replaced tokens, and those of users who may no longer read the calendar, get the same 404; failures
    count against the address's token-failure budget (shared with the API's tokens)."""
    if request.method not in ("GET", "HEAD"):
        return _refused(405, "Method not allowed.")
    address = client_ip(request)
    failures = ratelimit.parse_rate(settings.API_TOKEN_FAILURE_RATE_PER_IP)
    wait = ratelimit.exceeded(ratelimit.TOKEN_FAILURE_SCOPE, address, failures)
    if wait is not None:
        logger.warning("calendar feed: too many failed addresses from one client, refused")
        return _refused(429, "Too many requests.", wait)
    feed = feeds.feed_for_token(token)
    if feed is None:
        ratelimit.hit(ratelimit.TOKEN_FAILURE_SCOPE, address, failures)
        logger.info("calendar feed: unknown, revoked or disabled address refused")
        return _refused(404, "Not found.")
    wait = ratelimit.hit(
        FEED_SCOPE, str(feed.pk), ratelimit.parse_rate(settings.CALENDAR_FEED_RATE_PER_TOKEN)
    )
    if wait is not None:
        logger.info("calendar feed %s: fetched too often, refused", feed.pk)
        return _refused(429, "Too many requests.", wait)
    body = feeds.feed_body(
        feed,
        host=request.get_host().split(":")[0],
        case_url=lambda pk: request.build_absolute_uri(case_url(pk)),
    )
    record_access(request, AccessAction.LIST, user=feed.user, what="calendar feed")
    feeds.feed_used(feed)
    response = HttpResponse(body.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response


def _per_day(view: str, *, network_wide: bool) -> int:
    """Entries listed a day: a few in a month's grid, more in a week. The whole network's month (tens of
    thousands of entries) is shown as each day's count, each linking to its week."""
    if view == calendar.MONTH:
        return 0 if network_wide else MONTH_DAY_ITEMS
    return WEEK_DAY_ITEMS
