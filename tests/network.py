"""The consular network for the tests: loaded once per session (``consulates.services.network_load``, which
upserts row by row: seconds), then copied back in bulk after a ``transaction=True`` test has flushed
every table."""

from __future__ import annotations

from consulates.models import (
    ConsularPost,
    Consulate,
    County,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    PartnerKind,
    ReceptionPoint,
)
from consulates.services import network_load

# In the order their foreign keys need.
MODELS = (Consulate, County, DetentionFacility, ReceptionPoint, ImmigrationCourt, ConsularPost)
_rows: dict = {}


def network_load_once() -> None:
    """The session's load (tests/conftest.py): the loader's own result, remembered for ``network_restore``."""
    network_load()
    for model in MODELS:
        _rows[model] = list(model.objects.order_by("pk"))
    # The state child-welfare agencies the loader adds as partners (decision 0029), with their consulates.
    agencies = Partner.objects.exclude(kind=PartnerKind.NGO).order_by("pk")
    _rows[Partner] = list(agencies)
    _rows[Partner.consulates.through] = list(
        Partner.consulates.through.objects.filter(partner__in=agencies).order_by("pk")
    )


def network_restore() -> None:
    """Put the network back as the session loaded it (same rows, same primary keys) where a flush emptied
    it; a database that still has its consulates is left alone."""
    if Consulate.objects.exists():
        return
    if not _rows:  # no session load in this process (never the case under pytest-django)
        network_load()
        return
    for model in (*MODELS, Partner, Partner.consulates.through):
        model.objects.bulk_create(_rows.get(model, []))
