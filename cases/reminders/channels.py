"""Delivery channels behind one interface: ``channel_for(name).send(outgoing)``.

- email: Django's email backend (SMTP from ``EMAIL_URL``; files or the console in development).
- sms: ``SMS_BACKEND`` = ``file`` (development default: written under ``SMS_FILE_PATH``), ``console``
  (development: printed), ``http`` (production provider) or ``off``.
- webhook: a partner's URL; JSON body signed per the Standard Webhooks specification
  (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
  "{id}.{timestamp}.{body}">``, keyed with the partner's webhook secret), and, for integrations written
  before it, ``X-Consular-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``.

HTTP provider request (``SMS_BACKEND=http``)::

    POST {SMS_HTTP_URL}
    Authorization: Bearer {SMS_HTTP_TOKEN}
    Idempotency-Key: reminder-<id>
    Content-Type: application/json
    {"to": "+15551234567", "body": "...", "reference": "reminder-<id>"}

2xx: accepted. 429 and 5xx (and network errors): temporary, retried with backoff. Other 4xx (and
3xx): permanent, the reminder fails. Connections are kept alive and reused (per process and thread;
``cases/reminders/httpclient.py`` is the small HTTP/1.1 client that speaks it). One request per message,
also within a batch: the provider must treat a repeated ``Idempotency-Key`` as the same
message (a retry after a crash never becomes a second SMS).

Errors carry no personal data (no numbers, no text), so they can be stored and shown.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from cases.reminders.httpclient import HttpConnection

HTTP_TIMEOUT = 10


class DeliveryError(Exception):
    """Temporary: try again later."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as it is (bad address, refused): do not retry."""


@dataclass(frozen=True)
class Skip:
    """What a message builder returns when the reminder no longer applies (recorded as skipped)."""

    reason: str


@dataclass
class Outgoing:
    to: list[str]
    subject: str
    body: str
    reference: str  # reminder-<id>: the idempotency key at the provider
    payload: dict = field(default_factory=dict)  # webhooks: the structured event
    secret: str = ""  # webhooks: the partner's signing secret
    attachments: list = field(default_factory=list)  # email: (file name, bytes, content type)
    # The channel it goes by when not the reminder row's own: a person's hearing reminder sent, while
    # they are detained, to an emergency contact's phone or the attorney's email (recipients.py).
    channel: str = ""
    sent_to: str = ""  # who received it, for the timeline: person, emergency_contact or attorney (no address)


class _Connections(threading.local):
    """Keep-alive HTTP connections, one per (scheme, host, port), per thread and per process: a worker
    sends thousands of requests to the same provider, and a new TCP (or TLS) connection for each costs
    more than the request. A connection is made when first needed (so never shared across a fork)."""

    def __init__(self):
        self.pid = os.getpid()
        self.open: dict[tuple[str, str, int | None], HttpConnection] = {}

    def get(self, scheme: str, host: str, port: int | None) -> tuple[HttpConnection, bool]:
        """The connection to use and whether it is a reused one (which the server may have closed)."""
        if self.pid != os.getpid():  # inherited through a fork: the parent's sockets are not ours
            self.pid, self.open = os.getpid(), {}
        key = (scheme, host, port)
        connection = self.open.get(key)
        if connection is not None:
            return connection, True
        connection = self.open[key] = HttpConnection(scheme, host, port, timeout=HTTP_TIMEOUT)
        return connection, False

    def drop(self, scheme: str, host: str, port: int | None) -> None:
        connection = self.open.pop((scheme, host, port), None)
        if connection is not None:
            connection.close()


_connections = _Connections()


def _post_json(url: str, body: bytes, headers: dict) -> None:
    parts = urlsplit(url)
    try:
        target = (parts.scheme, parts.hostname or "", parts.port)
    except ValueError:  # a port that is not a number
        raise PermanentDeliveryError("malformed URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PermanentDeliveryError("only http(s) URLs are called")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if _UNSAFE_PATH.search(path) or any(_UNSAFE_VALUE.search(str(value)) for value in headers.values()):
        raise PermanentDeliveryError("malformed URL or header")  # no request splitting
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}
    while True:
        connection, reused = _connections.get(*target)
        try:
            status = connection.post(path, headers, body)  # reads the whole answer
            break
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, not HTTP at all
            _connections.drop(*target)
            if reused and isinstance(exc, _STALE):
                # The server closed an idle kept-alive connection: once more on a new one. Harmless
                # even if it had received the request: the Idempotency-Key makes it the same message.
                continue
            raise DeliveryError(f"provider unreachable ({type(exc).__name__})") from None
    if status == 429 or status >= 500:
        raise DeliveryError(f"HTTP {status} from the provider")
    if status >= 300:  # refused, or a redirect (a POST is not followed anywhere else)
        raise PermanentDeliveryError(f"HTTP {status} from the provider")


# Never in a request line (spaces, control characters) or a header value (line breaks).
_UNSAFE_PATH = re.compile(r"[\x00-\x20\x7f]")
_UNSAFE_VALUE = re.compile(r"[\x00\r\n]")
# What a kept-alive connection that the server has closed in the meantime looks like.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class EmailChannel:
    """One message per ``send``; within a ``Senders`` block (a batch) all of them go through one
    connection to the mail server, opened at the first message and closed at the end of the block."""

    def __init__(self):
        self.connection = None

    def send(self, outgoing: Outgoing) -> None:
        message = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=outgoing.to,
            headers={"X-Consular-Reference": outgoing.reference},
        )
        for name, content, content_type in outgoing.attachments:
            message.attach(name, content, content_type)
        try:
            if self.connection is None:
                self.connection = get_connection(fail_silently=False)
                self.connection.open()
            self.connection.send_messages([message])
        except (OSError, ConnectionError) as exc:
            self.close()  # a broken connection: the next message of the batch opens a new one
            raise DeliveryError(f"mail server error ({type(exc).__name__})") from None

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


class ConsoleSmsChannel:
    """Development: prints the SMS on the worker's console instead of sending it."""

    def send(self, outgoing: Outgoing) -> None:
        for number in outgoing.to:
            sys.stdout.write(f"[SMS {outgoing.reference}] to {number}: {outgoing.body}\n")
        sys.stdout.flush()


class FileSmsChannel:
    """Development: appends each SMS to a file of the day under ``SMS_FILE_PATH`` (``var/sms/`` in
    ``make run``), readable by its owner only, instead of sending it or printing numbers in the logs."""

    def send(self, outgoing: Outgoing) -> None:
        folder = settings.SMS_FILE_PATH
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, time.strftime("%Y-%m-%d") + ".txt")
        lines = "".join(
            f"[SMS {outgoing.reference}] to {number}: {outgoing.body}\n" for number in outgoing.to
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(lines)  # one write: lines of processes sending at once do not interleave


class HttpSmsChannel:
    def send(self, outgoing: Outgoing) -> None:
        url = settings.SMS_HTTP_URL
        if not url:
            raise PermanentDeliveryError("SMS_HTTP_URL is not configured")
        for number in outgoing.to:
            body = json.dumps({"to": number, "body": outgoing.body, "reference": outgoing.reference}).encode()
            _post_json(
                url,
                body,
                {"Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}", "Idempotency-Key": outgoing.reference},
            )


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The older ``X-Consular-Signature``'s ``v1``: hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 -- the format's marker, not a secret


def standard_webhook_key(secret: str) -> bytes:
    """The HMAC key of a secret: a Standard Webhooks secret (``whsec_<base64>``) is its decoded bytes;
    any other secret is its UTF-8 bytes."""
    if secret.startswith(STANDARD_SECRET_PREFIX):
        with contextlib.suppress(ValueError):
            return base64.b64decode(secret.removeprefix(STANDARD_SECRET_PREFIX), validate=True)
    return secret.encode()


def standard_webhook_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks' ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhook_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookChannel:
    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps(outgoing.payload, sort_keys=True).encode()
        timestamp = int(time.time())
        for url in outgoing.to:
            _post_json(
                url,
                body,
                {
                    # Standard Webhooks: the id is the same on every retry of the message.
                    "webhook-id": outgoing.reference,
                    "webhook-timestamp": str(timestamp),
                    "webhook-signature": standard_webhook_signature(
                        outgoing.secret, outgoing.reference, timestamp, body
                    ),
                    "X-Consular-Signature": f"t={timestamp},v1={webhook_signature(outgoing.secret, timestamp, body)}",
                    "Idempotency-Key": outgoing.reference,
                },
            )


class DisabledSmsChannel:
    """``SMS_BACKEND=off``: no provider. Each text reminder fails at once with this reason (shown on the
    reminder), instead of being retried."""

    def send(self, outgoing: Outgoing) -> None:
        raise PermanentDeliveryError("SMS is turned off (SMS_BACKEND=off)")


def channel_for(name: str):
    if name == "email":
        return EmailChannel()
    if name == "webhook":
        return WebhookChannel()
    if name == "sms":
        backend = {
            "http": HttpSmsChannel,
            "file": FileSmsChannel,
            "off": DisabledSmsChannel,
            "console": ConsoleSmsChannel,
        }[settings.SMS_BACKEND]
        return backend()
    raise ValueError(f"unknown channel {name}")


class Senders:
    """The channels of one batch: each made once and closed at the end (``with Senders() as s:
    s.send(channel, outgoing)``), so a batch of emails shares one mail server connection. (HTTP
    connections are kept alive across batches anyway, see ``_Connections``.)"""

    def __init__(self):
        self.channels: dict[str, object] = {}

    def send(self, channel: str, outgoing: Outgoing) -> None:
        sender = self.channels.get(channel)
        if sender is None:
            sender = self.channels[channel] = channel_for(channel)
        sender.send(outgoing)

    def __enter__(self) -> Senders:
        return self

    def __exit__(self, *exc_info) -> None:
        for sender in self.channels.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()
