"""A credential shown once (a new API token, a generated webhook signing secret): in the body of the answer
to the POST that created it, never in a message (Django's messages travel in a signed, readable cookie)
or the session, and never cached."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers


def shown_once_response(
    request, *, title: str, secret: str, lead: str, advice: str, back_url: str, opts
) -> TemplateResponse:
    response = TemplateResponse(
        request,
        "admin/shown_once.html",
        {
            "title": title,
            "secret": secret,
            "lead": lead,
            "advice": advice,
            "back_url": back_url,
            "opts": opts,
            "has_view_permission": True,
        },
    )
    add_never_cache_headers(response)  # no-store: the secret stays in no cache on the way
    return response
