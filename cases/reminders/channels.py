"""Delivery channels behind one interface: ``channel_for(name).send(outgoing)``.

- email: Django's email backend (SMTP from ``EMAIL_URL``; console in development).
- sms: ``SMS_BACKEND`` = ``console`` (development: printed) or ``http`` (production provider).
- webhook: a partner's URL; JSON body signed with HMAC-SHA256 of ``"<timestamp>.<body>"`` using the
  partner's webhook secret, sent as ``X-Consular-Signature: t=<timestamp>,v1=<hex>``.

HTTP provider request (``SMS_BACKEND=http``)::

    POST {SMS_HTTP_URL}
    Authorization: Bearer {SMS_HTTP_TOKEN}
    Idempotency-Key: reminder-<id>
    Content-Type: application/json
    {"to": "+15551234567", "body": "...", "reference": "reminder-<id>"}

2xx: accepted. 429 and 5xx (and network errors): temporary, retried with backoff. Other 4xx:
permanent, the reminder fails. The provider must treat a repeated ``Idempotency-Key`` as the same
message (a retry after a crash never becomes a second SMS).

Errors carry no personal data (no numbers, no text), so they can be stored and shown.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage

HTTP_TIMEOUT = 10


class DeliveryError(Exception):
    """Temporary: try again later."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as it is (bad address, refused): do not retry."""


@dataclass
class Outgoing:
    to: list[str]
    subject: str
    body: str
    reference: str  # reminder-<id>: the idempotency key at the provider
    payload: dict = field(default_factory=dict)  # webhooks: the structured event
    secret: str = ""  # webhooks: the partner's signing secret


def _post_json(url: str, body: bytes, headers: dict) -> None:
    if not url.startswith(("https://", "http://")):
        raise PermanentDeliveryError("only http(s) URLs are called")
    headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise DeliveryError(f"HTTP {exc.code} from the provider") from None
        raise PermanentDeliveryError(f"HTTP {exc.code} from the provider") from None
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, not HTTP at all
        raise DeliveryError(f"provider unreachable ({type(exc).__name__})") from None


class EmailChannel:
    def send(self, outgoing: Outgoing) -> None:
        message = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=outgoing.to,
            headers={"X-Consular-Reference": outgoing.reference},
        )
        try:
            message.send(fail_silently=False)
        except (OSError, ConnectionError) as exc:
            raise DeliveryError(f"mail server error ({type(exc).__name__})") from None


class ConsoleSmsChannel:
    """Development: prints the SMS on the worker's console instead of sending it."""

    def send(self, outgoing: Outgoing) -> None:
        for number in outgoing.to:
            sys.stdout.write(f"[SMS {outgoing.reference}] to {number}: {outgoing.body}\n")
        sys.stdout.flush()


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
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps(outgoing.payload, sort_keys=True).encode()
        timestamp = int(time.time())
        for url in outgoing.to:
            _post_json(
                url,
                body,
                {
                    "X-Consular-Signature": f"t={timestamp},v1={webhook_signature(outgoing.secret, timestamp, body)}",
                    "Idempotency-Key": outgoing.reference,
                },
            )


def channel_for(name: str):
    if name == "email":
        return EmailChannel()
    if name == "webhook":
        return WebhookChannel()
    if name == "sms":
        return HttpSmsChannel() if settings.SMS_BACKEND == "http" else ConsoleSmsChannel()
    raise ValueError(f"unknown channel {name}")
