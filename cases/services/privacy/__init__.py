"""A person's data: anonymised when the retention period ends, exported and erased on request.

``plan``: what is cleared (live rows and history); ``anonymise``: doing it, the nightly retention job's
batches, erasure on request. ``export``: the zip of everything held about a person. ``permissions``: who may.
"""

from cases.services.privacy.anonymise import (
    person_erase,
    persons_past_retention,
    retention_anonymise_batch,
    retention_cutoff,
    retention_run,
)
from cases.services.privacy.export import person_export
from cases.services.privacy.plan import ANONYMISED_NAME

__all__ = [
    "ANONYMISED_NAME",
    "person_erase",
    "person_export",
    "persons_past_retention",
    "retention_anonymise_batch",
    "retention_cutoff",
    "retention_run",
]
