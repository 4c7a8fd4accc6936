"""What the devices page shows: the user's signed-in devices, one per refresh-token family (the first
sign-in of an app on a device and every rotation after it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Max, Min
from oauth2_provider.models import get_refresh_token_model


@dataclass(frozen=True)
class Device:
    token_family: UUID
    application: str
    signed_in: datetime
    last_refreshed: datetime
    scopes: str
    last_used: datetime | None = None


def devices_for(user_id: int, *, last_uses: dict | None = None) -> list[Device]:
    """The user's live families, newest first. ``last_uses``: family -> the last time one of its access
    tokens was used (from the record of uses)."""
    rows = (
        get_refresh_token_model()
        .objects.filter(user_id=user_id, revoked__isnull=True, token_family__isnull=False)
        .values("token_family", "application__name")
        .annotate(signed_in=Min("created"), last_refreshed=Max("created"), scope=Max("access_token__scope"))
        .order_by("-last_refreshed")
    )
    last_uses = last_uses or {}
    return [
        Device(
            token_family=row["token_family"],
            application=row["application__name"],
            signed_in=row["signed_in"],
            last_refreshed=row["last_refreshed"],
            scopes=row["scope"] or "",
            last_used=last_uses.get(row["token_family"]),
        )
        for row in rows
    ]
