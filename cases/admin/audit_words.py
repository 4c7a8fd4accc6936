"""The audit pages in human terms: who (the user's name), what record (a case's reference; a person's
name for those who may see the values, ``audit.values``, else the person's record number), what happened
("created", "changed"), which fields (their names in the reader's language) and when (in words, with the
zone: the audit pages cover consulates of two zones).

Every name a page needs is read in one query per kind (users, cases, persons) for the whole page, so the
number of queries does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

import encryption
from cases.models import Case, Person
from cases.selectors import person_search_filter
from consulates.policy import can
from staffsite.formats import in_words


def decrypted(value):
    """``value`` (JSON from an event row) with every encrypted string decrypted."""
    if isinstance(value, dict):
        return {key: decrypted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decrypted(item) for item in value]
    if isinstance(value, str) and value.startswith(encryption.PREFIX + ":"):
        try:
            return encryption.decrypt(value)
        except encryption.DecryptionError:
            return str(_("[encrypted with a key that is not configured]"))
    return value


EVENT_WORDS = {
    "insert": pgettext_lazy("audit event", "created"),
    "update": pgettext_lazy("audit event", "changed"),
    "delete": pgettext_lazy("audit event", "deleted"),
    "snapshot": pgettext_lazy("audit event", "saved"),
}


def when_with_zone(value) -> str:
    """ "6 de diciembre de 2026 a las 08:45 (CST)": the audit pages span Central and Mountain time."""
    if value is None:
        return "—"
    return f"{in_words(value)} ({timezone.localtime(value).tzname()})"


def event_words(label: str) -> str:
    return str(EVENT_WORDS.get(label, label))


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_words(label: str) -> str:
    """ "cases.Case" -> "Caso"."""
    model = _model(label or "")
    return capfirst(str(model._meta.verbose_name)) if model else label


def field_words(label: str, names) -> str:
    """Field names in the reader's language ("última actividad, versión")."""
    return ", ".join(_field_title(label, name) for name in sorted(names or ())) or "—"


def changes_words(label: str, diff: dict):
    """A diff as "field: before → after" lines (values: administrators only)."""
    rows = []
    for name, pair in sorted((diff or {}).items()):
        before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        rows.append((capfirst(_field_title(label, name)), _value(before), _value(after)))
    return format_html_join("", "<div>{}: {} → {}</div>", rows) if rows else "—"


def values_words(label: str, data: dict):
    """A saved row as "field: value" lines (administrators only)."""
    rows = [
        (capfirst(_field_title(label, name)), _value(value)) for name, value in sorted((data or {}).items())
    ]
    return format_html_join("", "<div>{}: {}</div>", rows) if rows else "—"


def _field_title(label: str, name: str) -> str:
    model = _model(label or "")
    if model is None:
        return name
    for candidate in (name, name.removesuffix("_id")):
        try:
            return str(model._meta.get_field(candidate).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$")


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:  # history rows keep moments and days as ISO text
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return in_words(moment if "T" in value else moment.date())
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    return str(value)


def user_names(ids) -> dict:
    """User id -> "Full Name (username)" (or the username), in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = (
        get_user_model().objects.filter(pk__in=ids).values_list("pk", "username", "first_name", "last_name")
    )
    return {pk: user_words(username, first, last) for pk, username, first, last in rows}


def user_words(username: str, first: str = "", last: str = "") -> str:
    full = f"{first} {last}".strip()
    return f"{full} ({username})" if full else username


class RecordNames:
    """The records a page of events or reads names: case references, and persons' names for those who may
    see the values. Built once per page: one query for the cases, one for the persons."""

    def __init__(self, user, case_ids, person_ids):
        case_ids = {int(i) for i in case_ids if i}
        person_ids = {int(i) for i in person_ids if i}
        self.references = (
            dict(Case._base_manager.filter(pk__in=case_ids).values_list("pk", "reference"))
            if case_ids
            else {}
        )
        self.names = {}
        if person_ids and can(user, "audit.values"):
            people = Person._base_manager.filter(pk__in=person_ids).only(
                "given_names", "paternal_surname", "maternal_surname", "anonymised_at"
            )
            self.names = {person.pk: person.full_name for person in people}

    def case(self, pk) -> str:
        if pk is None:
            return "—"
        return self.references.get(int(pk), f"#{pk}")

    def person(self, pk) -> str:
        if pk is None:
            return "—"
        return self.names.get(int(pk)) or gettext("person no. %(id)s") % {"id": pk}


def event_case_and_person(row) -> tuple[int | None, int | None]:
    """The case and the person an event row is about (its own id, or its ``case`` / ``person`` field)."""
    data = row.pgh_data if isinstance(row.pgh_data, dict) else {}
    case_id = (
        int(row.pgh_obj_id) if row.pgh_obj_model == "cases.Case" else data.get("case_id", data.get("case"))
    )
    person_id = (
        int(row.pgh_obj_id)
        if row.pgh_obj_model == "cases.Person"
        else data.get("person_id", data.get("person"))
    )
    return (case_id if isinstance(case_id, int) else None, person_id if isinstance(person_id, int) else None)


def event_record(row, names: RecordNames) -> str:
    """The record in words: "DAL-2026-000123", "Juana Pérez" / "person no. 601", "Audiencia · DAL-…"."""
    case_id, person_id = event_case_and_person(row)
    if row.pgh_obj_model == "cases.Case":
        return names.case(case_id)
    if row.pgh_obj_model == "cases.Person":
        return names.person(person_id)
    kind = model_words(row.pgh_obj_model)
    if case_id is not None:
        return f"{kind} · {names.case(case_id)}"
    if person_id is not None:
        return f"{kind} · {names.person(person_id)}"
    return f"{kind} #{row.pgh_obj_id}"


def matching_persons(user, value: str) -> list[int]:
    """The persons a name, CURP or A-number matches, for those who may see names; at most 50."""
    if not can(user, "audit.values"):
        return []
    return list(Person._base_manager.filter(person_search_filter(value)).values_list("pk", flat=True)[:50])


def record_link(url: str, name: str, value, text: str):
    return format_html('<a href="{}?{}={}">{}</a>', url, name, value, text)


CHANNELS = {"admin": _("staff UI"), "api": _("API")}
RESOURCES = {
    "person": _("a person's record"),
    "person list": _("the list of persons"),
    "case": _("a case"),
    "case list": _("the list of cases"),
    "case timeline": _("a case's timeline"),
    "hand-off sheet": _("a repatriation hand-off sheet"),
    "transfer": _("a transfer"),
    "transfer list": _("the list of transfers"),
    "referral": _("a referral"),
    "referral list": _("the list of referrals"),
    "consent": _("a consent"),
    "consent list": _("the list of consents"),
    "task": _("a task"),
    "task list": _("the list of tasks"),
    "partner referral": _("a referral, by its partner organisation"),
    "partner referral list": _("the referrals of a partner organisation"),
    "partner referral documents": _("a referral's documents, by its partner organisation"),
    "partner referral timeline": _("a referral's timeline, by its partner organisation"),
    "partner document download": _("a document, downloaded by a partner organisation"),
}
WHOLE = {
    "admin person export": _("export of a person's data"),
    "admin person erase": _("erasure of a person's data"),
    "document download": _("a document, downloaded"),
}
_READ = re.compile(r"^(?P<channel>admin|api): (?P<resource>[a-z -]+?)(?: \?(?P<filters>.*))?$")


def resource_words(what: str) -> str:
    """What an access-log row read, in words ("the list of cases · staff UI · filters: status=open");
    anything else (a report's name and dates, an identifier review) as written."""
    if what in WHOLE:
        return str(WHOLE[what])
    match = _READ.match(what or "")
    if not match or match["resource"] not in RESOURCES:
        return what or "—"
    text = f"{RESOURCES[match['resource']]} · {CHANNELS[match['channel']]}"
    if match["filters"]:
        text += " · " + gettext("filters: %(filters)s") % {"filters": match["filters"].replace("&", ", ")}
    return text


# --- The trail's own filters (pghistory's), worded ---------------------------------------------------


def worded(base, title, display):
    """pghistory's filter ``base`` under ``title``, each choice shown as ``display(value, label)``."""

    def lookups(self, request, model_admin):
        return [(value, display(value, label)) for value, label in base.lookups(self, request, model_admin)]

    return type(base.__name__, (base,), {"title": title, "lookups": lookups})


def history_table(value, label) -> str:
    """A history table by the records it keeps ("Caso", "Evento del caso")."""
    try:
        tracked = apps.get_model(value).pgh_tracked_model
    except (LookupError, ValueError, AttributeError):
        return label
    return model_words(tracked._meta.label)


METHODS = {
    "tracks": _("changes of the record itself"),
    "references": _("changes of the record and of its parts"),
}


def titled_by(response, title):
    """A record's own page, or its history, titled ``title(record)`` instead of the record's ``str``
    (pghistory's "MiddlewareEvents object (…)", django-axes's "Access Log for admin @ 2026-…")."""
    context = getattr(response, "context_data", None)
    record = (context.get("original") or context.get("object")) if context else None
    if record is not None:
        if context.get("original") is not None:
            context["subtitle"] = title(record)
        else:
            context["title"] = gettext("Change history: %s") % title(record)
    return response
