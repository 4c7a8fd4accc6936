"""The Django admin's own confirmations, worded in Spanish without a grammatical gender.

Django's Spanish catalogue writes "El {name} “{obj}” fue agregado", which reads "El persona … fue
agregado" or "El audiencia …" for most of our models (persona, audiencia, canalización, entrega...), and
"El%(name)s" without its space on deletion. Our catalogue, searched first (``LOCALE_PATHS``), words them
as a label and the record ("Registro agregado: persona “Juana Pérez”."). Listing the messages here,
exactly as Django writes them, keeps ``makemessages`` from dropping those entries as obsolete: nothing
reads this tuple at run time (``tests/staffsite/test_admin_messages.py`` checks the wording is ours).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

REWORDED = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully.", 1
    ),
)
