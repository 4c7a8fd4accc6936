"""Staff UI for the repatriation hand-off, belongings held by the facility and case documents: every
write goes through the services, errors show next to their field, a refused upload stores nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Belonging, Case, CaseEvent, Document, RepatriationHandoff
from cases.models.repatriation import BelongingStatus
from consulates.models import ReceptionPoint
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER, inline_management, refused
from tests.factories import make_case, make_person
from tests.factories.documents import valid_pdf_bytes, valid_png_bytes

pytestmark = pytest.mark.django_db

PDF = valid_pdf_bytes()  # real files: uploads are parsed and decoded in full
PNG = valid_png_bytes()


def _ready(actor, case: Case, *, removal: dt.date | None = None) -> Case:
    return services.case_update(
        actor=actor,
        case=case,
        expected_removal_date=removal or timezone.localdate() + dt.timedelta(days=7),
        reception_point=ReceptionPoint.objects.order_by("pk").first(),
    )


def _url(name: str, case: Case) -> str:
    return reverse(f"admin:cases_case_{name}", args=[case.pk])


def _tools(response) -> set[str]:
    return {name for name, _label, _url in response.context["case_actions"] if name.startswith("handoff")}


def _handoff_post(**overrides) -> dict:
    data = {
        "medical_needs": "Diabetes tipo 2",
        "medication": "Metformina 850 mg",
        "disability": "",
        "minors_travelling": "0",
        "minors_details": "",
        "destination": "Tlaxiaco, Oaxaca",
        "documents_held": ["ine"],
        "documents_missing": ["curp", "birth_certificate"],
        "family_contact_name": "Juana López",
        "family_contact_phone": "+52 953 555 0101",
        "family_contact_relationship": "hermana",
        "belongings_notes": "",
        "notes": "",
        "needs_shelter": "on",
    }
    data.update(overrides)
    return data


def _case_post(case: Case, **overrides) -> dict:
    """The case page as posted when nothing but the given inline rows is touched."""
    case = Case.objects.get(pk=case.pk)
    data = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "summary": case.summary,
        "facility": case.facility_id or "",
        "expected_removal_date": case.expected_removal_date or "",
        "reception_point": case.reception_point_id or "",
        "expected_version": case.version,
        "note_kind": "note",
        "note_text": "",
        **inline_management("hearings"),
        **inline_management("tasks"),
        **inline_management("belongings"),
        **inline_management("documents"),
    }
    data.update(overrides)
    return data


def _kinds(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


# --- the hand-off ---------------------------------------------------------------------------------


def test_case_page_says_what_is_missing_before_a_handoff(client, world, strict_templates):
    login_verified(client, world.officer_a)
    response = client.get(_url("change", world.case_a))
    assert response.status_code == 200
    assert _tools(response) == set()
    assert len(response.context["repatriation"]["missing"]) == 2
    assert INVALID_MARKER not in response.content.decode()
    # and the form page sends the officer back instead of offering a form that can only fail
    response = client.get(_url("handoff", world.case_a))
    assert response.status_code == 302
    assert not RepatriationHandoff.objects.exists()


def test_prepare_edit_and_confirm_a_handoff(client, world, strict_templates):
    case = _ready(world.officer_a, world.case_a)
    login_verified(client, world.officer_a)
    assert _tools(client.get(_url("change", case))) == {"handoff_prepare"}
    assert client.get(_url("handoff", case)).status_code == 200

    # a document cannot be both held and missing: the error is on the field, nothing is written
    response = client.post(_url("handoff", case), _handoff_post(documents_held=["curp"]))
    assert response.status_code == 200
    assert response.context["form"].errors["documents_missing"]
    assert not RepatriationHandoff.objects.exists()

    response = client.post(_url("handoff", case), _handoff_post())
    assert response.status_code == 302
    handoff = RepatriationHandoff.objects.get(case=case)
    assert (handoff.documents_held, handoff.documents_missing) == (["ine"], ["curp", "birth_certificate"])
    assert (handoff.needs_shelter, handoff.needs_transport_home, handoff.prepared_by) == (
        True,
        False,
        world.officer_a,
    )
    assert handoff.removal_date == case.expected_removal_date
    assert _kinds(case)[-1] == "handoff_prepared"

    page = client.get(_url("change", case))
    assert _tools(page) == {"handoff_edit", "handoff_confirm", "handoff_print"}
    assert page.context["repatriation"]["state"] == "prepared"
    assert INVALID_MARKER not in page.content.decode()

    edit = client.get(_url("handoff", case))
    assert edit.context["form"]["medication"].value() == "Metformina 850 mg"
    response = client.post(_url("handoff", case), _handoff_post(medication="Insulina", needs_shelter=""))
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.medication, handoff.needs_shelter) == ("Insulina", False)
    assert _kinds(case)[-1] == "handoff_updated"

    assert client.get(_url("handoff_confirm", case)).status_code == 200
    when = timezone.localtime() - dt.timedelta(hours=2)
    response = client.post(
        _url("handoff_confirm", case), {"received_by_name": " ", "received_at": f"{when:%Y-%m-%dT%H:%M}"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["received_by_name"]
    response = client.post(
        _url("handoff_confirm", case),
        {
            "received_by_name": "Lic. Ortega (INM)",
            "received_at": f"{when:%Y-%m-%dT%H:%M}",
            "notes": "Llegó bien",
        },
    )
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.received_by_name == "Lic. Ortega (INM)"
    assert handoff.confirmed_at == when.replace(second=0, microsecond=0)
    assert handoff.confirmation_recorded_by == world.officer_a
    assert _kinds(case)[-1] == "handoff_confirmed"

    page = client.get(_url("change", case))
    assert _tools(page) == {"handoff_print"}
    assert page.context["repatriation"]["state"] == "confirmed"
    # confirmed: no more edits
    assert client.get(_url("handoff", case)).status_code == 302
    assert client.get(_url("handoff_confirm", case)).status_code == 302


def test_handoff_pages_by_role(client, world):
    case = _ready(world.officer_a, world.case_a)
    services.handoff_prepare(actor=world.officer_a, case=case)
    login_verified(client, world.manager)
    page = client.get(_url("change", case))
    assert _tools(page) == {"handoff_print"}  # managers read
    assert client.get(_url("handoff_confirm", case)).status_code == 302
    assert client.get(_url("handoff_print", case)).status_code == 200
    login_verified(client, world.officer_b)  # another consulate: the case does not exist for them
    for name in ("handoff", "handoff_confirm", "handoff_print"):
        assert client.get(_url(name, case)).status_code == 404
    login_verified(client, world.partner)
    for name in ("handoff", "handoff_confirm", "handoff_print"):
        assert refused(False, client.get(_url(name, case)))


def test_closed_case_offers_the_print_and_the_confirmation_of_reception(client, world):
    case = _ready(world.officer_a, world.case_a)
    services.handoff_prepare(actor=world.officer_a, case=case)
    case = services.case_close_request(actor=world.officer_a, case=case, outcome="repatriated")
    if case.status == "pending_closure":
        case = services.case_close_approve(actor=world.supervisor_a, case=case)
    assert case.status == "closed"
    login_verified(client, world.officer_a)
    page = client.get(_url("change", case))
    assert _tools(page) == {"handoff_print", "handoff_confirm"}
    html = page.content.decode()
    assert 'name="belongings-TOTAL_FORMS"' in html
    assert 'name="documents-0-upload"' not in html
    response = client.post(_url("handoff", case), _handoff_post(medication="Otra"))
    assert response.status_code == 302
    assert RepatriationHandoff.objects.get(case=case).medication == ""
    # the reception point often answers after the case was closed as repatriated
    received = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        _url("handoff_confirm", case),
        {"received_by_name": "Lic. Ana Ruiz", "received_at": received, "notes": ""},
    )
    assert response.status_code == 302
    assert RepatriationHandoff.objects.get(case=case).received_by_name == "Lic. Ana Ruiz"


def test_print_sheet_is_spanish_and_complete(client, world):
    person = make_person(
        world.officer_a,
        given_names="Rosa Elena",
        paternal_surname="Núñez",
        date_of_birth=dt.date(1988, 3, 5),
        sex="M",
        languages=["español", "mixteco"],
        needs_interpreter=True,
        is_pregnant=True,
    )
    case = _ready(world.officer_a, make_case(world.officer_a, person=person), removal=dt.date(2026, 3, 9))
    services.handoff_prepare(
        actor=world.officer_a,
        case=case,
        medication="Ácido fólico",
        documents_held=["ine"],
        documents_missing=["curp"],
        family_contact_name="Juana López",
        family_contact_phone="+52 953 555 0101",
    )
    services.belonging_record(actor=world.officer_a, case=case, kind="cash", amount=Decimal("45.50"))
    watch = services.belonging_record(actor=world.officer_a, case=case, kind="other", description="Reloj")
    services.belonging_resolve(actor=world.officer_a, belonging=watch, status="missing", note="No apareció")

    login_verified(client, world.officer_a)
    client.cookies["django_language"] = "en"  # the sheet is for Mexico: Spanish whatever the reader uses
    response = client.get(_url("handoff_print", case))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Language"] == "es"
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert 'id="header"' not in html
    assert "admin/js" not in html
    # a way back and a print button (hidden on paper), under the Secretariat's letterhead
    assert f'href="{_url("change", case)}"' in html
    assert "Volver al caso" in html
    assert "data-print" in html
    assert "Secretaría de Relaciones Exteriores" in html
    for text in (
        case.reference,
        case.consulate.official_name,
        "Rosa Elena Núñez",
        person.curp,
        "5 de marzo de 1988",
        "9 de marzo de 2026",
        "fecha de nacimiento",
        "punto de recepción",
        "mixteco",
        "Ácido fólico",
        "Juana López",
        "45,50",  # Spanish number format
        "Reloj",
        "No apareció",
    ):
        assert text in html, text
    assert "Date and time of reception" in html or "Fecha y hora" in html  # the signature block


def test_overdue_filter_lists_unconfirmed_handoffs_two_days_after_removal(client, world, strict_templates):
    today = timezone.localdate()
    late = _ready(world.officer_a, world.case_a, removal=today - dt.timedelta(days=5))
    soon = _ready(world.officer_a, make_case(world.officer_a), removal=today)
    done = _ready(world.officer_a, make_case(world.officer_a), removal=today - dt.timedelta(days=5))
    foreign = _ready(world.officer_b, world.case_b, removal=today - dt.timedelta(days=5))
    late_h, soon_h, done_h, foreign_h = (
        services.handoff_prepare(actor=c.assigned_to or actor, case=c)
        for c, actor in (
            (late, world.officer_a),
            (soon, world.officer_a),
            (done, world.officer_a),
            (foreign, world.officer_b),
        )
    )
    services.handoff_confirm(actor=world.officer_a, handoff=done_h, received_by_name="INM Matamoros")

    login_verified(client, world.officer_a)
    url = reverse("admin:cases_repatriationhandoff_changelist")
    everything = client.get(url)
    assert {h.pk for h in everything.context["cl"].result_list} == {late_h.pk, soon_h.pk, done_h.pk}
    overdue = client.get(url, {"reception": "overdue"})
    assert [h.pk for h in overdue.context["cl"].result_list] == [late_h.pk]
    html = overdue.content.decode()
    assert INVALID_MARKER not in html
    assert reverse("admin:cases_case_change", args=[late.pk]) in html  # linked to the case
    assert "case-flag-handoff" in html
    page = client.get(_url("change", late))
    assert page.context["repatriation"]["overdue"] is True
    assert "case-flag-handoff" in page.content.decode()
    assert client.get(_url("change", soon)).context["repatriation"]["overdue"] is False
    login_verified(client, world.manager)
    overdue = client.get(url, {"reception": "overdue"})
    assert {h.pk for h in overdue.context["cl"].result_list} == {late_h.pk, foreign_h.pk}


def _add_handoffs(world, count: int) -> None:
    today = timezone.localdate()
    for i in range(count):
        for actor in (world.officer_a, world.officer_b):
            case = _ready(actor, make_case(actor), removal=today - dt.timedelta(days=i % 6))
            handoff = services.handoff_prepare(actor=actor, case=case)
            if i % 3 == 0:
                services.handoff_confirm(actor=actor, handoff=handoff, received_by_name="INM")


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_handoff_list_queries_do_not_grow_with_rows(client, world, role):
    login_verified(client, getattr(world, role))
    url = reverse("admin:cases_repatriationhandoff_changelist")

    def queries(params):
        client.get(url, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured)

    _add_handoffs(world, 3)
    few = [queries({}), queries({"reception": "overdue"})]
    _add_handoffs(world, 12)
    many = [queries({}), queries({"reception": "overdue"})]
    assert many == few
    assert len(client.get(url).context["cl"].result_list) > 12


# --- belongings -----------------------------------------------------------------------------------


def _belonging_rows(case, rows: list[dict], initial: int = 0) -> dict:
    data = inline_management("belongings", total=len(rows), initial=initial)
    for i, row in enumerate(rows):
        data.update({f"belongings-{i}-case": case.pk, **{f"belongings-{i}-{k}": v for k, v in row.items()}})
    return data


def test_belongings_are_recorded_and_resolved_through_the_services(client, world, strict_templates):
    case = world.case_a
    login_verified(client, world.officer_a)
    url = _url("change", case)
    # cash without an amount: the service's error is on the amount; nothing is written
    rows = [{"kind": "passport", "description": "Pasaporte mexicano"}, {"kind": "cash", "description": ""}]
    response = client.post(url, _case_post(case, **_belonging_rows(case, rows)))
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Belonging]
    assert formset.formset.forms[1].errors["amount"]
    assert not Belonging.objects.exists()

    rows[1]["amount"] = "120.00"
    assert client.post(url, _case_post(case, **_belonging_rows(case, rows))).status_code == 302
    passport, cash = Belonging.objects.filter(case=case).order_by("pk")
    assert (cash.kind, cash.amount, cash.status) == ("cash", Decimal("120.00"), BelongingStatus.HELD)
    assert _kinds(case)[-2:] == ["belonging_recorded", "belonging_recorded"]

    # missing needs a note: shown on the note; then returned and missing, each final
    rows = [{"id": passport.pk, "resolve": "returned"}, {"id": cash.pk, "resolve": "missing"}]
    response = client.post(url, _case_post(case, **_belonging_rows(case, rows, initial=2)))
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Belonging]
    assert formset.formset.forms[1].errors["resolution_note"]
    assert Belonging.objects.filter(status=BelongingStatus.HELD).count() == 2

    rows[1]["resolution_note"] = "La instalación no lo encontró"
    assert client.post(url, _case_post(case, **_belonging_rows(case, rows, initial=2))).status_code == 302
    passport.refresh_from_db()
    cash.refresh_from_db()
    assert (passport.status, passport.resolved_by) == (BelongingStatus.RETURNED, world.officer_a)
    assert (cash.status, cash.resolution_note) == (BelongingStatus.MISSING, "La instalación no lo encontró")

    page = client.get(url)
    assert INVALID_MARKER not in page.content.decode()
    [formset] = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Belonging]
    for form in formset.formset.forms:  # resolved rows are read-only
        assert all(form.fields[name].disabled for name in ("kind", "amount", "resolve", "resolution_note"))
    # a tampered post cannot change a resolved row
    rows = [{"id": passport.pk, "resolve": "missing", "resolution_note": "x"}, {"id": cash.pk}]
    client.post(url, _case_post(case, **_belonging_rows(case, rows, initial=2)))
    passport.refresh_from_db()
    assert passport.status == BelongingStatus.RETURNED


# --- documents ------------------------------------------------------------------------------------


def _document_rows(case, *uploads) -> dict:
    data = inline_management("documents", total=len(uploads))
    for i, (kind, upload) in enumerate(uploads):
        data.update(
            {
                f"documents-{i}-case": case.pk,
                f"documents-{i}-kind": kind,
                f"documents-{i}-description": f"Documento {i}",
                f"documents-{i}-upload": upload,
            }
        )
    return data


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_case_form_is_multipart_with_the_upload_inline(client, world):
    login_verified(client, world.officer_a)
    html = client.get(_url("change", world.case_a)).content.decode()
    assert 'enctype="multipart/form-data"' in html


def test_upload_pdf_and_png_and_list_them(client, world, media, strict_templates):
    case = world.case_a
    login_verified(client, world.officer_a)
    uploads = (
        ("court", SimpleUploadedFile("aviso de audiencia.pdf", PDF, content_type="application/pdf")),
        ("identity", SimpleUploadedFile("ine.png", PNG, content_type="image/png")),
    )
    response = client.post(_url("change", case), _case_post(case, **_document_rows(case, *uploads)))
    assert response.status_code == 302
    pdf, png = Document.objects.filter(case=case).order_by("pk")
    assert (pdf.content_type, pdf.size, pdf.sha256) == (
        "application/pdf",
        len(PDF),
        hashlib.sha256(PDF).hexdigest(),
    )
    assert (png.content_type, png.original_name, png.uploaded_by) == ("image/png", "ine.png", world.officer_a)
    assert len(_stored_files(media)) == 2
    assert "aviso" not in pdf.file.name  # stored under a random name

    page = client.get(_url("change", case))
    html = page.content.decode()
    assert INVALID_MARKER not in html
    assert reverse("cases:document_download", args=[pdf.pk]) in html
    assert "aviso de audiencia.pdf" in html
    assert pdf.sha256[:12] not in html  # a checksum is for administrators (technical.view), not case work
    assert pdf.file.url not in html  # never the storage URL


def test_text_file_named_pdf_is_refused_and_nothing_is_stored(client, world, media):
    case = world.case_a
    login_verified(client, world.officer_a)
    fake = SimpleUploadedFile("informe.pdf", b"just some text, not a PDF", content_type="application/pdf")
    response = client.post(_url("change", case), _case_post(case, **_document_rows(case, ("court", fake))))
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Document]
    assert formset.formset.forms[0].errors["upload"]
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_oversize_file_is_refused_and_nothing_is_stored(client, world, media, settings):
    settings.DOCUMENT_MAX_BYTES = 32
    case = world.case_a
    login_verified(client, world.officer_a)
    big = SimpleUploadedFile("grande.pdf", PDF + b"0" * 64, content_type="application/pdf")
    response = client.post(_url("change", case), _case_post(case, **_document_rows(case, ("court", big))))
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Document]
    assert formset.formset.forms[0].errors["upload"]
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_upload_on_a_page_shown_again_with_errors_leaves_no_file(client, world, media):
    """A valid upload beside an invalid row: the page comes back, the row is rolled back, and so is the
    stored file."""
    case = world.case_a
    login_verified(client, world.officer_a)
    good = SimpleUploadedFile("carta.pdf", PDF, content_type="application/pdf")
    data = _case_post(case, **_document_rows(case, ("correspondence", good)))
    data.update(_belonging_rows(case, [{"kind": "cash"}]))  # no amount: refused
    response = client.post(_url("change", case), data)
    assert response.status_code == 200
    assert not Document.objects.exists()
    assert _stored_files(media) == []


def test_a_new_handoff_starts_from_the_persons_contact_in_mexico_and_address(client, world):
    from cases.models import EmergencyContact

    case = _ready(world.officer_a, world.case_a)
    person = case.person
    services.person_update(
        actor=world.officer_a, person=person, mexico_address="Calle Morelos 12, Zacatecas, Zac."
    )
    for name, in_mexico in (("Tía en Houston", False), ("Juana Ortiz", True)):
        services.emergency_contact_save(
            actor=world.officer_a,
            person=person,
            contact=EmergencyContact(person=person, name=name, relationship="madre", phone="+52 492 555 0101",
                                     in_mexico=in_mexico),
        )  # fmt: skip
    login_verified(client, world.officer_a)
    form = client.get(_url("handoff", case)).context["form"]
    assert form["family_contact_name"].value() == "Juana Ortiz"  # the one in Mexico
    assert form["family_contact_phone"].value() == "+52 492 555 0101"
    assert form["destination"].value() == "Calle Morelos 12, Zacatecas, Zac."
    assert not RepatriationHandoff.objects.exists()  # a suggestion, not a write
