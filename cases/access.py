"""Recording reads in the access log (``cases.models.access.AccessLog``).

``record_access`` is called by every sensitive read path: the person and case pages of the staff UI,
document downloads, exports and API retrieves. It writes one row and nothing personal: ids, the action,
a short label of the page or endpoint, the user, the client address and user agent.
"""

from __future__ import annotations

from cases.models.access import AccessAction, AccessLog

__all__ = ["AccessAction", "record_access", "client_address"]


def client_address(request) -> str | None:
    """The client's address as the web server saw it. ``X-Forwarded-For`` is not trusted: behind a proxy,
    configure the proxy to set ``REMOTE_ADDR`` (or a trusted middleware) rather than believe the header."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_access(
    request,
    action: str,
    *,
    user=None,
    person_id: int | None = None,
    case_id: int | None = None,
    document_id: int | None = None,
    what: str = "",
) -> AccessLog:
    """One access-log row for one sensitive read. ``user`` defaults to ``request.user``; a partner user's
    partner is recorded too."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    partner_id = None
    if user is not None:
        from consulates.access import access_for

        partner_id = access_for(user).partner_id
    agent = request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""
    return AccessLog.objects.create(
        user=user,
        partner_id=partner_id,
        action=action,
        person_id=person_id,
        case_id=case_id,
        document_id=document_id,
        what=what[:120],
        ip_address=client_address(request),
        user_agent=agent,
    )
