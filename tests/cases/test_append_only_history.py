"""History tables and the access log are append-only in the database itself.

Every pghistory event model is found programmatically, so a model tracked tomorrow whose migration does
not protect its event table fails ``test_every_event_table_has_the_trigger``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pghistory.models
import pgtrigger
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases.history import (
    ACCESS_LOG_TRIGGER,
    CONTEXT_TRIGGER,
    HISTORY_TRIGGER,
    TIMELINE_TRIGGER,
    is_event_model,
    rewriting_history,
)
from cases.models import AccessLog, CaseEvent

pytestmark = pytest.mark.django_db


def event_models() -> list:
    models = [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.managed and not model._meta.proxy
    ]
    assert models, "pghistory tracks nothing?"
    return sorted(models, key=lambda model: model._meta.label)


EVENT_MODELS = event_models()


def _triggers(table: str) -> dict[str, str]:
    """name -> definition of the non-internal triggers on ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        return dict(cursor.fetchall())


def test_the_personal_data_models_the_brief_names_are_among_the_event_models():
    tracked = {model.pgh_tracked_model._meta.label for model in EVENT_MODELS}
    assert {"cases.Person", "cases.Case", "cases.CaseEvent", "api.ApiToken"} <= tracked


def test_structural_recognition_matches_pghistory():
    """The migration recognises event models by their fields (historical models have no pghistory
    base class); it must find exactly pghistory's event models."""
    recognised = {model for model in apps.get_models() if is_event_model(model)}
    assert recognised == set(EVENT_MODELS)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m._meta.label)
def test_every_event_table_has_the_trigger(model):
    definition = _triggers(model._meta.db_table).get(HISTORY_TRIGGER)
    assert definition, f"{model._meta.db_table} is not protected: call cases.history.protect_history_table"
    assert "BEFORE DELETE OR UPDATE" in definition
    assert "FOR EACH ROW" in definition


def test_the_access_log_the_context_table_and_the_timeline_have_their_triggers():
    assert "BEFORE DELETE OR UPDATE" in _triggers(AccessLog._meta.db_table)[ACCESS_LOG_TRIGGER]
    # pghistory itself updates context rows during a request: the trigger lets them grow only
    assert "BEFORE DELETE OR UPDATE" in _triggers(pghistory.models.Context._meta.db_table)[CONTEXT_TRIGGER]
    timeline = _triggers(CaseEvent._meta.db_table)
    assert "BEFORE DELETE OR UPDATE" in timeline[TIMELINE_TRIGGER]
    assert "caseevent_append_only" in " ".join(timeline)  # pgtrigger's own protection stays


# --- Behaviour, with raw SQL on each table ---------------------------------------------------------------


def _dummy(field):
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField"):
        return "x"[: field.max_length or 1]
    if kind == "GenericIPAddressField":
        return "127.0.0.1"
    if kind in ("BooleanField",):
        return False
    if "Integer" in kind or kind in ("AutoField", "BigAutoField", "ForeignKey", "OneToOneField"):
        return 1
    if kind == "FloatField":
        return 0.0
    if kind == "DecimalField":
        return decimal.Decimal(0)
    if kind == "DateTimeField":
        return timezone.now()
    if kind == "DateField":
        return dt.date(2026, 1, 1)
    if kind == "DurationField":
        return dt.timedelta(0)
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "JSONField":
        return {}
    if kind == "BinaryField":
        return b"x"
    if kind == "ArrayField":
        return []
    raise AssertionError(f"no dummy value for {field.model.__name__}.{field.name} ({kind})")


def _insert_event_row(model) -> int:
    """One row in ``model``'s table with a value in every column that needs one (event tables have no
    foreign-key constraints); returns its ``pgh_id``."""
    fields = [f for f in model._meta.concrete_fields if f.name != "pgh_id"]
    columns, values = [], []
    for field in fields:
        if field.null and field.name != "pgh_obj":
            continue
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(_dummy(field), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))}) "  # noqa: S608
            "RETURNING pgh_id",
            values,
        )
        return cursor.fetchone()[0]


def _raw(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _refused(sql: str, params=()) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(sql, params)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m._meta.label)
def test_history_rows_cannot_be_updated_or_deleted(model):
    pk = _insert_event_row(model)
    table = connection.ops.quote_name(model._meta.db_table)
    _refused(f"UPDATE {table} SET pgh_label = 'rewritten' WHERE pgh_id = %s", [pk])  # noqa: S608
    _refused(f"DELETE FROM {table} WHERE pgh_id = %s", [pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=pk).delete()
    assert model.objects.filter(pk=pk).exclude(pgh_label="rewritten").exists()


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m._meta.label)
def test_history_rows_can_be_rewritten_inside_rewriting_history(model):
    pk = _insert_event_row(model)
    table = connection.ops.quote_name(model._meta.db_table)
    with rewriting_history():
        assert _raw(f"UPDATE {table} SET pgh_label = 'anonymised' WHERE pgh_id = %s", [pk]) == 1  # noqa: S608
    assert model.objects.get(pk=pk).pgh_label == "anonymised"
    with rewriting_history():
        assert _raw(f"DELETE FROM {table} WHERE pgh_id = %s", [pk]) == 1  # noqa: S608
    assert not model.objects.filter(pk=pk).exists()


def test_the_rewrite_switch_ends_with_its_transaction():
    model = EVENT_MODELS[0]
    pk = _insert_event_row(model)
    with rewriting_history():
        pass
    _refused(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE pgh_id = %s", [pk])  # noqa: S608


def test_a_real_history_row_written_by_a_service_is_protected():
    from tests import factories as f

    officer = f.officer("dallas")
    person = f.make_person(officer)
    row = person.history.get(pgh_label="insert")
    _refused("UPDATE cases_personhistory SET given_names = 'Otro' WHERE pgh_id = %s", [row.pk])
    _refused("DELETE FROM cases_personhistory WHERE pgh_obj_id = %s", [person.pk])
    assert person.history.filter(pgh_label="insert").count() == 1


def test_the_access_log_refuses_update_and_delete_even_when_rewriting_history():
    entry = AccessLog.objects.create(action="view", case_id=1, what="test")
    table = AccessLog._meta.db_table
    _refused(f"UPDATE {table} SET case_id = 2 WHERE id = %s", [entry.pk])  # noqa: S608
    _refused(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), rewriting_history():
        _raw(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert AccessLog.objects.get(pk=entry.pk).case_id == 1


def test_the_context_table_lets_pghistory_grow_a_context_and_nothing_else():
    context = pghistory.models.Context.objects.create(metadata={"user": None, "url": "/api/v1/cases/"})
    table = pghistory.models.Context._meta.db_table
    update = f"UPDATE {table} SET metadata = %s::jsonb WHERE id = %s"  # noqa: S608
    # What pghistory does: the user filled in once known, keys added by nested contexts.
    assert _raw(update, ['{"user": 1, "url": "/api/v1/cases/"}', context.pk]) == 1
    assert _raw(update, ['{"user": 1, "url": "/api/v1/cases/", "source": "api"}', context.pk]) == 1
    for rewritten in ('{"user": 2, "url": "/api/v1/cases/", "source": "api"}', '{"user": 1}', "{}"):
        _refused(update, [rewritten, context.pk])
    _refused(f"DELETE FROM {table} WHERE id = %s", [context.pk])  # noqa: S608
    assert pghistory.models.Context.objects.get(pk=context.pk).metadata["user"] == 1
    with rewriting_history():
        assert _raw(update, ['{"user": 2}', context.pk]) == 1
        assert _raw(f"DELETE FROM {table} WHERE id = %s", [context.pk]) == 1  # noqa: S608


def test_the_timeline_refuses_update_and_delete_unless_told_to_stand_aside():
    from tests import factories as f

    case = f.make_case(f.officer("dallas"))
    event = CaseEvent.objects.filter(case=case).latest("pk")
    for sql in (
        "UPDATE cases_caseevent SET text = 'x' WHERE id = %s",
        "DELETE FROM cases_caseevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
            _raw(sql, [event.pk])
    with rewriting_history(), pgtrigger.ignore("cases.CaseEvent:caseevent_append_only"):
        CaseEvent.objects.filter(pk=event.pk).update(text="")
    assert CaseEvent.objects.get(pk=event.pk).text == ""


def test_deleting_a_user_keeps_their_access_log_rows():
    from tests import factories as f

    user = f.UserFactory()
    entry = AccessLog.objects.create(user=user, action="view", person_id=7)
    user_id = user.pk
    user.delete()
    assert AccessLog.objects.filter(pk=entry.pk, user_id=user_id).exists()
