"""Field-level encryption at rest and keyed blind indexes. No domain logic.

Values are encrypted with AES-256-GCM (authenticated: a wrong key or a changed byte fails, it never
decrypts to garbage). A stored value reads ``e1:<key id>:<base64url(nonce | ciphertext | tag)>``; the key
id is the first 8 hex digits of the key's SHA-256, so the keys themselves carry no names.

Keys come from settings (read from the environment):

- ``FIELD_ENCRYPTION_KEYS``: comma-separated, each 32 random bytes in url-safe base64. The first
  encrypts; every one decrypts (rotation: put a new key first, run ``manage.py rotate_field_keys``,
  then remove the old one).
- ``FIELD_BLIND_INDEX_KEY``: the HMAC-SHA256 key of the blind indexes (exact lookup of a normalised
  value without storing it). Changing it needs ``rotate_field_keys --rebuild-blind-index``.

The model fields that use them are in ``encryption.fields``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings  # lazy: read only when a key is needed

PREFIX = "e1"
_NONCE_BYTES = 12

# Development keys, public in this file: the service refuses them when DEBUG is off (settings).
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5ldmVyLXByb2R1Y3Q="  # noqa: S105
DEV_FIELD_BLIND_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgtbmV2ZXItcHJvZHU="  # noqa: S105


class KeyConfigurationError(ValueError):
    """A key in the settings is malformed (the service refuses to start)."""


class DecryptionError(Exception):
    """A stored value could not be decrypted. The message never contains the value."""


def decode_key(text: str, *, name: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise KeyConfigurationError(f"{name}: a key is not url-safe base64.") from exc
    if len(raw) != 32:
        raise KeyConfigurationError(f"{name}: each key must be 32 bytes (44 characters of base64).")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def generate_key() -> str:
    """A new random key in the format of both settings."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


@dataclass(frozen=True)
class KeyRing:
    """The decoded keys: ``primary`` encrypts; ``ciphers`` by key id decrypt."""

    primary_id: str
    ciphers: dict[str, AESGCM]
    index_key: bytes

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.ciphers[self.primary_id].encrypt(nonce, plaintext.encode("utf-8"), None)
        payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{PREFIX}:{self.primary_id}:{payload}"

    def decrypt(self, stored: str) -> str:
        prefix, kid, payload = _split(stored)
        cipher = self.ciphers.get(kid)
        if cipher is None:
            raise DecryptionError(
                f"A value is encrypted with key id {kid}, which is not among FIELD_ENCRYPTION_KEYS."
            )
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError(
                f"A value under key id {kid} failed authentication: wrong key or altered data."
            ) from exc

    def is_current(self, stored: str) -> bool:
        """Encrypted with the primary key (rotation leaves such values alone)."""
        return _split(stored)[1] == self.primary_id

    def __post_init__(self):
        # HMAC-SHA256 (RFC 2104) with its keyed inner and outer states computed once: copying them is
        # several times faster than hmac.new per value, which the bulk seeder and rotation notice.
        padded = self.index_key.ljust(64, b"\0")
        object.__setattr__(self, "_inner", hashlib.sha256(bytes(b ^ 0x36 for b in padded)))
        object.__setattr__(self, "_outer", hashlib.sha256(bytes(b ^ 0x5C for b in padded)))

    def blind_index(self, purpose: str, normalised: str) -> str:
        """HMAC-SHA256 of ``purpose`` and the normalised value: equal inputs give equal indexes, and
        without the key an index says nothing about the value. ``purpose`` keeps the index of one
        field from matching another's."""
        inner = self._inner.copy()
        inner.update(f"{purpose}\x00{normalised}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2) if isinstance(stored, str) else []
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("A value in an encrypted column is not encrypted (no e1: prefix).")
    return parts[0], parts[1], parts[2]


@functools.lru_cache(maxsize=8)
def build_keyring(encryption_keys: tuple[str, ...], index_key: str) -> KeyRing:
    if not encryption_keys:
        raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS is empty.")
    ciphers: dict[str, AESGCM] = {}
    primary_id = ""
    for text in encryption_keys:
        raw = decode_key(text, name="FIELD_ENCRYPTION_KEYS")
        kid = key_id(raw)
        if kid in ciphers:
            raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS lists the same key twice.")
        ciphers[kid] = AESGCM(raw)
        primary_id = primary_id or kid
    index_raw = decode_key(index_key, name="FIELD_BLIND_INDEX_KEY")
    if key_id(index_raw) in ciphers:
        raise KeyConfigurationError("FIELD_BLIND_INDEX_KEY must differ from every encryption key.")
    return KeyRing(primary_id=primary_id, ciphers=ciphers, index_key=index_raw)


def check_production_keys(encryption_keys: list[str], index_key: str) -> None:
    """With DEBUG off: real keys, never the development ones (called by the settings)."""
    if not encryption_keys or DEV_FIELD_ENCRYPTION_KEY in encryption_keys:
        raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS must be set to real keys when DEBUG is off.")
    if index_key == DEV_FIELD_BLIND_INDEX_KEY:
        raise KeyConfigurationError("FIELD_BLIND_INDEX_KEY must be set to a real key when DEBUG is off.")


def keyring() -> KeyRing:
    """The keys of the current settings (cached per value, so tests may override the settings)."""
    return build_keyring(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.FIELD_BLIND_INDEX_KEY)


def encrypt(plaintext: str) -> str:
    return keyring().encrypt(plaintext)


def decrypt(stored: str) -> str:
    return keyring().decrypt(stored)


def blind_index(purpose: str, normalised: str) -> str:
    return keyring().blind_index(purpose, normalised)
