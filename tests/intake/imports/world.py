"""A small network state for the import tests: a Dallas officer, known persons at Dallas and Houston, and
lists written as ICE and as a Mexican office write them."""

from __future__ import annotations

import datetime as dt

from cases import services
from cases.models import Operation
from consulates.models import DetentionFacility
from tests import factories as f

FACILITY = "Prairieland Detention Center"


def build() -> dict:
    dallas, houston = f.officer("dallas"), f.officer("houston")
    known = f.make_person(
        dallas,
        given_names="José Luis",
        paternal_surname="Ramírez",
        maternal_surname="Soto",
        date_of_birth=dt.date(1985, 5, 17),
        sex="H",
        a_number="201234567",
    )
    with_case = f.make_person(
        dallas,
        given_names="Rosa",
        paternal_surname="Méndez",
        maternal_surname="Ruiz",
        date_of_birth=dt.date(1992, 2, 2),
        sex="M",
        a_number="202345678",
    )
    open_case = f.make_case(dallas, person=with_case)
    hidden = f.make_person(
        houston,
        given_names="Pedro",
        paternal_surname="Salas",
        maternal_surname="Nava",
        date_of_birth=dt.date(1979, 9, 9),
        sex="H",
        a_number="203456789",
    )
    lookalike = f.make_person(
        dallas,
        given_names="Miguel Angel",
        paternal_surname="Torres",
        maternal_surname="Vega",
        date_of_birth=dt.date(1990, 7, 7),
        sex="H",
    )
    operation = Operation.objects.create(
        consulate=f.consulate("dallas"),
        name="Operativo Dallas",
        date=dt.date(2026, 11, 30),
        created_by=dallas,
    )
    return {
        "dallas": dallas,
        "houston": houston,
        "known": known,
        "with_case": with_case,
        "open_case": open_case,
        "hidden": hidden,
        "lookalike": lookalike,
        "operation": operation,
        "facility": DetentionFacility.objects.get(name=FACILITY),
        "services": services,
    }


ICE_LIST = (
    "A-Number,Last Name,First Name,DOB,Gender,Country of Citizenship,Facility,Book-In Date\n"
    "A-201-234-567,RAMIREZ SOTO,JOSE LUIS,05/17/1985,M,MEXICO,PRAIRIELAND DETENTION CENTER,11/30/2026\n"
    "A202345678,MENDEZ,ROSA,02/02/1992,F,MEXICO,Prairieland Detention Center,11/30/2026\n"
    "203456789,SALAS NAVA,PEDRO,09/09/1979,M,MEXICO,Prairieland Detention Center,11/30/2026\n"
    ",TORRES VEGA,MIGUEL ANGEL,07/07/1991,M,MEXICO,Prairieland Detention Center,11/30/2026\n"
    "A209999001,GUZMAN DE LA CRUZ,ANA MARIA,12/01/1999,F,MEXICO,Some County Jail,11/29/2026\n"
    "A209999002,CHAVEZ,LUIS,13/45/1990,M,MEXICO,Prairieland Detention Center,11/30/2026\n"
    "A209999003,LOPEZ,CARLOS,01/01/1980,M,GUATEMALA,Prairieland Detention Center,11/30/2026\n"
    "A12,PEREZ,JUAN,01/01/1980,M,MEXICO,Prairieland Detention Center,11/30/2026\n"
)
