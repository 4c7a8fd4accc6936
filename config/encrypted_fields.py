"""The encrypted model fields' former address, kept for the historical migrations only.

Migrations written before the fields moved to ``encryption.fields`` import them from here
(``cases/migrations/0011``, ``0015``, ``0016``, ``0020``; ``consulates/migrations/0006``), and migrations
are not edited. These are the same classes, so the fields deconstruct to ``encryption.fields`` and the
migration state is unchanged. New code imports ``encryption.fields``; this module goes when those
migrations are squashed into ones that name the new address.
"""

from encryption.fields import BlindIndexField, EncryptedCharField

__all__ = ["BlindIndexField", "EncryptedCharField"]
