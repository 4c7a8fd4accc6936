"""Every use of a partner token is recorded (``ApiTokenUse``): one short insert after the response."""

from __future__ import annotations

import logging

from django.db import DatabaseError

from api.models import ApiToken, ApiTokenUse
from audit.client_address import client_address
from audit.commit import asynchronous_commit

logger = logging.getLogger(__name__)


class TokenUseMiddleware:
    """DRF puts the authenticated token on the Django request (``request.auth``); when it is a partner
    token, the call is recorded with the status it got. Calls refused before authentication (a bad
    token) have no token to record; they are counted per address by ``api.auth``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            try:
                with asynchronous_commit():
                    ApiTokenUse.objects.create(
                        token_key=token.token_key,
                        user_id=token.user_id,
                        method=request.method[:10],
                        path=request.path[:200],
                        status=response.status_code,
                        ip_address=client_address(request),
                    )
            except DatabaseError:
                # The answer has been computed; a failed record must not turn it into a 500 (and the
                # token's last use is still kept on the token). Logged without any request data.
                logger.exception("could not record an API token use (token %s)", token.token_key)
        return response
