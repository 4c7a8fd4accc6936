"""The Celery app: JSON only, late acks, time limits, explicit task names, beat schedule in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The jobs that rewrite history (retention, erasure) go to their own queue, which only the maintenance
# worker consumes: it connects to the database as the role that may rewrite history, the other workers as
# the application's role, which may not (cases/history.py; docker/compose.yml).
MAINTENANCE_QUEUE = "maintenance"
MAINTENANCE_TASKS = ("privacy.anonymise_expired", "privacy.erase_person")

# The app's behaviour, apart from the broker (which comes from the settings): tests that build an app on a
# private broker reuse exactly this.
CONFIG = dict(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=300,
    task_soft_time_limit=240,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # Celery's Django fixup closes the database connection before and after every task unless this is
    # set: a new PostgreSQL connection (a backend process, its catalogue caches) per task cost more CPU
    # than the task. Connections are closed the way Django closes them after a request instead (below:
    # when CONN_MAX_AGE has passed or after an error); the fixup's own reset every N tasks stays as a
    # backstop. (Celery reads this one key under its old upper-case name.)
    CELERY_DB_REUSE_MAX=1000,
    timezone="UTC",
    enable_utc=True,
    task_routes={name: {"queue": MAINTENANCE_QUEUE} for name in MAINTENANCE_TASKS},
    # Reviewed here, not in the database.
    beat_schedule={
        "reminders-dispatch": {"task": "reminders.dispatch", "schedule": 60.0, "options": {"expires": 55}},
        "reminders-digests": {
            "task": "reminders.schedule_digests",
            "schedule": 900.0,
            "options": {"expires": 800},
        },
        "api-purge-idempotency": {
            "task": "api.purge_idempotency_records",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        "api-purge-expired-tokens": {
            "task": "api.purge_expired_tokens",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        "api-purge-token-uses": {
            "task": "api.purge_token_uses",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        "staff-oauth-clear-expired-tokens": {
            "task": "staff_oauth.clear_expired_tokens",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        "security-purge-sign-in-records": {
            "task": "security.purge_sign_in_records",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        "reminders-inactivity": {
            "task": "reminders.schedule_inactivity",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        # Custody not verified for 7 days: a "verify custody" task (cases/services/verification.py).
        "custody-verify-scan": {
            "task": "custody.verify_scan",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        # Monday 08:00 Central: the task checks the local time, so DST needs no second entry.
        "reports-weekly": {"task": "reports.schedule_weekly", "schedule": 900.0, "options": {"expires": 800}},
        # Retention: every night at 09:15 UTC (03:15 Central, 02:15 Mountain standard time).
        "privacy-anonymise-expired": {
            "task": "privacy.anonymise_expired",
            "schedule": crontab(hour=9, minute=15),
            "options": {"expires": 6 * 3600},
        },
        # Inquiries: the reminder before an inquiry's deadline lapses (intake/inquiries/reminders.py).
        "inquiries-reminders": {
            "task": "inquiries.schedule_reminders",
            "schedule": 300.0,
            "options": {"expires": 280},
        },
        # The caseload reports' trigger-kept summaries grow a few rows per case write; fold them.
        "reports-compact": {
            "task": "reports.compact_summaries",
            "schedule": 300.0,
            "options": {"expires": 280},
        },
    },
)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()


app = Celery("consular")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(CONFIG)
# A worker started without --queues (make run's, on one superuser connection) consumes both queues; in
# production each worker names its own (docker/compose.yml). Each queue has its own exchange and routing
# key: bound by default to the same ones, each would also receive the other's messages.
app.conf.task_queues = tuple(
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in (app.conf.task_default_queue, MAINTENANCE_QUEUE)
)
app.autodiscover_tasks()
app.autodiscover_tasks(["intake.imports"])  # the detainee list import's task
