"""The one sanctioned way to rewrite audit history.

History tables (pghistory's ``*History`` event tables) are append-only: database triggers refuse UPDATE and
DELETE on them. Three maintenance jobs must still change personal data that history holds: re-encryption
after a key rotation, anonymisation of closed cases past the retention period, and erasure of a person on
request. They run inside ``rewriting_history()``, which sets a transaction-local switch the triggers accept.
Nothing else sets it; every use is itself recorded by the caller (access log or timeline).
"""

from __future__ import annotations

import contextlib

from django.db import connection, transaction

HISTORY_REWRITE_SETTING = "consular.history_rewrite"


@contextlib.contextmanager
def rewriting_history(using: str | None = None):
    """A transaction in which the append-only triggers let history rows be updated or deleted.

    ``SET LOCAL`` ends with the transaction, so the switch can never leak into a later request that
    reuses the connection."""
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [HISTORY_REWRITE_SETTING])
        yield
