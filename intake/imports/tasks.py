"""The import's Celery task: ids only; safe to run twice (rows already written are not pending)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from intake.imports.services import import_run


@shared_task(name="imports.run", ignore_result=True, time_limit=3600, soft_time_limit=3500)
def run_import(batch_id: int, actor_id: int) -> None:
    actor = get_user_model().objects.get(pk=actor_id)
    import_run(actor=actor, batch_id=batch_id)
