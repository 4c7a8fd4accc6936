"""The SRE's six areas of consular protection and their subtypes.

From consulates/data/network_facts.json ``case_categories`` (SRE-DGPME, Guía de procedimientos de
protección consular). Subtypes the guide does not name are marked ``proposed`` there; the labels
are the Spanish ones staff know, with English translations in the message catalogue.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MIGRATORIO = "migratorio", _("Immigration (migratorio)")
    PENAL = "penal", _("Criminal (penal)")
    CIVIL = "civil", _("Civil")
    LABORAL = "laboral", _("Labour (laboral)")
    DERECHOS_HUMANOS = "derechos_humanos", _("Human rights (derechos humanos)")
    ADMINISTRATIVO = "administrativo", _("Administrative (administrativo)")


SUBTYPES: dict[str, list[tuple[str, str]]] = {
    Category.ADMINISTRATIVO: [
        ("busqueda_localizacion", _("Search for / locating nationals")),
        ("presuncion_nacionalidad", _("Presumption of nationality")),
        ("recuperacion_valores", _("Recovery of valuables")),
        ("identificacion_restos", _("Identification of remains")),
        ("traslado_restos", _("Transfer / repatriation of remains")),
        ("repatriacion_pacientes", _("Repatriation of patients")),
        ("repatriacion_vulnerables", _("Repatriation of destitute and vulnerable persons")),
    ],
    Category.CIVIL: [
        ("pension_alimenticia", _("Child support")),
        ("custodia_menores", _("Child custody / child-protection proceedings (e.g. Texas DFPS)")),
        ("sustraccion_menores", _("International child abduction / return")),
        ("sucesiones", _("Estates and inheritance")),
        ("representacion_ausentes", _("Representation of absent parties in civil suits")),
    ],
    Category.DERECHOS_HUMANOS: [
        ("orientacion_ddhh", _("Guidance on human-rights violations")),
        ("abuso_autoridad", _("Abuse of authority / use of force")),
        ("discriminacion", _("Discrimination")),
    ],
    Category.LABORAL: [
        ("lesiones_laborales", _("Workplace injuries")),
        ("salarios_no_pagados", _("Unpaid wages")),
        ("acoso_laboral", _("Workplace harassment / abuse")),
    ],
    Category.MIGRATORIO: [
        ("detencion_migratoria", _("Immigration detention (visit / interview at an ICE facility)")),
        ("deportacion_repatriacion", _("Deportation / removal and repatriation")),
        ("menores_custodia", _("(Unaccompanied) minors in custody of authorities")),
        ("asesoria_legal_pale", _("Immigration legal advice (PALE)")),
        ("localizacion_detenidos", _("Locating detainees")),
    ],
    Category.PENAL: [
        ("detencion_arresto", _("Arrest / detention (consular notification and access)")),
        ("visitas_carceles", _("Prison visits")),
        ("debido_proceso", _("Due process / legal assistance")),
        ("pena_muerte", _("Death penalty")),
        ("traslado_sentenciados", _("Transfer of sentenced persons to Mexican prisons (TESP)")),
    ],
}

SUBTYPE_CATEGORY = {code: category for category, items in SUBTYPES.items() for code, _label in items}
SUBTYPE_LABELS = {code: label for items in SUBTYPES.values() for code, label in items}


def subtype_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: one optgroup per category."""
    return [(Category(category).label, items) for category, items in SUBTYPES.items()]
