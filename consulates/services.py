"""Writes to the consular network. ``network_load`` is idempotent and never overwrites staff edits."""

from __future__ import annotations

import base64
import csv
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pghistory
from django.db import transaction

from api.models import ApiToken
from consulates.access import forget_access
from consulates.agency_loading import child_welfare_agencies_load
from consulates.courts import CourtKind, ImmigrationCourt
from consulates.models import (
    Basis,
    Consulate,
    County,
    DetentionFacility,
    Partner,
    PartnerMembership,
    StaffMembership,
)
from consulates.policy import authorize
from consulates.published import published_address, published_phone
from consulates.reception_loading import reception_points_load
from consulates.us_consulates_loading import consular_posts_load

DATA_DIR = Path(__file__).resolve().parent / "data"

# Three-letter codes used in case references (the cities' airport codes, familiar to staff).
CONSULATE_CODES = {
    "dallas": "DAL",
    "houston": "HOU",
    "san_antonio": "SAT",
    "austin": "AUS",
    "el_paso": "ELP",
    "laredo": "LRD",
    "mcallen": "MFE",
    "brownsville": "BRO",
    "del_rio": "DRT",
    "eagle_pass": "EGP",
    "presidio": "PRS",
    "oklahoma_city": "OKC",
    "albuquerque": "ABQ",
}
MOUNTAIN = {"el_paso", "albuquerque"}


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    kept_staff_edits: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated) | set(self.kept_staff_edits))
        return [
            f"{name}: {self.created[name]} created, {self.updated[name]} updated, "
            f"{self.kept_staff_edits[name]} staff edits kept"
            for name in names
        ]


def _sources(record: dict) -> str:
    return "\n".join(f"{k}: {v}" for k, v in record.items() if k.endswith("source") and v)


def _upsert(model, report: LoadReport, lookup: dict, values: dict):
    """Create the row, or bring an uncurated row in line with the data; return it."""
    label = model._meta.model_name
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.created[label] += 1
        return model.objects.create(**lookup, **values)
    if getattr(obj, "curated", False):
        report.kept_staff_edits[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated[label] += 1
    return obj


def _consulate_values(record: dict) -> dict:
    kind = Consulate.Kind.GENERAL if record["type"].startswith("Consulado General") else Consulate.Kind.CAREER
    address, phone = record.get("address") or "", record.get("phone") or ""
    # The sources' remarks and confidence stay beside the sources, for staff who check or edit the record.
    remarks = [
        f"{label}: {text}"
        for label, text, kept in [
            ("address as published", address, published_address(address)),
            ("phone as published", phone, published_phone(phone)),
        ]
        if text != kept
    ]
    remarks += [f"{key}: {value}" for key, value in record.items() if key.endswith("_confidence") and value]
    return {
        "code": CONSULATE_CODES[record["id"]],
        "city": record["city"],
        "state": record["state"],
        "kind": kind,
        "address": published_address(address),
        "phone": published_phone(phone),
        "website": record.get("website") or "",
        "timezone": "America/Denver" if record["id"] in MOUNTAIN else "America/Chicago",
        "source": "\n".join([_sources(record), *remarks]).strip(),
    }


@transaction.atomic
def network_load(*, data_dir: Path = DATA_DIR) -> LoadReport:
    """Load consulates, counties, facilities, reception points (``consulates.reception_loading``), the
    Mexican consulates in the US (``consulates.us_consulates_loading``), the state child-welfare agencies
    (``consulates.agency_loading``) and courts from ``data_dir``."""
    report = LoadReport()
    facts = json.loads((data_dir / "network_facts.json").read_text(encoding="utf-8"))

    consulates = {}
    for record in facts["consulates"]:
        consulates[record["id"]] = _upsert(
            Consulate, report, {"slug": record["id"]}, _consulate_values(record)
        )

    with (data_dir / "county_timezones.csv").open(encoding="utf-8") as fh:
        zones = {row["county_fips"]: _zone_values(row) for row in csv.DictReader(fh)}
    counties = {}
    with (data_dir / "county_districts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            values = {
                "state": row["state"],
                "name": row["county_name"],
                "consulate": consulates[row["consulate_id"]],
                "basis": Basis.OFFICIAL if row["basis"] == "official" else Basis.INFERRED,
                "confidence": row["confidence"],
                "latitude": Decimal(row["lat"]) if row["lat"] else None,
                "longitude": Decimal(row["lon"]) if row["lon"] else None,
                "source": row["source"],
                **zones.get(row["county_fips"], {}),
            }
            county = _upsert(County, report, {"fips": row["county_fips"]}, values)
            if county.curated and not county.timezone and row["county_fips"] in zones:
                _fill_zone(county, zones[row["county_fips"]], report)
            counties[row["county_fips"]] = county

    with (data_dir / "facility_counties.csv").open(encoding="utf-8") as fh:
        facility_county = {row["facility_name"]: row for row in csv.DictReader(fh)}
    for record in facts["ice_facilities"]:
        placement = facility_county[record["name"]]
        notes = "; ".join(filter(None, [record.get("notes"), record.get("field_office_note")]))
        values = {
            "operator": record.get("operator") or "",
            "city": record["city"],
            "state": record["state"],
            "county": counties[placement["county_fips"]],
            "ice_field_office": record.get("ice_field_office") or "",
            "address": record.get("address") or "",
            "average_daily_population": record.get("avg_daily_detainees_jan2026"),
            "notes": notes,
            "source": f"{record.get('source', '')}\ncounty: {placement['source']}".strip(),
        }
        _upsert(DetentionFacility, report, {"name": record["name"]}, values)

    reception_points_load(data_dir, report, _upsert)
    consular_posts_load(data_dir, report, _upsert)
    child_welfare_agencies_load(data_dir, report, _upsert)

    courts: dict[str, ImmigrationCourt] = {}
    for name, values in _court_rows(data_dir):
        # The control court by the start of the source's words ("San Antonio Immigration Court (2017)").
        said = values["control_court_note"]
        controls = sorted((known for known in courts if said.startswith(known)), key=len)
        values["control_court"] = courts[controls[-1]] if controls else None
        courts[name] = _upsert(ImmigrationCourt, report, {"name": name}, values)
    return report


def _zone_values(row: dict) -> dict:
    basis = row["basis"] if row["basis"] in Basis.values else Basis.INFERRED
    return {
        "timezone": row["timezone"],
        "timezone_basis": basis,
        "timezone_source": row["source"],
        "timezone_notes": row["notes"],
    }


def _fill_zone(county: County, values: dict, report: LoadReport) -> None:
    """A county staff edited (its district moved) before counties had zones: its zone is a new fact,
    not something staff chose, so it is filled in; a zone staff set is never replaced."""
    for name, value in values.items():
        setattr(county, name, value)
    county.save(update_fields=list(values))
    report.updated["county zone"] += 1


def _court_rows(data_dir: Path) -> list[tuple[str, dict]]:
    """Immigration courts and hearing locations, then federal district court divisions, as (name, values);
    a hearing location comes after the court that controls it, whose row it points to."""
    rows: list[tuple[str, dict]] = []
    with (data_dir / "immigration_courts.csv").open(encoding="utf-8") as fh:
        courts = sorted(csv.DictReader(fh), key=lambda row: bool(row["control_court"]))
    for row in courts:
        values = {
            "kind": row["kind"],
            "city": row["city"],
            "state": row["state"],
            "address": row["address"],
            "detained_docket": row["detained_docket"],
            "inside_facility": row["inside_facility"],
            "control_court_note": row["control_court"],
            "timezone": row["timezone"],
            "phone": row["phone"],
            "status": row["opened_or_status"],
            "basis": row["basis"],
            "source": row["source"],
            "notes": row["notes"],
        }
        rows.append((row["name"], values))
    with (data_dir / "federal_district_courts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            division = row["division"]
            name = row["district"] if division.startswith("(") else f"{row['district']}, {division} Division"
            values = {
                "kind": CourtKind.FEDERAL_DISTRICT,
                "city": row["court_cities"],
                "state": row["state"],
                "district": row["district"],
                "abbreviation": row["abbreviation"],
                "division": division,
                "control_court_note": "",
                "timezone": row["timezone"],
                "basis": row["basis"],
                "source": row["source"],
                "notes": row["notes"],
            }
            rows.append((name, values))
    return rows


def mark_curated(obj) -> None:
    """Called by the staff UI when an administrator edits reference data: the loader keeps the edit."""
    obj.curated = True
    if isinstance(obj, County):
        obj.basis = Basis.STAFF


def user_staff_flag_sync(*, user) -> None:
    """Staff members get the staff UI; partner users never do (they work through the API)."""

    is_partner = PartnerMembership.objects.filter(user=user).exists()
    is_staff = StaffMembership.objects.filter(user=user).exists() or (user.is_superuser and not is_partner)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    forget_access(user)


@transaction.atomic
def partner_deactivate(*, actor, partner: Partner) -> int:
    """Stop working with a partner organisation: it is marked inactive and every API token of its users
    is revoked (deleted; the token history keeps each one, with this deactivation as the reason in its
    context). Returns the number of tokens revoked. Safe to call for a partner already marked inactive
    (the staff UI saves the flag with the rest of the page first, then calls this).

    From then on its users resolve to no access at all (``consulates.access.access_for``), whatever
    credential they still hold; a user object already resolved in a running request keeps its cached
    role until the request ends."""
    authorize(actor, "partner.deactivate")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.active:
        partner.active = False
        partner.save(update_fields=["active"])
    with pghistory.context(partner_deactivated=partner.pk):
        _total, deleted = ApiToken.objects.filter(user__partner_membership__partner=partner).delete()
    return deleted.get(ApiToken._meta.label, 0)


@transaction.atomic
def partner_webhook_secret_rotate(*, actor, partner: Partner) -> str:
    """A partner's own user (or an administrator) replaces its webhook signing secret with a new random
    one in the Standard Webhooks format (``whsec_`` + base64 of 32 random bytes) and gets it back, once:
    it is stored encrypted and never shown again. Webhooks are signed with it from now on."""
    authorize(actor, "partner.webhook_secret.rotate", partner)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    Partner.objects.filter(pk=partner.pk).update(webhook_secret=secret)
    partner.webhook_secret = secret
    return secret


def partner_webhook_secret_set(*, actor, partner: Partner, secret: str | None = None) -> str:
    """Give the partner a new webhook signing secret (``None``: a random one) and return it, to be shown
    to the administrator once, in the answer to the form that set it; it is stored encrypted and never
    shown again."""
    authorize(actor, "partner.deactivate")
    secret = secret or secrets.token_urlsafe(32)
    Partner.objects.filter(pk=partner.pk).update(webhook_secret=secret)
    partner.webhook_secret = secret
    return secret
