"""Model fields for data encrypted at rest (``encryption``).

``EncryptedCharField`` behaves like a ``CharField`` in Python (forms, validation, max_length on the
plaintext) and stores a ``text`` column holding ciphertext. Every write path encrypts, because the
encryption happens in ``get_db_prep_value``: ``save()``, ``bulk_create``, ``bulk_update`` and
``update()``. Every read path decrypts through ``from_db_value`` (also ``values()`` and code that builds
instances with the fields' db converters). The empty string is stored as is (it says only that nothing
was recorded), so ``exclude(phone="")`` still works; any other lookup on the column is refused, since
comparing ciphertexts means nothing: exact lookups go through a ``BlindIndexField``.

``BlindIndexField`` holds HMAC-SHA256 of the normalised value of another field of the same row,
computed when the row is saved (``pre_save``: ``save()`` and ``bulk_create``).
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import lookups
from django.utils.module_loading import import_string

import encryption


class EncryptedExact(lookups.Exact):
    """Only ``= ''`` (nothing recorded) makes sense on ciphertext."""

    def get_prep_lookup(self):
        if self.rhs != "" and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.target.name} is encrypted: look it up through its blind index, not by value."
            )
        return super().get_prep_lookup()


class EncryptedCharField(models.CharField):
    description = "Text encrypted at rest (AES-256-GCM)"
    _allowed_lookups = {"exact": EncryptedExact, "isnull": lookups.IsNull}

    def db_type(self, connection):
        return "text"  # ciphertext is longer than the plaintext's max_length

    def cast_db_type(self, connection):
        return "text"

    def get_lookup(self, lookup_name):
        if lookup_name in ("df", "ndf"):  # pgtrigger's IS [NOT] DISTINCT FROM, OLD against NEW
            return super().get_lookup(lookup_name)
        return self._allowed_lookups.get(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return encryption.decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return encryption.encrypt(str(value))


class BlindIndexField(models.CharField):
    """``source``: the field whose value is indexed; ``normaliser``: dotted path of a function giving
    the canonical form (the one lookups normalise to), or ``None`` to index the value unchanged;
    ``purpose``: the HMAC's domain (defaults to the source field's name)."""

    description = "Keyed blind index (HMAC-SHA256) of another field"

    def __init__(self, *args, source: str, normaliser: str | None = None, purpose: str = "", **kwargs):
        self.source = source
        self.normaliser = normaliser
        self.purpose = purpose or source
        self._normalise = None  # the normaliser, imported on first use (it may import models)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        # Fixed width (64 hex digits); not varchar, so PostgreSQL gets no useless LIKE index beside the
        # unique one.
        return "char(64)"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normaliser:
            kwargs["normaliser"] = self.normaliser
        if self.purpose != self.source:
            kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("editable", False), ("null", True), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def index_of(self, value) -> str | None:
        """The index of a plaintext value (``None`` for nothing recorded)."""
        if value is None or value == "":
            return None
        if self.normaliser:
            if self._normalise is None:
                self._normalise = import_string(self.normaliser)
            value = self._normalise(value)
        return encryption.blind_index(self.purpose, value)

    def pre_save(self, model_instance, add):
        value = self.index_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def blind_index_fields(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def encrypted_fields(model) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


class BlindIndexedQuerySet(models.QuerySet):
    """Keeps blind indexes in step on ``update(source=value)`` and ``bulk_update(objs, [source])``, the
    two writes that skip ``pre_save``."""

    def update(self, **kwargs):
        for field in blind_index_fields(self.model):
            if field.source in kwargs and field.name not in kwargs:
                value = kwargs[field.source]
                if hasattr(value, "resolve_expression"):
                    raise FieldError(
                        f"{field.source} is blind-indexed: update it with a value, not an expression."
                    )
                kwargs[field.name] = field.index_of(value)
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for field in blind_index_fields(self.model):
            if field.source in fields and field.name not in fields:
                fields.append(field.name)
                for obj in objs:
                    setattr(obj, field.attname, field.index_of(getattr(obj, field.source)))
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


class BlindIndexedModel(models.Model):
    """Keeps blind indexes in step on ``save(update_fields=[...])`` naming only their source."""

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = set(update_fields)
            for field in blind_index_fields(type(self)):
                if field.source in update_fields:
                    update_fields.add(field.name)
        super().save(*args, update_fields=update_fields, **kwargs)
