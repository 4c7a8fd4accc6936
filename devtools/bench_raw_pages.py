"""The raw pages of the API benchmark (``bench_api``): each API read the benchmark times, written by hand.

One hand-written SQL statement per page (the nested lists, hand-overs, emergency contacts and hearings,
are sub-selects of it, aggregated with ``json_agg``), the same filters, scope, order, page size and total
count as the API's page, the encrypted fields the API shows decrypted with ``encryption.decrypt``, and the
computed fields (art. 36 delays, the 48-hour contact target, a referral's overdue answer, full names)
computed as the models compute them. Times are written in the caller's zone (the one
``consulates.middleware`` activates for the API: the benchmark computes it once per caller, ``zone``),
serialised with orjson, as the API's renderer writes them (``Z`` for UTC). No ORM, no model instances.

``bench_api`` refuses to time a page whose raw twin answers anything else than the API's page (whole
page, ``count`` included): the yardstick cannot drift silently.
"""

# The SQL below is assembled from constant fragments only (every value is a query parameter).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import orjson
from django.conf import settings
from django.db import connection
from django.utils import translation

import encryption
from cases.languages import described
from cases.models.case import ART36_CONTACT_HOURS
from cases.models.crossoffice import REFERRAL_ANSWER_HOURS
from consulates.selectors import user_timezone_name

PAGE = 50
# As the API's renderer: times with a zero offset end in ``Z``.
_OPTIONS = orjson.OPT_UTC_Z
_CONTACT_TARGET = dt.timedelta(hours=ART36_CONTACT_HOURS)
_ANSWER_TARGET = dt.timedelta(hours=REFERRAL_ANSWER_HOURS)
_ACTIVE_REFERRAL = ("pending", "accepted", "in_progress")


def caller_zone(user) -> str:
    """The zone the API writes ``user``'s times in: their consulate's, else the default (network-wide roles,
    and a token's caller, whom ``ConsulateTimezoneMiddleware`` sees before DRF authenticates the token)."""
    return (user_timezone_name(user) if user is not None else None) or settings.TIME_ZONE


def caller_language() -> str:
    """The language of the benchmark's API calls: they send no ``Accept-Language``, so the default."""
    return settings.LANGUAGE_CODE


@functools.cache
def _anonymised(language: str) -> str:
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Anonymised person")


def _decrypt(value):
    return encryption.decrypt(value) if value else value


def _at(value, zone):
    return value.astimezone(zone) if value is not None else None


def _at_text(text, zone):
    """A time that came through ``json_agg`` (PostgreSQL's text, UTC) in the caller's zone."""
    return dt.datetime.fromisoformat(text).astimezone(zone) if text is not None else None


def _hours(delta):
    return round(delta.total_seconds() / 3600, 2) if delta is not None else None


def _full_name(given, paternal, maternal, anonymised_at, language) -> str:
    if anonymised_at is not None:
        return _anonymised(language)
    return " ".join(part for part in (given, paternal, maternal) if part)


def _fetch(sql: str, params: dict) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _next(base: str, query: dict, count: int):
    """DRF's ``next`` link of the first page: its query parameters sorted, ``limit`` and ``offset`` set."""
    if count <= PAGE:
        return None
    params = {**query, "limit": PAGE, "offset": PAGE}
    return f"{base}?" + "&".join(f"{name}={params[name]}" for name in sorted(params))


# The case list and the case detail (``CaseSerializer``, ``CaseDetailSerializer``)

CASE_COLUMNS = """
    c.id, c.reference, p.id, p.given_names, p.paternal_surname, p.maternal_surname, p.curp, p.a_number,
    p.anonymised_at, c.consulate_id, co.code, c.category, c.subtype, c.status, c.priority, c.summary,
    u.id, u.first_name, u.last_name, u.username, c.facility_id, c.detained_since, c.released_on,
    c.arrested_at, c.arresting_agency, c.advised_at, c.notification_request, c.notification_request_at,
    c.consulate_notified_at, c.notified_by, c.first_contact_at, c.opposes_consular_action,
    c.opposition_recorded_at, c.opposition_note, c.expected_removal_date, c.expected_removal_time,
    c.removal_mode, c.removal_carrier, c.removal_flight_number, c.reception_point_id, c.outcome,
    c.outcome_notes, c.opened_at, c.closed_at, c.last_activity_at, c.version"""
CASE_FROM = """
    FROM cases_case c
    JOIN cases_person p ON p.id = c.person_id
    JOIN consulates_consulate co ON co.id = c.consulate_id
    LEFT JOIN auth_user u ON u.id = c.assigned_to_id"""
# An officer's cases: their consulate's, and those offered to it by a pending transfer. The offered ids as
# an array (an init plan), not ``IN (sub-select)``: an OR with a hashed sub-plan is a filter the planner
# cannot put on an index, so the count read every open case of the network; ``= ANY`` lets it OR the
# (consulate, status) index with the primary key.
OFFICER_SCOPE = """(c.consulate_id = %(consulate)s OR c.id = ANY(ARRAY(
    SELECT case_id FROM cases_transfer WHERE status = 'pending' AND to_consulate_id = %(consulate)s)))"""
# The hand-overs of the case (the caller sees the case, so all of them), the latest first.
HANDOVERS = """(
    SELECT json_agg(json_build_object(
        'id', h.id, 'case', h.case_id, 'post', h.post_id, 'post_name', cp.name, 'reason', h.reason,
        'reason_notes', h.reason_notes, 'method', h.method, 'method_notes', h.method_notes,
        'sent_at', h.sent_at, 'sent_by', h.sent_by_id, 'export_size', h.export_size,
        'export_sha256', h.export_sha256, 'acknowledged_at', h.acknowledged_at,
        'acknowledged_by_name', h.acknowledged_by_name, 'acknowledgement_notes', h.acknowledgement_notes
    ) ORDER BY h.sent_at DESC, h.id DESC)
    FROM cases_handover h JOIN consulates_consularpost cp ON cp.id = h.post_id WHERE h.case_id = c.id)"""


def _case_row(row, zone, language, now) -> dict:
    (pk, reference, person, given, paternal, maternal, curp, a_number, anonymised, consulate, code,
     category, subtype, status, priority, summary, user, first, last, username, facility, detained,
     released, arrested, agency, advised, request, request_at, notified, notified_by, contact, opposes,
     opposition_at, opposition_note, removal_date, removal_time, removal_mode, carrier, flight,
     reception, outcome, outcome_notes, opened, closed, activity, version) = row[:46]  # fmt: skip
    in_custody = facility is not None and released is None
    expected = not opposes and request != "declined"
    overdue = (
        expected
        and in_custody
        and status != "closed"
        and contact is None
        and notified is not None
        and now - notified >= _CONTACT_TARGET
    )
    return {
        "id": pk,
        "reference": reference,
        "person": {
            "id": person,
            "full_name": _full_name(given, paternal, maternal, anonymised, language),
            "curp": _decrypt(curp),
            "a_number": _decrypt(a_number),
        },
        "consulate": consulate,
        "consulate_code": code,
        "category": category,
        "subtype": subtype,
        "status": status,
        "priority": priority,
        "summary": summary,
        "assigned_to": {"id": user, "name": f"{first} {last}".strip() or username} if user else None,
        "facility": facility,
        "detained_since": detained,
        "released_on": released,
        "in_custody": in_custody,
        "arrested_at": _at(arrested, zone),
        "arresting_agency": agency,
        "advised_at": _at(advised, zone),
        "notification_request": request,
        "notification_request_at": _at(request_at, zone),
        "consulate_notified_at": _at(notified, zone),
        "notified_by": notified_by,
        "first_contact_at": _at(contact, zone),
        "opposes_consular_action": opposes,
        "opposition_recorded_at": _at(opposition_at, zone),
        "opposition_note": opposition_note,
        "art36": {
            "advice_delay_hours": _hours(advised - arrested if advised and arrested else None),
            "notification_delay_hours": _hours(notified - arrested if notified and arrested else None),
            "contact_delay_hours": _hours(contact - notified if contact and notified else None),
            "contact_expected": expected,
            "contact_overdue": overdue,
        },
        "expected_removal_date": removal_date,
        "expected_removal_time": removal_time,
        "removal_mode": removal_mode,
        "removal_carrier": carrier,
        "removal_flight_number": flight,
        "reception_point": reception,
        "outcome": outcome,
        "outcome_notes": outcome_notes,
        "opened_at": _at(opened, zone),
        "closed_at": _at(closed, zone),
        "last_activity_at": _at(activity, zone),
        "version": version,
    }


def raw_case_list(consulate: int | None, zone: str, language: str, base: str) -> bytes:
    """``GET /api/v1/cases/?status=open&limit=50``: network-wide (``consulate`` None) or an officer's.
    ``base``: the page's absolute address without its query (``next`` names it)."""
    scope = f"AND {OFFICER_SCOPE}" if consulate else ""
    rows = _fetch(
        f"SELECT {CASE_COLUMNS}, (SELECT count(*) FROM cases_case c WHERE c.status = 'open' {scope}) "
        f"{CASE_FROM} WHERE c.status = 'open' {scope} ORDER BY c.opened_at DESC, c.id DESC LIMIT %(limit)s",
        {"consulate": consulate, "limit": PAGE},
    )
    count = rows[0][-1] if rows else 0
    tz, now = zoneinfo.ZoneInfo(zone), dt.datetime.now(dt.UTC)
    return orjson.dumps(
        {
            "count": count,
            "next": _next(base, {"status": "open"}, count),
            "previous": None,
            "results": [_case_row(row, tz, language, now) for row in rows],
        },
        option=_OPTIONS,
    )


def raw_case_detail(pk: int, consulate: int, zone: str, language: str) -> bytes:
    """``GET /api/v1/cases/{pk}/`` as an officer of ``consulate``, with the case's hand-overs."""
    rows = _fetch(
        f"SELECT {CASE_COLUMNS}, {HANDOVERS} {CASE_FROM} WHERE c.id = %(pk)s AND {OFFICER_SCOPE}",
        {"pk": pk, "consulate": consulate},
    )
    tz = zoneinfo.ZoneInfo(zone)
    case = _case_row(rows[0], tz, language, dt.datetime.now(dt.UTC))
    handovers = orjson.loads(rows[0][-1]) if isinstance(rows[0][-1], str) else rows[0][-1]
    for handover in handovers or ():
        handover["sent_at"] = _at_text(handover["sent_at"], tz)
        handover["acknowledged_at"] = _at_text(handover["acknowledged_at"], tz)
    case["handovers"] = handovers or []
    return orjson.dumps(case, option=_OPTIONS)


# The partner's referral list (``PartnerReferralSerializer``, ``SharedCaseSerializer``)

PARTNER_SQL = """
    SELECT r.id, r.service, r.request_note, r.status, r.referred_at, r.responded_at, r.decline_reason,
        r.completed_at, r.outcome_note, r.withdrawn_at, r.withdrawal_reason, r.updated_at,
        cs.scope, cs.withdrawn_at,
        c.id, c.reference, c.consulate_id, c.category, c.subtype, c.status, c.facility_id, c.detained_since,
        c.released_on, c.arrested_at, c.consulate_notified_at, c.first_contact_at, c.expected_removal_date,
        p.given_names, p.paternal_surname, p.maternal_surname, p.date_of_birth, p.sex, p.curp, p.a_number,
        p.languages, p.needs_interpreter, p.preferred_language, p.phone, p.email,
        f.name, f.city, rp.id, rp.name, rp.kind, rp.mx_city,
        (SELECT count(*) FROM cases_referral WHERE partner_id = %(partner)s),
        CASE WHEN r.status IN ('pending', 'accepted', 'in_progress') AND cs.withdrawn_at IS NULL
            AND 'contact' = ANY(cs.scope) THEN (
            SELECT json_agg(json_build_object(
                'id', e.id, 'name', e.name, 'relationship', e.relationship, 'phone', e.phone,
                'email', e.email, 'in_mexico', e.in_mexico, 'notes', e.notes) ORDER BY e.id)
            FROM cases_emergencycontact e WHERE e.person_id = p.id) END,
        CASE WHEN r.status IN ('pending', 'accepted', 'in_progress') AND cs.withdrawn_at IS NULL
            AND 'hearings' = ANY(cs.scope) THEN (
            SELECT json_agg(json_build_object(
                'id', h.id, 'case', h.case_id, 'kind', h.kind, 'starts_at', h.starts_at, 'court', h.court_id,
                'location', h.location, 'status', h.status, 'outcome', h.outcome, 'notes', h.notes)
                ORDER BY h.starts_at)
            FROM cases_hearing h WHERE h.case_id = c.id AND h.status = 'scheduled') END
    FROM cases_referral r
    JOIN cases_consent cs ON cs.id = r.consent_id
    JOIN cases_case c ON c.id = r.case_id
    JOIN cases_person p ON p.id = c.person_id
    LEFT JOIN consulates_detentionfacility f ON f.id = c.facility_id
    LEFT JOIN consulates_receptionpoint rp ON rp.id = c.reception_point_id
    WHERE r.partner_id = %(partner)s
    ORDER BY r.updated_at DESC, r.id DESC LIMIT %(limit)s"""


def _json_list(value):
    if value is None:
        return []
    return orjson.loads(value) if isinstance(value, str) else value


def _shared_case(row, tz, language) -> dict:
    (case, reference, consulate, category, subtype, status, facility, detained, released, arrested,
     notified, contact, removal, given, paternal, maternal, born, sex, curp, a_number, languages,
     interpreter, preferred, phone, email, facility_name, facility_city, point, point_name, point_kind,
     point_city, _count, contacts, hearings) = row[14:]  # fmt: skip
    scope = row[12] or []
    identity = None
    if "identity" in scope:
        with translation.override(language):
            spoken = described(languages)
        identity = {
            "given_names": given,
            "paternal_surname": paternal,
            "maternal_surname": maternal,
            "date_of_birth": born,
            "sex": sex,
            "curp": _decrypt(curp),
            "a_number": _decrypt(a_number),
            "languages": spoken,
            "needs_interpreter": interpreter,
            "preferred_language": preferred,
        }
    shared_contact = None
    if "contact" in scope:
        contacts = _json_list(contacts)
        for person in contacts:
            person["phone"] = _decrypt(person["phone"])
        shared_contact = {"phone": _decrypt(phone), "email": email, "emergency_contacts": contacts}
    custody = None
    if "custody" in scope:
        custody = {
            "facility": (
                {"id": facility, "name": facility_name, "kind": "detention_facility", "city": facility_city}
                if facility is not None
                else None
            ),
            "detained_since": detained,
            "released_on": released,
            "in_custody": facility is not None and released is None,
            "arrested_at": _at(arrested, tz),
            "consulate_notified_at": _at(notified, tz),
            "first_contact_at": _at(contact, tz),
            "expected_removal_date": removal,
            "reception_point": (
                {"id": point, "name": point_name, "kind": point_kind, "city": point_city}
                if point is not None
                else None
            ),
        }
    shared_hearings = None
    if "hearings" in scope:
        shared_hearings = _json_list(hearings)
        for hearing in shared_hearings:
            hearing["starts_at"] = _at_text(hearing["starts_at"], tz)
    return {
        "id": case,
        "reference": reference,
        "consulate": consulate,
        "category": category,
        "subtype": subtype,
        "status": status,
        "scope": list(scope),
        "identity": identity,
        "contact": shared_contact,
        "custody": custody,
        "hearings": shared_hearings,
    }


def raw_partner_referrals(partner: int, zone: str, language: str, base: str) -> bytes:
    """``GET /api/v1/partner/referrals/?limit=50`` with a token of ``partner``: the case behind an active
    referral on a standing consent, with what the consent covers; notes only while it is shared."""
    rows = _fetch(PARTNER_SQL, {"partner": partner, "limit": PAGE})
    tz, now = zoneinfo.ZoneInfo(zone), dt.datetime.now(dt.UTC)
    results = []
    for row in rows:
        status, referred = row[3], row[4]
        shared = status in _ACTIVE_REFERRAL and row[13] is None
        results.append(
            {
                "id": row[0],
                "service": row[1],
                "request_note": row[2] if shared else "",
                "status": status,
                "answer_overdue": status == "pending" and now - referred >= _ANSWER_TARGET,
                "referred_at": _at(referred, tz),
                "responded_at": _at(row[5], tz),
                "decline_reason": row[6],
                "completed_at": _at(row[7], tz),
                "outcome_note": row[8] if shared else "",
                "withdrawn_at": _at(row[9], tz),
                "withdrawal_reason": row[10],
                "updated_at": _at(row[11], tz),
                "case": _shared_case(row, tz, language) if shared else None,
            }
        )
    count = rows[0][-3] if rows else 0
    return orjson.dumps(
        {"count": count, "next": _next(base, {}, count), "previous": None, "results": results},
        option=_OPTIONS,
    )


# The person search (``PersonSerializer`` through ``POST persons/search/``)

# The matches are read once, by the name's trigram index or-ed with the ids of the persons found by another
# name (``PersonAlias``), then counted and sorted; the page's emergency contacts are read for its 50 rows.
PERSON_SQL = """
    WITH found AS MATERIALIZED (
        SELECT p.id, p.given_names, p.paternal_surname, p.maternal_surname, p.anonymised_at,
            p.date_of_birth, p.sex, p.state_of_birth, p.curp, p.a_number, p.passport_number,
            p.matricula_consular, p.languages, p.needs_interpreter, p.preferred_language, p.phone, p.email,
            p.us_address, p.mexico_address, p.contact_consent, p.contact_consent_at, p.is_minor,
            p.is_unaccompanied_minor, p.is_pregnant, p.is_older_adult, p.has_disability,
            p.has_serious_medical_condition, p.fears_return, p.registered_by_id, p.created_at, p.updated_at
        FROM cases_person p
        WHERE p.merged_into_id IS NULL AND (p.search_name LIKE %(pattern)s OR p.id = ANY(ARRAY(
            SELECT person_id FROM cases_personalias WHERE search_name LIKE %(pattern)s))))
    SELECT page.*, (SELECT count(*) FROM found), (
        SELECT json_agg(json_build_object(
            'id', e.id, 'name', e.name, 'relationship', e.relationship, 'phone', e.phone, 'email', e.email,
            'in_mexico', e.in_mexico, 'notes', e.notes) ORDER BY e.id)
        FROM cases_emergencycontact e WHERE e.person_id = page.id)
    FROM (
        SELECT * FROM found ORDER BY paternal_surname, maternal_surname, given_names, id LIMIT %(limit)s
    ) page
    ORDER BY page.paternal_surname, page.maternal_surname, page.given_names, page.id"""


def raw_person_search(word: str, zone: str, language: str) -> bytes:
    """``POST /api/v1/persons/search/ {"search": word, "limit": 50}`` as a network-wide role: persons
    (never a merged-away record) whose name, or one of whose other names, has ``word`` (lower case, no
    accents), every field the API shows, its encrypted ones decrypted."""
    rows = _fetch(PERSON_SQL, {"pattern": f"%{word}%", "limit": PAGE})
    tz = zoneinfo.ZoneInfo(zone)
    results = []
    for row in rows:
        (pk, given, paternal, maternal, anonymised, born, sex, state, curp, a_number, passport, matricula,
         languages, interpreter, preferred, phone, email, us_address, mexico_address, consent, consent_at,
         minor, unaccompanied, pregnant, older, disability, medical, fears, registered, created, updated,
         _total, contacts) = row  # fmt: skip
        contacts = _json_list(contacts)
        for contact in contacts:
            contact["phone"] = _decrypt(contact["phone"])
        results.append(
            {
                "id": pk,
                "given_names": given,
                "paternal_surname": paternal,
                "maternal_surname": maternal,
                "full_name": _full_name(given, paternal, maternal, anonymised, language),
                "date_of_birth": born,
                "sex": sex,
                "state_of_birth": state,
                "curp": _decrypt(curp),
                "a_number": _decrypt(a_number),
                "passport_number": _decrypt(passport),
                "matricula_consular": _decrypt(matricula),
                "languages": languages,
                "needs_interpreter": interpreter,
                "preferred_language": preferred,
                "phone": _decrypt(phone),
                "email": email,
                "us_address": _decrypt(us_address),
                "mexico_address": _decrypt(mexico_address),
                "contact_consent": consent,
                "contact_consent_at": _at(consent_at, tz),
                "vulnerability": {
                    "is_minor": minor,
                    "is_unaccompanied_minor": unaccompanied,
                    "is_pregnant": pregnant,
                    "is_older_adult": older,
                    "has_disability": disability,
                    "has_serious_medical_condition": medical,
                    "fears_return": fears,
                },
                "registered_by": registered,
                "emergency_contacts": contacts,
                "created_at": _at(created, tz),
                "updated_at": _at(updated, tz),
            }
        )
    return orjson.dumps(
        {"count": rows[0][-2] if rows else 0, "limit": PAGE, "offset": 0, "results": results},
        option=_OPTIONS,
    )


def first_difference(api, raw, path: str = "") -> tuple[str, object, object] | None:
    """The first key path where two JSON values differ (``results[3].art36.contact_overdue``), with both
    values; None when they are equal."""
    if isinstance(api, dict) and isinstance(raw, dict):
        for key in list(api) + [key for key in raw if key not in api]:
            where = f"{path}.{key}" if path else str(key)
            if key not in raw:
                return where, api[key], "<missing>"
            if key not in api:
                return where, "<missing>", raw[key]
            found = first_difference(api[key], raw[key], where)
            if found:
                return found
        return None
    if isinstance(api, list) and isinstance(raw, list):
        for index, (left, right) in enumerate(zip(api, raw, strict=False)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        if len(api) != len(raw):
            return f"{path} (length)", len(api), len(raw)
        return None
    if type(api) is not type(raw) or api != raw:
        return path or "(page)", api, raw
    return None
