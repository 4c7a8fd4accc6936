"""The forms of the review and merge pages: which record is kept, and why."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.identity import DuplicateResolution


def versions_from(data, pks) -> dict[int, str]:
    """The ``updated_at`` of each record as the page showed it (hidden ``version-<pk>`` fields)."""
    return {pk: data.get(f"version-{pk}", "") for pk in pks}


class _KeptForm(forms.Form):
    survivor = forms.TypedChoiceField(
        label=_("Which record is kept"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose which record is kept.")},
    )

    def __init__(self, *args, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [
            (side.person.pk, _("%(name)s (registered by %(consulate)s)")
             % {"name": side.person.full_name, "consulate": side.person.registered_by.city})
            for side in sides
        ]  # fmt: skip


class DecisionForm(_KeptForm):
    """A possible duplicate: the same person (merge, keeping one record) or two different persons."""

    resolution = forms.ChoiceField(
        choices=DuplicateResolution.choices, widget=forms.HiddenInput, required=False
    )
    note = forms.CharField(
        label=_("Why (needed to merge)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the same A-number on both; the family confirmed the date of birth."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].required = False


class MergeForm(_KeptForm):
    reason = forms.CharField(
        label=_("Why they are the same person"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why they are the same person.")},
    )


class UnmergeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the merge is undone"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the merge is undone.")},
    )
