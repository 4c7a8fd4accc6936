"""DRF's own messages whose Spanish we word ourselves.

DRF ships a Spanish catalogue (``rest_framework/locale/es``), but a few of its messages are missing from
it (so they stay English) and some read as machine translation ("Solicitud fue regulada (throttled).",
"Las credenciales de autenticación no se proveyeron.", "El archivo enviado está vació."). Django looks a
message up in ``LOCALE_PATHS`` before any installed app's catalogue, so the entry of ours in
``locale/es/LC_MESSAGES/django.po`` is the one answered (``tests/api/test_spanish_messages.py`` checks
both). Listing the messages here, exactly as DRF writes them, is what keeps ``makemessages`` from
dropping our entries as obsolete: nothing reads this tuple at run time.

DRF's messages that are not translatable at all (its parsers' "JSON parse error - …", its session
authentication's "CSRF Failed: …") are replaced where they are raised: ``api.parsers``, ``api.auth``.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

REWORDED = (
    # Missing from DRF's Spanish catalogue.
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    # Worded better (the catalogue's Spanish is literal, wrong or misspelt).
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop("Request was throttled."),
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop('Method "{method}" not allowed.'),
    gettext_noop("This field is required."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("Expected a datetime but got a date."),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop("The submitted file is empty."),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop("Object with {slug_name}={value} does not exist."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
)
