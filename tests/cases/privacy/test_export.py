"""cases/services/privacy/export.py and the person export page: a zip with data.json and the files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.models import AccessLog, CaseEvent
from cases.models.access import AccessAction
from cases.services import privacy
from cases.services.privacy.export import person_export_data
from consulates.models import ImmigrationCourt
from tests import factories as f
from tests.auth import login_verified
from tests.cases.privacy.builders import build_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def full(officer):
    return build_person(officer, "Xe3p", close=False)


def export(actor, person) -> zipfile.ZipFile:
    out = io.BytesIO()
    privacy.person_export(actor=actor, person=person, out=out)
    out.seek(0)
    return zipfile.ZipFile(out)


def test_the_zip_holds_everything_about_the_person(full, admin_user):
    with translation.override("en"):
        archive = export(admin_user, full.person)
    data = json.loads(archive.read("data.json"))
    person, case = full.person, full.case

    assert data["export"]["format"] == "consular-person-export"
    assert data["export"]["person_id"] == person.pk
    exported = data["person"]
    for name in ("given_names", "paternal_surname", "curp", "a_number", "passport_number", "phone", "email"):
        assert exported[name] == getattr(person, name)
    # Street addresses, decrypted, with their line breaks.
    assert exported["us_address"] == person.us_address == "4Xe3p1 Example St, Apt 7\nDallas, TX 75212"
    assert exported["mexico_address"] == person.mexico_address != ""
    assert exported["date_of_birth"] == person.date_of_birth.isoformat()
    assert exported["registered_by"] == str(person.registered_by)
    with translation.override("en"):
        assert exported["sex_display"] == person.get_sex_display()
    assert "search_name" not in exported
    assert [c["name"] for c in data["emergency_contacts"]] == [person.emergency_contacts.get().name]

    (entry,) = data["cases"]
    assert entry["reference"] == case.reference
    assert entry["summary"] == case.summary
    assert entry["status_display"] == "In progress"
    assert len(entry["events"]) == CaseEvent.objects.filter(case=case).count() > 10
    assert {e["kind"] for e in entry["events"]} >= {"opened", "note", "document_uploaded", "referred"}
    assert [h["notes"] for h in entry["hearings"]] == [case.hearings.get().notes]
    # the task added by hand and the checklist of the case's critical incident
    assert sorted(t["title"] for t in entry["tasks"]) == sorted(case.tasks.values_list("title", flat=True))
    assert len(entry["tasks"]) == 5
    [incident] = entry["incidents"]
    assert incident["kind"] == "hunger_strike"
    assert incident["description"].endswith("avisó de la huelga")
    assert [r["request_note"] for r in entry["referrals"]] == [case.referrals.get().request_note]
    assert [c["method"] for c in entry["consents"]] == ["uploaded_form"]
    assert entry["consents"][0]["partner"] == case.consents.get().partner.name
    assert [t["reason"] for t in entry["transfers"]] == [case.transfers.get().reason]
    assert entry["handoff"]["family_contact_name"] == case.handoff.family_contact_name
    assert sorted(b["description"] for b in entry["belongings"]) == sorted(
        case.belongings.values_list("description", flat=True)
    )
    assert data["labels"]["person"]["given_names"] == "Given names"
    assert data["labels"]["person"]["us_address"] == "Address in the United States"
    assert data["labels"]["person"]["mexico_address"] == "Address in Mexico"
    assert data["labels"]["handoff"]["family_contact_phone"] == "Family contact phone"

    # Every document: its details in the JSON and its bytes, unchanged, in the zip.
    assert len(entry["documents"]) == 2
    for meta in entry["documents"]:
        content = archive.read(meta["file_in_export"])
        assert hashlib.sha256(content).hexdigest() == meta["sha256"]
        assert len(content) == meta["size"]
        assert "file_missing" not in meta
        assert re.fullmatch(r"documents/document-\d+\.(pdf|jpg|png)", meta["file_in_export"])
    assert sorted(archive.namelist()) == sorted(
        ["data.json", *(m["file_in_export"] for m in entry["documents"])]
    )


def test_labels_follow_the_language(full, admin_user):
    with translation.override("es"):
        spanish = json.loads(export(admin_user, full.person).read("data.json"))
    with translation.override("en"):
        english = json.loads(export(admin_user, full.person).read("data.json"))
    assert spanish["labels"]["case"]["status"] != english["labels"]["case"]["status"]
    assert spanish["cases"][0]["status_display"] != english["cases"][0]["status_display"]
    assert spanish["export"]["language"] == "es"


def test_a_missing_file_is_said_so(full, admin_user):
    document = full.documents[0]
    document.file.storage.delete(document.file.name)
    data = json.loads(export(admin_user, full.person).read("data.json"))
    missing = [m for m in data["cases"][0]["documents"] if m.get("file_missing")]
    assert [m["id"] for m in missing] == [document.pk]


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_only_administrators_may_export(full, role):
    actor = getattr(f, role)() if role == "manager" else getattr(f, role)("dallas")
    with pytest.raises(PermissionDenied):
        export(actor, full.person)


# --- The page -------------------------------------------------------------------------------------


def test_the_page_downloads_the_zip_uncached_and_logs_it(client, full, admin_user):
    login_verified(client, admin_user)
    url = reverse("admin:cases_person_export", args=[full.person.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"].split(", ")
    assert not AccessLog.objects.filter(action=AccessAction.PERSON_EXPORT).exists()

    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"].split(", ")
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("data.json"))["person"]["curp"] == full.person.curp
    (row,) = AccessLog.objects.filter(action=AccessAction.PERSON_EXPORT)
    assert (row.user, row.person_id) == (admin_user, full.person.pk)


def test_the_person_page_offers_export_and_erase_to_administrators_only(client, full, admin_user, officer):
    url = reverse("admin:cases_person_change", args=[full.person.pk])
    export_url = reverse("admin:cases_person_export", args=[full.person.pk])
    erase_url = reverse("admin:cases_person_erase", args=[full.person.pk])
    login_verified(client, admin_user)
    content = client.get(url).content.decode()
    assert export_url in content
    assert erase_url in content
    login_verified(client, officer)
    content = client.get(url).content.decode()
    assert export_url not in content
    assert erase_url not in content


def test_the_export_holds_the_legal_proceedings_and_their_deadlines(admin_user):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    proceeding = services.proceeding_open(
        actor=officer,
        case=case,
        kind="removal",
        court=ImmigrationCourt.objects.get(name="Dallas Immigration Court"),
    )
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="removal_ordered", decided_on=timezone.localdate()
    )
    data, _files = person_export_data(person=case.person, actor=admin_user)
    (exported,) = data["cases"][0]["proceedings"]
    assert exported["outcome"] == "removal_ordered"
    assert exported["court"] == "Dallas Immigration Court"
    (deadline,) = exported["deadlines"]
    assert deadline["due_on"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
