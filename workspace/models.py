"""The workspace's own records: each user's private calendar feed."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


# The history keeps who had a feed and when it was created or revoked; not the digest (a revoked digest
# is of no use to anyone) nor the time of each fetch.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.DeleteEvent(),
    exclude=["digest", "last_used_at"],
    model_name="CalendarFeedHistory",
)
class CalendarFeed(models.Model):
    """A user's private calendar address (``/calendar/feed/<token>.ics``): only a digest of its token is
    stored (``workspace.feeds.token_digest``, as API tokens are); the token itself is shown once, when the
    feed is created. One per user: a new one replaces the old (delete, then create), and revoking deletes
    the row. The feed is written in ``language``, the one the user had when creating it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    digest = models.CharField(_("digest"), max_length=128, unique=True)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
