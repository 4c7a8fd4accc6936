"""Event webhooks end to end: the services queue the events, beat's dispatcher task runs on a real Celery
worker (on Redis when ``REDIS_URL`` is set, kombu's filesystem transport otherwise), the send task posts
them over HTTP to a partner's endpoint, a real ``http.server`` on 127.0.0.1, which checks each
signature with the ``verify`` function that docs/api.md gives partners (read from the document itself)
and accepts only what verifies."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.models import Reminder
from cases.models.reminder import EVENT_TYPES
from consulates.models import Consulate
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker
from tests.factories.crossoffice import make_referral
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_" + base64.b64encode(b"the partner's 32 byte signing key").decode()


def documented_verify():
    """The Standard Webhooks ``verify(secret, headers, body)`` as docs/api.md prints it for partners."""
    text = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (source,) = [block for block in blocks if "headers['webhook-id']" in block]
    namespace: dict = {}
    exec(compile(source, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own documentation's code
    return namespace["verify"]


class Receiver:
    """A partner's endpoint: answers 204 to a POST whose signature verifies with ``secret``, 401 to any
    other, and keeps what it received (with whether it verified)."""

    def __init__(self, secret: str):
        verify = documented_verify()
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                verified = verify(secret, headers, body)
                receiver.received.append({"verified": verified, "headers": headers, "body": body})
                self.send_response(204 if verified else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/consular-events"

    def events(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]


@pytest.fixture
def receiver():
    endpoint = Receiver(SECRET)
    endpoint.thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


def beat_minute(app, tasks) -> int:
    """Beat's dispatcher through the broker, then every send task it queued, on the worker."""
    sends_before = tasks.handled("reminders.send")
    published = tasks.result(app.tasks["reminders.dispatch"].delay().id)
    tasks.wait_for_handled("reminders.send", sends_before + published)
    return published


def test_events_reach_the_partner_signed_as_documented_through_a_real_worker(celery_app, receiver):
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=receiver.url, webhook_secret=SECRET)
    case = f.make_case(officer)
    referral = make_referral(officer, case, partner)
    starts_at = (timezone.now() + dt.timedelta(days=20)).replace(microsecond=0)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=starts_at, location="Sala 3"
    )
    services.hearing_update(
        actor=officer,
        hearing=hearing,
        kind="master_calendar",
        starts_at=starts_at + dt.timedelta(hours=3),
        location="Sala 4",
    )

    with embedded_worker(celery_app) as tasks:
        assert beat_minute(celery_app, tasks) == 3
        services.referral_withdraw(actor=officer, referral=referral, reason="Ya tiene abogado.")
        assert beat_minute(celery_app, tasks) == 1
        assert beat_minute(celery_app, tasks) == 0  # nothing sent twice

    rows = list(Reminder.objects.filter(partner=partner, kind__in=EVENT_TYPES).order_by("pk"))
    assert [(r.kind, r.status, r.attempts) for r in rows] == [
        ("event_referral_created", "sent", 1),
        ("event_hearing_scheduled", "sent", 1),
        ("event_hearing_changed", "sent", 1),
        ("event_referral_withdrawn", "sent", 1),
    ]
    assert all(item["verified"] for item in receiver.received)
    assert [item["headers"]["webhook-id"] for item in receiver.received] == [f"reminder-{r.pk}" for r in rows]
    events = receiver.events()
    assert [event["type"] for event in events] == [
        "referral.created",
        "hearing.scheduled",
        "hearing.changed",
        "referral.withdrawn",
    ]
    assert events[2]["data"] == {
        "case_reference": case.reference,
        "hearing": {
            "id": hearing.pk,
            "kind": "master_calendar",
            "starts_at": (starts_at + dt.timedelta(hours=3)).astimezone(dt.UTC).isoformat(),
            "location": "Sala 4",
            "status": "scheduled",
        },
    }
    assert events[3]["data"]["status"] == "withdrawn"

    # The documented check refuses what another secret signed, or a changed body.
    verify, first = documented_verify(), receiver.received[0]
    other = "whsec_" + base64.b64encode(b"somebody else's signing key....").decode()
    assert not verify(other, first["headers"], first["body"])
    assert not verify(SECRET, first["headers"], first["body"].replace(b"pending", b"accepted"))


def test_a_delivery_the_endpoint_refuses_fails_with_the_reason_and_is_not_retried(celery_app, receiver):
    """An endpoint that cannot verify (here: it holds another secret) answers 401: a permanent refusal."""
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=receiver.url, webhook_secret="whsec_b2xk")
    make_referral(officer, f.make_case(officer), partner)
    with embedded_worker(celery_app) as tasks:
        assert beat_minute(celery_app, tasks) == 1
    row = Reminder.objects.get(partner=partner, kind="event_referral_created")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 401 from the provider")
    assert [item["verified"] for item in receiver.received] == [False]
