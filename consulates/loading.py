"""Rows become model instances without ``Model.__init__``.

Django builds each loaded instance through ``__init__``, which walks every field of the model with its
descriptors, checks and signals; on a page of 50 cases with their persons and consulates that was about
a tenth of the API's request. ``from_db`` is Django's documented hook for loading: these models put the
loaded values straight into the instance's ``__dict__`` (the same attributes ``__init__`` sets, by
attribute name; a column not loaded stays deferred and is read on first access, as usual). It relies on
what ``tests/consulates/test_loading.py`` checks: the models have no ``__init__`` of their own and no
``pre_init``/``post_init`` receivers, and an instance loaded either way is the same.
"""

from __future__ import annotations

from django.db.models.base import ModelState


class FastLoad:
    """Mix in before ``models.Model`` (or its abstract subclass)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        new = cls.__new__(cls)
        new.__dict__.update(zip(field_names, values, strict=True))
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        return new
