"""Every use of a partner token is recorded (``ApiTokenUse``): one short insert after the response."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection

from api.models import ApiToken, ApiTokenUse
from audit.client_address import client_address
from audit.commit import asynchronous_commit

logger = logging.getLogger(__name__)
# On every partner call: one hand-written INSERT (decision 0010), its commit not waiting for the disk.
_INSERT = (
    f"INSERT INTO {ApiTokenUse._meta.db_table} (token_key, user_id, method, path, status, ip_address, at) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, now())"
)


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
                values = [
                    token.token_key,
                    token.user_id,
                    request.method[:10],
                    request.path[:200],
                    response.status_code,
                    client_address(request),
                ]
                with asynchronous_commit(), connection.cursor() as cursor:
                    cursor.execute(_INSERT, values)
            except DatabaseError:
                # The answer has been computed; a failed record must not turn it into a 500 (and the
                # token's last use is still kept on the token). Logged without any request data.
                logger.exception("could not record an API token use (token %s)", token.token_key)
        return response
