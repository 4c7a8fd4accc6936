"""The admin's confirmations read as Spanish for every model, whatever its gender (staffsite/admin_messages.py):
never "El persona … fue agregado"."""

from __future__ import annotations

from django.utils import translation

from cases.models import Hearing, Person
from staffsite.admin_messages import REWORDED


def test_each_confirmation_is_ours_in_spanish_and_djangos_in_english():
    singular = [message for message in REWORDED if isinstance(message, str)]  # the plural is lazy
    with translation.override("es"):
        spanish = [translation.gettext(message) for message in singular]
    with translation.override("en"):
        english = [translation.gettext(message) for message in singular]
    assert len(singular) == 6
    assert english == singular
    for text in spanish:
        assert text.startswith(("Registro agregado", "Cambios guardados", "Registro eliminado")), text
        assert not text.startswith("El")


def test_a_feminine_model_reads_right():
    with translation.override("es"):
        added = translation.gettext("The {name} “{obj}” was added successfully.").format(
            name=Person._meta.verbose_name, obj="Juana Pérez"
        )
        deleted = translation.gettext("The %(name)s “%(obj)s” was deleted successfully.") % {
            "name": Hearing._meta.verbose_name,
            "obj": "fianza",
        }
    assert added == "Registro agregado: persona “Juana Pérez”."
    assert deleted == "Registro eliminado: audiencia “fianza”."
