"""The application's own database role cannot rewrite history; the maintenance role can, and only on purpose.

The roles are made by the deployment's own SQL (the here-document of docker/postgres/10-app-role.sh, with
its psql variables filled in), in this test database, inside a transaction rolled back after the module:
role names are unique (roles belong to the whole server, which other test databases share). Tables the
migrations created before these roles existed get what the owner's default privileges would have given
them, then what the migrations do to the tables they protect (``consular_secure_history()``): the grants of
a deployment. A third role keeps the grants the deployment gave before the revocations (every row
privilege on every table): the triggers alone must hold against it too.

Each attack is run as the application role (``SET LOCAL ROLE`` inside a savepoint): the history switch
(``consular.history_rewrite``), pgtrigger's ``pgtrigger.ignore``, rewriting ``pghistory_context`` (who made a
change), deleting it, TRUNCATE. The normal work of the application still runs as that role, and the
maintenance jobs (erasure, retention, key rotation) run as the maintenance login role.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pghistory
import pghistory.models
import pgtrigger
import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from cases import history, services
from cases.models import Case, CaseEvent, EmergencyContact, Person
from cases.services import privacy
from cases.services.privacy.anonymise import person_erase_request, person_erase_requested
from tests import factories as f
from tests.cases.test_append_only_history import EVENT_MODELS, _insert_event_row

ROOT = Path(__file__).resolve().parents[2]
INIT_SCRIPT = ROOT / "docker" / "postgres" / "10-app-role.sh"
NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDI="

pytestmark = pytest.mark.django_db


# --- The deployment's roles, in this database ----------------------------------------------------------


def deployment_sql() -> tuple[str, set[str]]:
    """The SQL of the init script's here-document and the psql variables the script sets for it."""
    script = INIT_SCRIPT.read_text()
    command, body = script.split("<<'SQL'\n", 1)
    return body.split("\nSQL\n", 1)[0], set(re.findall(r"--set (\w+)=", command))


def with_psql_variables(sql: str, values: dict[str, str]) -> str:
    """What psql sends for ``:"name"`` (an identifier) and ``:'name'`` (a literal)."""
    sql = re.sub(r':"(\w+)"', lambda m: '"' + values[m.group(1)].replace('"', '""') + '"', sql)
    return re.sub(r":'(\w+)'", lambda m: "'" + values[m.group(1)].replace("'", "''") + "'", sql)


def _execute(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def create_deployment_roles(suffix: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    values = {
        "owner": owner,
        "app_role": f"test_app_{suffix}",
        "app_password": secrets.token_urlsafe(16),
        "maintenance_role": f"test_maintainer_{suffix}",
        "maintenance_password": secrets.token_urlsafe(16),
    }
    sql, variables = deployment_sql()
    assert variables <= set(values), "the init script sets a psql variable this test does not fill in"
    _execute(with_psql_variables(sql, {name: values[name] for name in variables}))
    # The tables and sequences here predate these roles: give them what the owner's default privileges
    # give every table the migrations create, then do what the migrations do to the tables they protect.
    rows = _execute(
        "SELECT d.defaclobjtype, a.grantee::regrole::text, string_agg(a.privilege_type, ', ') "
        "FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a "
        "WHERE d.defaclrole = %s::regrole AND d.defaclnamespace = 'public'::regnamespace GROUP BY 1, 2",
        [owner],
    )
    for kind, grantee, privileges in rows:
        objects = {"r": "TABLES", "S": "SEQUENCES"}[kind]
        _execute(f"GRANT {privileges} ON ALL {objects} IN SCHEMA public TO {grantee}")
    if _execute("SELECT to_regproc('consular_secure_history') IS NOT NULL")[0][0]:
        _execute("SELECT consular_secure_history()")
    return values


def create_unrevoked_role(suffix: str) -> str:
    """Every row privilege on every table, as the deployment gave before this fix."""
    name = f"test_unrevoked_{suffix}"
    _execute(f"CREATE ROLE {name} NOLOGIN")
    _execute(f"GRANT USAGE ON SCHEMA public TO {name}")
    _execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}")
    _execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name}")
    return name


@contextlib.contextmanager
def as_role(role: str):
    """Statements of the block run as ``role``; an error rolls the savepoint (and the role) back."""
    with transaction.atomic():
        _execute(f'SET LOCAL ROLE "{role}"')
        yield
        _execute("SET LOCAL ROLE NONE")


def closed_person(officer, note: str) -> Person:
    """A person with a contact, one case with a note, closed (no approval needed)."""
    person = f.make_person(officer, phone="+1 214 555 0142")
    services.emergency_contact_save(
        actor=officer, person=person, contact=EmergencyContact(name="Lupe", phone="+52 33 1234 5600")
    )
    case = f.make_case(officer, person=person)
    services.case_note_add(actor=officer, case=case, text=note)
    services.case_close_request(actor=officer, case=case, outcome="released")
    assert Case.objects.get(pk=case.pk).status == "closed"
    return Person.objects.get(pk=person.pk)


@dataclass
class World:
    app: str
    maintainer: str
    unrevoked: str
    officer: object
    case: Case
    erasable: Person  # every case closed
    expired: Person  # every case closed before the retention period
    history_rows: dict  # model label -> pgh_id of a row in its table
    context_id: uuid.UUID


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            suffix = uuid.uuid4().hex[:12]
            roles = create_deployment_roles(suffix)
            officer = f.officer("dallas")
            case = f.make_case(officer)
            services.case_note_add(actor=officer, case=case, text="Llamada de seguimiento")
            expired = closed_person(officer, "Habló con su hermana")
            Case.objects.filter(person=expired).update(
                closed_at=timezone.now() - relativedelta(years=settings.RETENTION_YEARS, days=1)
            )
            with pghistory.context(user=officer.pk, url="/admin/"):
                services.case_note_add(actor=officer, case=case, text="Con contexto")
            yield World(
                app=roles["app_role"],
                maintainer=roles["maintenance_role"],
                unrevoked=create_unrevoked_role(suffix),
                officer=officer,
                case=case,
                erasable=closed_person(officer, "Pidió una copia de su acta"),
                expired=expired,
                history_rows={model._meta.label: _insert_event_row(model) for model in EVENT_MODELS},
                context_id=apps.get_model("cases", "CaseEventHistory")
                .objects.filter(pgh_context__isnull=False)
                .latest("pgh_id")
                .pgh_context_id,
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


ATTACKERS = ["app", "unrevoked"]  # the deployment's app role, and one that kept every row privilege


def refused(sql: str, params=None, *, role: str, switch: bool = False) -> None:
    """``sql`` as ``role`` fails (with the history switch on first, when ``switch``)."""

    def attempt():
        with as_role(role):
            if switch:
                _execute("SELECT set_config('consular.history_rewrite', 'on', true)")
            _execute(sql, params)

    with pytest.raises(DatabaseError):
        attempt()


# --- Attacks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m._meta.label)
def test_the_history_switch_does_not_let_the_app_rewrite_history(world, model, attacker):
    role, pk = getattr(world, attacker), world.history_rows[model._meta.label]
    table = connection.ops.quote_name(model._meta.db_table)
    refused(f"UPDATE {table} SET pgh_label = 'rewritten' WHERE pgh_id = %s", [pk], role=role, switch=True)  # noqa: S608
    refused(f"DELETE FROM {table} WHERE pgh_id = %s", [pk], role=role, switch=True)  # noqa: S608
    assert model.objects.filter(pk=pk).exclude(pgh_label="rewritten").exists()


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_pgtrigger_ignore_does_not_open_the_timeline_to_the_app(world, attacker):
    event = CaseEvent.objects.filter(case=world.case).latest("pk")
    role = getattr(world, attacker)
    for write in (
        lambda: CaseEvent.objects.filter(pk=event.pk).update(text="reescrito"),
        lambda: CaseEvent.objects.filter(pk=event.pk).delete(),
    ):
        with (
            pytest.raises(DatabaseError),
            as_role(role),
            pgtrigger.ignore("cases.CaseEvent:caseevent_append_only"),
            transaction.atomic(),
        ):
            write()
    refused(
        "SELECT set_config('pgtrigger.ignore', '{pgtrigger_caseevent_append_only_c15c2}', true); "
        "DELETE FROM cases_caseevent WHERE id = %s",
        [event.pk],
        role=role,
        switch=True,
    )
    assert CaseEvent.objects.get(pk=event.pk).text == event.text


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_pgtrigger_ignore_does_not_switch_off_the_audit_of_a_write(world, attacker):
    """pghistory's triggers are pgtrigger triggers: ignoring them would change a person unrecorded."""
    person = world.case.person
    names = _execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases_person'::regclass AND tgname LIKE 'pgtrigger_update%%'"
    )
    before = person.history.count()
    with as_role(getattr(world, attacker)):
        _execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(n for (n,) in names) + "}"]
        )
        Person.objects.filter(pk=person.pk).update(phone="+1 214 555 0199")
    assert person.history.count() == before + 1


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_the_app_cannot_rewrite_who_made_a_change(world, attacker):
    role, pk = getattr(world, attacker), world.context_id
    set_metadata = "UPDATE pghistory_context SET metadata = %s::jsonb WHERE id = %s"
    for metadata in ('{"user": 999999, "url": "/admin/"}', '{"url": "/admin/"}', "{}", '["user"]'):
        refused(set_metadata, [metadata, pk], role=role)
        refused(set_metadata, [metadata, pk], role=role, switch=True)
    refused(
        "UPDATE pghistory_context SET metadata = metadata || '{\"user\": null}' WHERE id = %s",
        [pk],
        role=role,
    )
    refused("UPDATE pghistory_context SET id = gen_random_uuid() WHERE id = %s", [pk], role=role)
    refused(
        "UPDATE pghistory_context SET created_at = created_at - interval '1 day' WHERE id = %s",
        [pk],
        role=role,
    )
    refused("DELETE FROM pghistory_context WHERE id = %s", [pk], role=role)
    refused("DELETE FROM pghistory_context WHERE id = %s", [pk], role=role, switch=True)
    context = pghistory.models.Context.objects.get(pk=pk)
    assert context.metadata == {"user": world.officer.pk, "url": "/admin/"}


@pytest.mark.parametrize(
    "table",
    ["cases_personhistory", "cases_casehistory", "cases_caseevent", "pghistory_context", "cases_accesslog"],
)
def test_the_app_cannot_truncate(world, table):
    refused(f"TRUNCATE {table}", role=world.app)
    refused(f"TRUNCATE {table} CASCADE", role=world.app, switch=True)


def test_the_app_cannot_become_the_maintenance_role(world):
    """``SET ROLE`` checks the session's login role, a member or not (here the test's superuser: so the
    membership is checked directly); ``rewriting_history()`` refuses at once, naming the right connection."""
    member = "SELECT pg_has_role(%s, %s, 'MEMBER')"
    assert _execute(member, [world.app, history.MAINTENANCE_ROLE]) == [(False,)]
    assert _execute(member, [world.maintainer, history.MAINTENANCE_ROLE]) == [(True,)]
    with (
        as_role(world.app),
        pytest.raises(history.HistoryRewriteRefused) as refusal,
        history.rewriting_history(),
    ):
        pass
    assert history.MAINTENANCE_ROLE in str(refusal.value)
    assert "maintenance" in str(refusal.value)


def test_the_app_keeps_reading_and_adding_rows_only(world):
    """On every protected table: SELECT and INSERT, and on pghistory's context rows UPDATE of the two
    columns its upsert sets; no UPDATE, DELETE or TRUNCATE."""
    tables = [
        row[0]
        for row in _execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname = ANY(%s)",
            [list(history.GUARD_TRIGGERS)],
        )
    ]
    assert {"cases_personhistory", "cases_caseevent", "pghistory_context", "cases_accesslog"} <= set(tables)
    for table in tables:
        held = {
            privilege
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            if _execute("SELECT has_table_privilege(%s, %s, %s)", [world.app, table, privilege])[0][0]
        }
        assert held == {"SELECT", "INSERT"}, table
    columns = _execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'pghistory_context'::regclass AND attnum > 0 "
        "AND has_column_privilege(%s, attrelid, attnum, 'UPDATE')",
        [world.app],
    )
    assert {name for (name,) in columns} == {"metadata", "updated_at"}


def test_pgtriggers_ignore_function_is_the_role_aware_one():
    """pgtrigger writes its own ``_pgtrigger_should_ignore`` with every trigger it installs."""
    (body,) = _execute("SELECT prosrc FROM pg_proc WHERE oid = to_regproc(%s)", [history.IGNORE_FUNCTION])[0]
    assert history.MAINTENANCE_ROLE in body, (
        "a migration left pgtrigger's own _pgtrigger_should_ignore (which honours pgtrigger.ignore for any "
        "role) in place: end it with cases.history.install_trigger_functions"
    )


# --- What the application and the maintenance role still do ----------------------------------------------


def test_the_app_records_events_and_pghistory_grows_its_context(world):
    """A request's context starts without a user (the middleware, before DRF authenticates), gets one,
    then more keys as nested contexts add them: pghistory upserts the same row each time."""
    officer = world.officer
    with as_role(world.app), pghistory.context(user=None, url="/api/v1/cases/") as context:
        case = f.make_case(officer)
        pghistory.context(user=officer.pk)
        services.case_note_add(actor=officer, case=case, text="Nota")
        pghistory.context(source="api")
        services.case_update(actor=officer, case=case, priority="urgent")
    row = pghistory.models.Context.objects.get(pk=context.id)
    assert row.metadata == {"user": officer.pk, "url": "/api/v1/cases/", "source": "api"}
    assert CaseEvent.objects.filter(case=case, text="Nota").exists()
    assert case.history.filter(pgh_context_id=context.id).count() >= 2


def test_the_maintenance_role_erases_a_person(world):
    admin = f.administrator()
    person = world.erasable
    with as_role(world.maintainer):
        privacy.person_erase(actor=admin, person=person, reason="Solicitud por escrito")
    erased = Person.objects.get(pk=person.pk)
    assert erased.anonymised_at is not None
    history_model = apps.get_model("cases", "PersonHistory")
    rows = history_model.objects.filter(pgh_obj_id=person.pk)
    assert {(row.given_names, row.phone) for row in rows} == {(privacy.ANONYMISED_NAME, "")}
    assert set(CaseEvent.objects.filter(case__person=person).values_list("text", flat=True)) == {""}


def test_the_app_requests_an_erasure_and_the_maintenance_role_does_it(
    world, django_capture_on_commit_callbacks
):
    admin = f.administrator()
    person = world.erasable
    with as_role(world.app), django_capture_on_commit_callbacks() as queued:
        request_id = person_erase_request(
            actor=admin, person=person, reason="Solicitud por escrito", page="/x/"
        )
    assert len(queued) == 1
    assert Person.objects.get(pk=person.pk).anonymised_at is None
    with as_role(world.app), pytest.raises(history.HistoryRewriteRefused):
        person_erase_requested(request_id=str(request_id))
    with as_role(world.maintainer):
        assert person_erase_requested(request_id=str(request_id)) is True
        assert person_erase_requested(request_id=str(request_id)) is False  # twice: nothing more
    assert Person.objects.get(pk=person.pk).anonymised_at is not None


def test_the_maintenance_role_anonymises_past_retention(world):
    person = world.expired
    with as_role(world.maintainer):
        done, _last = privacy.retention_anonymise_batch(after_pk=person.pk - 1, batch_size=1)
    assert done == 1
    assert Person.objects.get(pk=person.pk).anonymised_at is not None


def test_the_maintenance_role_rotates_keys_and_the_app_cannot(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
    with as_role(world.app), pytest.raises(CommandError, match="maintenance"):
        call_command("rotate_field_keys", stdout=io.StringIO())
    out = io.StringIO()
    with as_role(world.maintainer):
        call_command("rotate_field_keys", stdout=out)
        call_command("rotate_field_keys", check=True, stdout=io.StringIO())
    assert "re-encrypted" in out.getvalue()


def test_the_maintenance_role_rewrites_only_inside_rewriting_history(world):
    pk = world.history_rows["cases.PersonHistory"]
    refused("UPDATE cases_personhistory SET pgh_label = 'x' WHERE pgh_id = %s", [pk], role=world.maintainer)
    with as_role(world.maintainer), history.rewriting_history():
        assert _execute("UPDATE cases_personhistory SET pgh_label = 'x' WHERE pgh_id = %s", [pk]) == 1
