from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """The 6-digit code an authenticator app shows (spaces allowed, as some apps group the digits)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code
