"""The dashboard's filter: date range, consulate and enforcement operation, checked and scoped to the
user (the operations offered are those the user's reports count: ``Operation.held_for``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Operation
from cases.reports.common import MAX_RANGE_DAYS, ReportParams, operation_title
from consulates.models import Consulate
from consulates.policy import home_consulate

# Dates outside these bounds mean nothing here, and would overflow the day-wide margins of the
# range filter (``in_local_range``).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


FILTERS = ("start", "end", "consulate", "operation")


class OperationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return operation_title(obj)


class ReportFilterForm(forms.Form):
    # A date input shows only an ISO value (a localised "30/11/2026" would leave it empty on first load).
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    consulate = forms.ModelChoiceField(
        label=_("Consulate"), queryset=Consulate.objects.none(), required=False, empty_label=_("All")
    )
    operation = OperationChoiceField(
        label=_("Operation"),
        queryset=Operation.objects.none(),
        required=False,
        empty_label=_("All operations"),
        error_messages={
            "invalid_choice": _("Choose one of the operations in the list."),
        },
    )

    def __init__(self, data=None, *, user, **kwargs):
        defaults = ReportParams.default()
        if data is not None and not any(data.get(k) for k in FILTERS):
            data = None
        elif data is not None:
            # A date left out means its default (as documented), not an error.
            data = data.copy()
            for key in ("start", "end"):
                if not data.get(key):
                    data[key] = getattr(defaults, key).isoformat()
        super().__init__(data, initial={"start": defaults.start, "end": defaults.end}, **kwargs)
        own = home_consulate(user)
        if own:
            self.fields["consulate"].queryset = Consulate.objects.filter(pk=own)
            self.fields["consulate"].empty_label = None
            self.fields["consulate"].disabled = True
            self.fields["consulate"].initial = own
        else:
            self.fields["consulate"].queryset = Consulate.objects.order_by("city")
        self.fields["operation"].queryset = (
            Operation.objects.held_for(user).select_related("consulate").order_by("-date", "name", "pk")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        for name in ("start", "end"):
            value = cleaned.get(name)
            if value and not (EARLIEST <= value <= LATEST):
                self.add_error(name, _("Choose a date between 1900 and 2999."))
                cleaned.pop(name, None)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end date cannot be before the start date."))
            elif (end - start) > dt.timedelta(days=MAX_RANGE_DAYS):
                self.add_error("start", _("Choose a range of at most three years."))
        operation, consulate = cleaned.get("operation"), self._consulate_id(cleaned.get("consulate"))
        if operation and consulate is not None and operation.consulate_id != consulate:
            self.add_error(
                "operation",
                _("This operation belongs to another consulate: choose its consulate, or all of them."),
            )
        return cleaned

    def _consulate_id(self, consulate) -> int | None:
        if self.fields["consulate"].disabled:
            return self.fields["consulate"].initial
        return consulate.pk if consulate else None

    def params(self) -> ReportParams:
        """The parameters to run with: the valid input, or the defaults when there is none."""
        if not self.is_bound:
            defaults = ReportParams.default()
            consulate = self.fields["consulate"].initial
            return ReportParams(start=defaults.start, end=defaults.end, consulate_id=consulate)
        operation = self.cleaned_data.get("operation")
        return ReportParams(
            start=self.cleaned_data["start"],
            end=self.cleaned_data["end"],
            consulate_id=self._consulate_id(self.cleaned_data.get("consulate")),
            operation_id=operation.pk if operation else None,
        )


def operation_query(operation: Operation) -> dict[str, str]:
    """The dashboard's filters for one operation's reports: that operation, from its date to today (at
    most three years, so a range the form accepts; an operation dated ahead, its date alone)."""
    today = timezone.localdate()
    end = max(today, operation.date)
    start = max(operation.date, end - dt.timedelta(days=MAX_RANGE_DAYS), EARLIEST)
    return {"operation": str(operation.pk), "start": start.isoformat(), "end": end.isoformat()}
