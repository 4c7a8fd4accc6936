"""Cross-office work and repatriation in a real browser: custody moves to another district and a
transfer is proposed; the receiving supervisor reviews and accepts it; the new office records consent,
refers to a partner and withdraws the consent; it prepares, prints and confirms the repatriation
hand-off; and it uploads and downloads a document (a text file posing as a PDF is refused)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from django.utils import timezone

from cases.models import Case, Consent, Document, Referral, RepatriationHandoff, Transfer
from consulates.models import Consulate, DetentionFacility, ReceptionPoint, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.factories import PartnerFactory, make_case, make_person
from tests.factories.documents import valid_png_bytes
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
PRAIRIELAND = "Prairieland Detention Center"  # Dallas's district
MONTGOMERY = "Montgomery ICE Processing Center"  # Houston's district
LEGAL = "legal_representation"
PARTNER = "Defensa Migrante del Golfo"
# A real image: uploads are decoded in full and re-encoded (one without metadata comes back as is).
PNG = valid_png_bytes()

CASE_PAGE = re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff(django_user_model):
    network_restore()  # transactional tests start from an empty database
    users = {}
    for username, role, slug in [
        ("oficial.dallas", Role.OFFICER, "dallas"),
        ("supervisora.houston", Role.SUPERVISOR, "houston"),
        ("oficial.houston", Role.OFFICER, "houston"),
    ]:
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=username
        )
        StaffMembership.objects.create(user=user, role=role, consulate=Consulate.objects.get(slug=slug))
        users[username] = user
    return users


@pytest.fixture
def case(staff) -> Case:
    officer = staff["oficial.dallas"]
    person = make_person(officer, given_names="Teodoro", paternal_surname="Cázares", maternal_surname="Ruiz")
    return make_case(
        officer,
        person=person,
        facility=DetentionFacility.objects.get(name=PRAIRIELAND),
        detained_since=timezone.localdate() - dt.timedelta(days=3),
    )


def login(page, live_server, username):
    sign_in(page, live_server, username, PASSWORD)


def submit(page, selector="input[type=submit].default", url=CASE_PAGE):
    page.click(selector)
    page.wait_for_url(url, wait_until="domcontentloaded")


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"crossoffice-{name}.png"), full_page=True)


def test_transfer_consent_referral_handoff_and_documents(page, live_server, staff, case, media, artifacts):
    case_url = f"{live_server.url}/admin/cases/case/{case.pk}/change/"

    # 1. Custody moves to Houston's district: saving the case proposes a transfer by itself.
    login(page, live_server, "oficial.dallas")
    page.goto(case_url)
    assert page.locator(".crossoffice-pending").count() == 0
    label = page.locator("#id_facility option", has_text=MONTGOMERY).inner_text()
    assert "Houston" in label
    page.select_option("#id_facility", label=label)
    submit(page, "input[name=_continue]")
    pending = page.locator(".crossoffice-pending")
    assert "Houston" in pending.inner_text()
    assert re.search(r"automáticamente|automatically", pending.inner_text(), re.I)
    assert page.locator("li.transfer-pending").count() == 1
    assert page.locator("li.transfer-pending .crossoffice-action-cancel").count() == 1  # sender may cancel
    assert page.locator("a.case-action-transfer").count() == 0  # one pending transfer at a time
    transfer = Transfer.objects.get(case=case)
    assert (transfer.status, transfer.automatic, transfer.to_consulate.slug) == ("pending", True, "houston")
    shot(page, artifacts, "case-page-pending-transfer")

    # 2. Houston's supervisor finds it in the queue, reviews the case read-only, accepts.
    login(page, live_server, "supervisora.houston")
    page.goto(f"{live_server.url}/admin/cases/transfer/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert case.reference in rows.first.inner_text()
    shot(page, artifacts, "transfer-queue")
    rows.first.locator(f'a[href*="/admin/cases/transfer/{transfer.pk}/change/"]').click()
    page.wait_for_url(re.compile(rf".*/admin/cases/transfer/{transfer.pk}/change/(\?.*)?$"))
    assert page.locator("a.case-action-reject").count() == 1
    page.locator(f'.field-case_link a[href$="/admin/cases/case/{case.pk}/change/"]').click()
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")
    assert page.locator("input[name=_save]").count() == 0  # still Dallas's: read only
    assert page.locator("input[name=_continue]").count() == 0
    assert page.locator("#id_note_text").count() == 0
    assert page.locator("a.case-action").count() == 0
    assert page.locator(".crossoffice-pending").count() == 1
    page.go_back()
    page.locator("a.case-action-accept").click()
    page.fill("#id_note", "Recibido en Houston; asignamos oficial.")
    submit(page)
    assert page.url.startswith(case_url)
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert (transfer.status, case.consulate.slug) == ("accepted", "houston")
    assert page.locator("li.transfer-accepted").count() == 1

    # Dallas no longer opens the case, but still sees the transfer it sent.
    login(page, live_server, "oficial.dallas")
    response = page.goto(case_url)
    assert response.status == 404 or page.url == f"{live_server.url}/admin/"
    if response.status != 404:
        assert re.search(r"no existe|does not exist", page.locator(".messagelist").inner_text(), re.I)
    if response.status != 404:  # ("recent actions" beside it still lists the officer's own edit)
        assert case.reference not in page.locator("#content-main").inner_text()
    page.goto(f"{live_server.url}/admin/cases/transfer/?status=all")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert case.reference in rows.first.inner_text()
    assert rows.first.locator(f'a[href$="/admin/cases/case/{case.pk}/change/"]').count() == 0
    rows.first.locator(f'a[href*="/admin/cases/transfer/{transfer.pk}/change/"]').click()
    page.wait_for_url(re.compile(rf".*/admin/cases/transfer/{transfer.pk}/change/(\?.*)?$"))
    assert case.reference in page.locator("#content").inner_text()
    assert page.locator("a.case-action").count() == 0

    # 3. Houston's officer records consent, refers to a partner, records its answer, withdraws consent.
    partner = PartnerFactory(name=PARTNER, services=[LEGAL], covers=["houston"])
    login(page, live_server, "oficial.houston")
    page.goto(case_url)
    page.locator("a.case-action-consent").click()
    page.select_option("#id_partner", str(partner.pk))
    for category in ("identity", "custody", "hearings"):
        page.check(f"input[name=scope][value={category}]")
    page.check("input[name=method][value=verbal]")
    assert page.locator("#id_given_at").input_value()  # now, by default
    submit(page)
    consent = Consent.objects.get(case=case, partner=partner)
    assert (sorted(consent.scope), consent.method) == (["custody", "hearings", "identity"], "verbal")
    assert PARTNER in page.locator("li.consent-active").inner_text()

    page.locator("a.case-action-refer").click()
    page.select_option("#id_suggest_service", LEGAL)
    page.click("form.crossoffice-service-step input[type=submit]")
    page.wait_for_url(re.compile(rf".*service={LEGAL}"), wait_until="domcontentloaded")
    suggestion = page.locator(".crossoffice-suggestions tbody tr", has_text=PARTNER)
    assert suggestion.count() == 1
    assert suggestion.locator(".case-flag").count() == 0  # consent on record, no "record consent first"
    assert page.locator("#id_service").input_value() == LEGAL
    page.select_option("#id_partner", str(partner.pk))
    page.fill("#id_request_note", "Representación en la audiencia de fianza.")
    shot(page, artifacts, "refer-page")
    submit(page)
    referral = Referral.objects.get(case=case, partner=partner)
    assert referral.status == "pending"
    assert PARTNER in page.locator("li.referral-pending").inner_text()

    page.locator(f'li.referral-pending a[href$="/admin/cases/referral/{referral.pk}/change/"]').click()
    page.wait_for_url(re.compile(rf".*/admin/cases/referral/{referral.pk}/change/(\?.*)?$"))
    page.locator("a.case-action-accept").click()
    submit(page)
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert page.locator("li.referral-accepted").count() == 1

    page.locator("li.consent-active a.crossoffice-action-withdraw-consent").click()
    page.fill("#id_note", "La persona ya tiene abogado particular.")
    submit(page)
    assert page.locator("li.consent-withdrawn").count() == 1
    assert page.locator("li.consent-active").count() == 0
    assert PARTNER in page.locator("li.referral-withdrawn").inner_text()
    assert page.locator("li.referral-withdrawn a.crossoffice-action").count() == 0
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    shot(page, artifacts, "case-page-after-withdrawal")

    # 4. Removal date and reception point on the case; prepare, print and confirm the hand-off.
    reception = ReceptionPoint.objects.offered().order_by("name").first()
    removal = timezone.localdate() + dt.timedelta(days=5)
    assert page.locator("a.case-action-handoff_prepare").count() == 0
    page.fill("#id_expected_removal_date", removal.isoformat())
    page.select_option("#id_reception_point", str(reception.pk))
    submit(page, "input[name=_continue]")
    page.locator("a.case-action-handoff_prepare").click()
    page.fill("#id_medical_needs", "Hipertensión")
    page.fill("#id_medication", "Losartán 50 mg")
    page.fill("#id_destination", "Tlaxiaco, Oaxaca")
    page.check("input[name=documents_held][value=ine]")
    page.check("input[name=documents_missing][value=curp]")
    page.check("input[name=documents_missing][value=birth_certificate]")
    page.fill("#id_family_contact_name", "Juana Ruiz")
    page.fill("#id_family_contact_phone", "+52 953 555 0101")
    submit(page)
    handoff = RepatriationHandoff.objects.get(case=case)
    assert (handoff.documents_held, handoff.documents_missing) == (["ine"], ["curp", "birth_certificate"])
    assert (handoff.removal_date, handoff.reception_point) == (removal, reception)
    assert page.locator(".handoff-panel.handoff-prepared").count() == 1

    print_link = page.locator("a.case-action-handoff_print")
    assert print_link.get_attribute("href").endswith(f"/admin/cases/case/{case.pk}/handoff/print/")
    print_link.click()
    page.wait_for_url(re.compile(r".*/handoff/print/$"), wait_until="load")
    sheet = page.locator("body").inner_text()
    for expected in ("Losartán 50 mg", "Tlaxiaco, Oaxaca", "Juana Ruiz", reception.name, case.reference):
        assert expected in sheet, expected
    assert page.locator("html").get_attribute("lang") == "es"
    shot(page, artifacts, "handoff-print-sheet")

    page.goto(case_url)
    page.locator("a.case-action-handoff_confirm").click()
    page.fill("#id_received_by_name", "Lic. Ortega (INM)")
    page.fill("#id_notes", "Llegó bien; se le entregó constancia.")
    submit(page)
    assert page.locator(".handoff-panel.handoff-confirmed").count() == 1
    assert "Lic. Ortega (INM)" in page.locator(".handoff-panel").inner_text()
    handoff.refresh_from_db()
    assert handoff.confirmed_at is not None
    assert page.locator("a.case-action-handoff_confirm").count() == 0
    page.goto(f"{live_server.url}/admin/cases/repatriationhandoff/")  # the hand-offs list opens its rows
    page.locator(f'#result_list a[href*="/admin/cases/repatriationhandoff/{handoff.pk}/change/"]').click()
    page.wait_for_url(re.compile(rf".*/admin/cases/repatriationhandoff/{handoff.pk}/change/(\?.*)?$"))
    assert "Lic. Ortega (INM)" in page.locator("#content").inner_text()
    page.goto(case_url)

    # 5. Upload a PNG on the case page and download it through its link.
    documents = page.locator("#documents-group")
    documents.locator(".add-row a").click()
    page.select_option("#id_documents-0-kind", "identity")
    page.fill("#id_documents-0-description", "INE escaneada")
    page.set_input_files(
        "#id_documents-0-upload", files=[{"name": "ine.png", "mimeType": "image/png", "buffer": PNG}]
    )
    submit(page, "input[name=_continue]")
    document = Document.objects.get(case=case)
    assert (document.content_type, document.original_name, document.size) == (
        "image/png",
        "ine.png",
        len(PNG),
    )
    link = documents.locator(f'a[href$="/cases/documents/{document.pk}/download/"]')
    assert link.count() == 1
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"document-{document.pk}.png"  # never the uploader's name
    assert Path(download.path()).read_bytes() == PNG
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.body() == PNG
    assert hashlib.sha256(response.body()).hexdigest() == document.sha256
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"

    # A text file named .pdf: an error next to the file field, nothing stored.
    stored = sorted(p for p in media.rglob("*") if p.is_file())
    assert len(stored) == 1
    documents.locator(".add-row a").click()
    row = page.locator("#id_documents-1-kind")
    page.select_option("#id_documents-1-kind", "court")
    page.set_input_files(
        "#id_documents-1-upload",
        files=[{"name": "informe.pdf", "mimeType": "application/pdf", "buffer": b"solo texto, no un PDF\n"}],
    )
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("input[name=_continue]")
    error = documents.locator("td.field-upload .errorlist")
    assert error.count() == 1
    assert "PDF" in error.inner_text()
    assert row.count() == 1  # the row is shown again, with its error
    assert Document.objects.filter(case=case).count() == 1
    assert sorted(p for p in media.rglob("*") if p.is_file()) == stored
