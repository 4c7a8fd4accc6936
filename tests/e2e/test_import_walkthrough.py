"""A Dallas officer imports a 200-row ICE list in a real browser (Spanish, Dallas's zone): uploads it with a
new operation, checks the columns, reads the preview, imports, watches the progress page, and downloads the
report of the rows not imported. The list holds persons already known (linked), look-alikes (sent to
review), a person another consulate holds (review, nothing revealed), bad rows and other nationalities.
Each page passes axe's serious and critical rules at 1280 and 390 px without sideways scrolling; the
screenshots are kept in test-artifacts/ (import-<page>-<width>.png)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cases.models import DuplicateReview, Person
from consulates.models import Consulate
from intake.imports import services
from intake.models import ImportBatch, RowDecision
from tests import factories as f
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "una-clave-larga-de-prueba-2026"
WIDTHS = ((1280, 900), (390, 844))
GIVEN = ["JUAN", "MARIA", "JOSE LUIS", "ROSA", "PEDRO", "ANA", "LUIS", "CARMEN", "JORGE", "ELENA"]
SURNAMES = [
    "GARCIA",
    "HERNANDEZ",
    "LOPEZ",
    "MARTINEZ",
    "GONZALEZ",
    "PEREZ",
    "SANCHEZ",
    "RAMIREZ",
    "CRUZ",
    "FLORES",
]


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


@pytest.fixture
def desk(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="es-MX",
        timezone_id="America/Chicago",
        bypass_csp=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def look(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        assert not horizontal_overflow(page), (
            f"{name} scrolls sideways at {width} px: {horizontal_overflow(page)}"
        )
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: {violations}"
        page.screenshot(path=str(ARTIFACTS / f"import-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def the_list(known, lookalikes, hidden) -> str:
    rng = random.Random(19)  # noqa: S311 - test data
    lines = ["A-Number,Last Name,First Name,DOB,Gender,Country of Citizenship,Facility,Book-In Date"]
    for person in known:  # linked: their A-number, ICE's spelling
        lines.append(
            f"A{person.a_number},{person.paternal_surname.upper()},{person.given_names.upper()},"
            f"{person.date_of_birth:%m/%d/%Y},{'M' if person.sex == 'H' else 'F'},MEXICO,PRAIRIELAND DETENTION CENTER,11/30/2026"
        )
    for person in lookalikes:  # review: no A-number, birth date one digit off
        dob = person.date_of_birth.replace(year=person.date_of_birth.year + 1)
        lines.append(
            f",{person.paternal_surname.upper()} {person.maternal_surname.upper()},{person.given_names.upper()},"
            f"{dob:%m/%d/%Y},{'M' if person.sex == 'H' else 'F'},MEXICO,Prairieland Detention Center,11/30/2026"
        )
    lines.append(
        f"{hidden.a_number},SALAS NAVA,PEDRO,09/09/1979,M,MEXICO,Prairieland Detention Center,11/30/2026"
    )
    for i in range(8):  # bad rows
        lines.append(f"A12{i},MALO,FILA{i},02/30/1990,M,MEXICO,Prairieland Detention Center,11/30/2026")
    for i in range(3):
        lines.append(
            f",OTRO{chr(65 + i)},PAIS,01/01/1990,M,GUATEMALA,Prairieland Detention Center,11/30/2026"
        )
    while len(lines) < 201:
        i = len(lines)
        lines.append(
            f"A3{rng.randrange(10**7, 10**8)},{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}X{i},{rng.choice(GIVEN)},"
            f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1965, 2004)},{rng.choice('MF')},MEXICO,"
            f"{rng.choice(['Prairieland Detention Center', 'Johnson County Jail'])},11/2{rng.randint(0, 9)}/2026"
        )
    return "\n".join(lines) + "\n"


def test_a_200_row_list_imported_with_review_and_its_error_report(desk, live_server):
    officer = f.officer("dallas", username="oficial.importa")
    officer.set_password(PASSWORD)
    officer.save()
    houston = f.officer("houston")
    known = [
        f.make_person(
            officer,
            given_names=g,
            paternal_surname=s,
            maternal_surname="Ruiz",
            sex="H",
            date_of_birth=dt.date(1980 + i, 1 + i, 10 + i),
            a_number=f"2051000{i:02d}",
        )
        for i, (g, s) in enumerate(
            [("Raúl", "Domínguez"), ("Tomás", "Ibarra"), ("Andrés", "Quiroga"), ("Iván", "Zepeda")]
        )
    ]
    lookalikes = [
        f.make_person(
            officer,
            given_names=g,
            paternal_surname=s,
            maternal_surname=m,
            sex="M",
            date_of_birth=dt.date(1991, 3, 3 + i),
        )
        for i, (g, s, m) in enumerate([("Lucía", "Barragán", "Olvera"), ("Sofía", "Cervantes", "Leal")])
    ]
    hidden = f.make_person(
        houston,
        given_names="Pedro",
        paternal_surname="Salas",
        maternal_surname="Nava",
        sex="H",
        date_of_birth=dt.date(1979, 9, 9),
        a_number="205199999",
    )
    path = ARTIFACTS / "lista-ice-200.csv"
    ARTIFACTS.mkdir(exist_ok=True)
    path.write_text(the_list(known, lookalikes, hidden))

    sign_in(desk, live_server, officer, PASSWORD, start="/imports/new/")
    desk.goto(f"{live_server.url}/imports/new/")
    look(desk, "upload")
    desk.set_input_files("#id_file", str(path))
    desk.fill("#id_new_operation_name", "Operativo Alvarado, noviembre")
    desk.fill("#id_new_operation_date", "2026-11-30")
    desk.click("button[type=submit].default")
    desk.wait_for_selector("#mapping-title")
    assert "Qué dato trae cada columna" in desk.content()
    look(desk, "columns")
    desk.click("button:has-text('Revisar las filas')")
    desk.wait_for_selector("#preview-title")
    text = desk.inner_text("#content-main")
    assert "No es de nacionalidad mexicana (GUATEMALA)" in text
    assert "No se pudo leer esta fecha" in text
    assert "Salas" in text  # the row is shown, as written on the list
    look(desk, "preview")
    batch = ImportBatch.objects.latest("pk")
    assert batch.operation.name == "Operativo Alvarado, noviembre"
    desk.click("button:has-text('Importar')")
    desk.wait_for_selector("#import-progress")
    look(desk, "progress")
    services.import_run(actor=officer, batch_id=batch.pk)  # what the Celery worker does
    desk.wait_for_selector("#result-title", timeout=30_000)  # the page polls and shows the result
    look(desk, "result")
    batch.refresh_from_db()
    assert batch.total_rows == 200
    assert batch.error_count == 11
    assert batch.linked_count == 4
    assert batch.review_count >= 3
    rows = {row.number: row for row in batch.rows.all()}
    hidden_row = next(row for row in rows.values() if row.review and row.review.candidate_id == hidden.pk)
    assert hidden_row.decision == RowDecision.REVIEW
    assert hidden_row.person.a_number is None
    assert DuplicateReview.objects.filter(candidate=hidden, source="import").exists()
    assert Person.objects.filter(registered_by__slug="dallas").count() >= 4 + 2 + 185
    with desk.expect_download() as download:
        desk.click("a[href$='not-imported.csv']")
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert report.splitlines()[0].startswith("Fila,")
    assert len(report.strip().splitlines()) == 12
    assert "GUATEMALA" in report
    (ARTIFACTS / "import-filas-no-importadas.csv").write_text(report)
    assert "/duplicates/" in desk.content()
