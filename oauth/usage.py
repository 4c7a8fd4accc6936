"""Every use of a staff app's access token is recorded (``AppTokenUse``): one short insert after the
response, refused calls (a missing scope) included."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from oauth2_provider.models import get_refresh_token_model

from audit.client_address import client_address
from audit.commit import asynchronous_commit
from oauth.models import AppTokenUse

logger = logging.getLogger(__name__)


def _family(token):
    refresh = get_refresh_token_model().objects.filter(access_token_id=token.pk).values("token_family")
    family = refresh.first()
    if family is None and token.source_refresh_token_id:
        family = (
            get_refresh_token_model()
            .objects.filter(pk=token.source_refresh_token_id)
            .values("token_family")
            .first()
        )
    return family["token_family"] if family else None


class AppTokenUseMiddleware:
    """``oauth.auth`` puts the authenticated access token on the Django request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "staff_app_token", None)
        if token is not None:
            try:
                family = _family(token)
                with asynchronous_commit():
                    AppTokenUse.objects.create(
                        application_id=token.application_id,
                        token_family=family,
                        user_id=token.user_id,
                        method=request.method[:10],
                        path=request.path[:200],
                        status=response.status_code,
                        ip_address=client_address(request),
                    )
            except DatabaseError:
                logger.exception("could not record a staff app token use (app %s)", token.application_id)
        return response
