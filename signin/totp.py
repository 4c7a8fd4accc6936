"""TOTP devices (django-otp): the one confirmed device a user signs in with, enrolment, and resets."""

from __future__ import annotations

import logging
from base64 import b32encode

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

DEVICE_NAME = "authenticator"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same secret across reloads of the enrolment page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in by hand."""
    return b32encode(device.bin_key).decode("ascii")


def provisioning_uri(device: TOTPDevice) -> str:
    """``otpauth://totp/...``: what the QR code carries."""
    return device.config_url


def qr_svg(data: str) -> str:
    """An inline SVG QR code, drawn here (no image service, no external request)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def current_code(device: TOTPDevice, *, after_last_use: bool = True) -> str:
    """The code the device's app shows now; with ``after_last_use``, one the device will still accept
    (a code is accepted once: a second sign-in in the same 30 seconds takes the next step's code)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if after_last_use and device.last_t is not None and totp.t() <= device.last_t:
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


@transaction.atomic
def device_confirm(*, device: TOTPDevice) -> TOTPDevice:
    """Make ``device`` the user's one confirmed device (older devices are removed)."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def second_factor_reset(*, user, actor) -> int:
    """Remove every TOTP device of ``user``: their verified sessions stop being verified at once, and at
    the next sign-in they enrol a new authenticator. Returns the number of devices removed."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    logger.info("second factor reset: user id %s by user id %s", user.pk, getattr(actor, "pk", None))
    return deleted
