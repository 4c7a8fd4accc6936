"""Everything the service holds about one person, as a zip: ``data.json`` and the documents' files.

``data.json`` has the person, their emergency contacts and each case with its timeline, hearings, legal
proceedings (with their deadlines), critical incidents, tasks, referrals, consents, transfers, hand-off, belongings and documents (metadata; the files are under
``documents/`` in the zip). Values are stored codes and ISO dates; each choice also has its label
(``<field>_display``) and ``labels`` names every field, in the language of the request (Spanish or
English), so the person can read their own data.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
import zipfile
from typing import IO

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cases.models import (
    Belonging,
    Case,
    CaseEvent,
    Consent,
    CriticalIncident,
    Document,
    EmergencyContact,
    Hearing,
    Person,
    PersonAlias,
    PersonMerge,
    Proceeding,
    ProceedingDeadline,
    Referral,
    RemovalWarningAck,
    RepatriationHandoff,
    Task,
    Transfer,
)
from consulates.policy import authorize

FORMAT = "consular-person-export"
FORMAT_VERSION = 1

# Record type in the JSON -> model, for the field labels.
RECORD_MODELS = {
    "person": Person,
    "emergency_contact": EmergencyContact,
    "case": Case,
    "event": CaseEvent,
    "hearing": Hearing,
    "proceeding": Proceeding,
    "deadline": ProceedingDeadline,
    "incident": CriticalIncident,
    "task": Task,
    "referral": Referral,
    "consent": Consent,
    "transfer": Transfer,
    "handoff": RepatriationHandoff,
    "belonging": Belonging,
    "removal_warning_seen": RemovalWarningAck,
    "document": Document,
    "other_name": PersonAlias,
    "merge": PersonMerge,
}
# Foreign keys shown by id only (records inside this export, or files).
INTERNAL_RELATIONS = {
    "person",
    "case",
    "consent",
    "form_document",
    "survivor",
    "merged",
    "merged_into",
    "review",
    "proceeding",
    "incident",
}
SKIPPED_FIELDS = {"search_name", "file", "match_keys", "snapshot"}


class _Names:
    """``str()`` of related reference rows (consulates, facilities, partners, users), one query each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type, int], str] = {}

    def __call__(self, field: models.ForeignKey, pk) -> str:
        model = field.related_model
        key = (model, pk)
        if key not in self._cache:
            obj = model._base_manager.filter(pk=pk).first()
            if obj is None:
                name = ""
            elif model is get_user_model():
                name = obj.get_username()
            else:
                name = str(obj)
            self._cache[key] = name
        return self._cache[key]


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _record(obj: models.Model, names: _Names) -> dict:
    out: dict = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or isinstance(field, models.GeneratedField):
            continue
        if field.is_relation:
            pk = getattr(obj, field.attname)
            out[field.attname] = pk
            if pk is not None and field.name not in INTERNAL_RELATIONS:
                out[field.name] = names(field, pk)
            continue
        value = getattr(obj, field.attname)
        out[field.name] = _plain(value)
        if field.choices and value not in (None, ""):
            out[f"{field.name}_display"] = str(getattr(obj, f"get_{field.name}_display")())
    return out


def _labels() -> dict:
    return {
        kind: {
            field.name: str(capfirst(field.verbose_name))
            for field in model._meta.concrete_fields
            if field.name not in SKIPPED_FIELDS and not isinstance(field, models.GeneratedField)
        }
        for kind, model in RECORD_MODELS.items()
    }


def person_export_data(
    *, person: Person, actor, documents_dir: str = "documents", only_case: Case | None = None
) -> tuple[dict, list]:
    """The export's JSON structure, and the (document, path in the zip) pairs to add. ``only_case``: the
    person and that one case (a hand-over sends the case handed over, not the person's cases at the
    network's other consulates)."""
    names = _Names()
    cases = Case.objects.filter(person=person)
    if only_case is not None:
        cases = cases.filter(pk=only_case.pk)
    cases = list(cases.order_by("opened_at", "pk"))
    files = []
    data_cases = []
    for case in cases:
        entry = _record(case, names)
        entry["events"] = [
            _record(e, names) for e in CaseEvent.objects.filter(case=case).order_by("occurred_at", "pk")
        ]
        entry["hearings"] = [
            _record(h, names) for h in Hearing.objects.filter(case=case).order_by("starts_at", "pk")
        ]
        entry["proceedings"] = []
        for proceeding in Proceeding.objects.filter(case=case).order_by("created_at", "pk"):
            record = _record(proceeding, names)
            record["deadlines"] = [
                _record(d, names)
                for d in ProceedingDeadline.objects.filter(proceeding=proceeding).order_by("due_on", "pk")
            ]
            entry["proceedings"].append(record)
        entry["incidents"] = [
            _record(i, names)
            for i in CriticalIncident.objects.filter(case=case).order_by("occurred_at", "pk")
        ]
        entry["tasks"] = [
            _record(t, names) for t in Task.objects.filter(case=case).order_by("created_at", "pk")
        ]
        entry["referrals"] = [
            _record(r, names) for r in Referral.objects.filter(case=case).order_by("referred_at", "pk")
        ]
        entry["consents"] = [
            _record(c, names) for c in Consent.objects.filter(case=case).order_by("given_at", "pk")
        ]
        entry["transfers"] = [
            _record(t, names) for t in Transfer.objects.filter(case=case).order_by("requested_at", "pk")
        ]
        handoff = RepatriationHandoff.objects.filter(case=case).first()
        entry["handoff"] = _record(handoff, names) if handoff else None
        entry["belongings"] = [
            _record(b, names) for b in Belonging.objects.filter(case=case).order_by("recorded_at", "pk")
        ]
        entry["removal_warnings_seen"] = [
            _record(a, names)
            for a in RemovalWarningAck.objects.filter(case=case).order_by("acknowledged_at", "pk")
        ]
        entry["documents"] = []
        for document in Document.objects.filter(case=case).order_by("uploaded_at", "pk"):
            meta = _record(document, names)
            # Named by id and checked type, like a download: the uploader's name is display text only.
            path = f"{documents_dir}/{document.download_name}"
            meta["file_in_export"] = path
            entry["documents"].append(meta)
            files.append((document, path, meta))
        data_cases.append(entry)
    data = {
        "export": {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "title": _("Data the consular protection service holds about a person"),
            "generated_at": timezone.localtime().isoformat(),
            "generated_by": actor.get_username(),
            "language": translation.get_language(),
            "person_id": person.pk,
        },
        "labels": _labels(),
        "person": _record(person, names),
        "emergency_contacts": [
            _record(c, names) for c in EmergencyContact.objects.filter(person=person).order_by("pk")
        ],
        "cases": data_cases,
        "other_names": [_record(a, names) for a in PersonAlias.objects.filter(person=person).order_by("pk")],
        "merged_records": _merged_records(person, names),
    }
    return data, files


def _merged_records(person: Person, names) -> list[dict]:
    """The records merged into this person (through a chain of merges too): each as it stands, with its
    merges. Their cases, contacts and other names moved to this record and are exported with it."""
    out, frontier, seen = [], [person.pk], {person.pk}
    while frontier:
        found = list(Person.objects.filter(merged_into_id__in=frontier).exclude(pk__in=seen).order_by("pk"))
        for record in found:
            entry = _record(record, names)
            entry["merges"] = [
                _record(m, names)
                for m in PersonMerge.objects.filter(merged=record).order_by("merged_at", "pk")
            ]
            out.append(entry)
        seen.update(r.pk for r in found)
        frontier = [r.pk for r in found]
    return out


def person_export(*, actor, person: Person, out: IO[bytes], handover_of: Case | None = None) -> str:
    """Write the zip of everything held about ``person`` to ``out``; return the file name to offer.

    Administrators holding the export permission (``person.export`` in ``consulates.policy``). With
    ``handover_of`` (a case of the person, by ``cases.services.handover`` only): the export sent with the
    hand-over of that case, by whoever may send it (``handover.send``), holding that case alone. A
    document whose file is missing from storage is listed with ``"file_missing": true``. The caller
    records the export in the access log."""
    if handover_of is None:
        authorize(actor, "person.export", person)
    else:
        authorize(actor, "handover.send", handover_of)
        if handover_of.person_id != person.pk:
            raise ValueError("The case handed over is not this person's.")
    data, files = person_export_data(person=person, actor=actor, only_case=handover_of)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document, path, meta in files:
            try:
                handle = document.file.open("rb")
            except (FileNotFoundError, ValueError):
                meta["file_missing"] = True
                continue
            with handle, archive.open(path, "w", force_zip64=True) as target:
                shutil.copyfileobj(handle, target, 1024 * 1024)
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
    return _("person-%(id)s-data.zip") % {"id": person.pk}
