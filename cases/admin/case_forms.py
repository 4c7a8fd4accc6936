"""Forms of the case pages; each one writes through a case service."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import services
from cases.admin.base import ServiceModelForm
from cases.categories import subtype_choices
from cases.models import Case, Hearing, Task
from cases.models.case import CLOSURE_OUTCOMES
from cases.models.work import NOTE_KINDS, EventKind, HearingStatus
from cases.selectors import assignable_users
from cases.services.cases import UPDATABLE_FIELDS
from cases.services.lifecycle import open_work
from cases.zones import hearing_zone_name, wall_clock_entered, wall_clock_shown
from consulates.models import ReceptionPoint
from consulates.policy import home_consulate
from consulates.selectors import consulates_selectable_by, facilities_with_district

OPEN_FIELDS = [
    "person",
    "consulate",
    "category",
    "subtype",
    "priority",
    "summary",
    "facility",
    "detained_since",
    "arrested_at",
    "arresting_agency",
    "advised_at",
    "notification_request",
    "notification_request_at",
    "consulate_notified_at",
    "notified_by",
    "first_contact_at",
    "opposes_consular_action",
    "opposition_note",
]


class FacilityChoiceField(forms.ModelChoiceField):
    """Each facility shows the consulate whose district it lies in, so staff see it while choosing."""

    def label_from_instance(self, obj):
        if obj.county_id is None:  # a facility outside TX/OK/NM belongs to no district
            return _("%(facility)s · outside the network") % {"facility": obj}
        return _("%(facility)s · district: %(consulate)s") % {
            "facility": obj,
            "consulate": obj.county.consulate.city,
        }


def _setup_common(form) -> None:
    if "notification_request" in form.fields:
        # Left out of a post (an older page), it reads as "not known", which the service stores.
        form.fields["notification_request"].required = False
    if "subtype" in form.fields:
        form.fields["subtype"] = forms.ChoiceField(
            label=capfirst(_("subtype")), choices=[("", "---------"), *subtype_choices()], required=False
        )
    if "facility" in form.fields:
        old = form.fields["facility"]
        form.fields["facility"] = FacilityChoiceField(
            queryset=facilities_with_district().filter(active=True),
            required=False,
            label=old.label,
            widget=old.widget,
        )
    if "reception_point" in form.fields:
        # The points offered, and the case's own even if it was closed since (its record keeps showing it).
        current = form.instance.reception_point_id if form.instance else None
        form.fields["reception_point"].queryset = ReceptionPoint.objects.filter(
            Q(offered=True) | Q(pk=current)
        )


class CaseAddForm(ServiceModelForm):
    class Meta:
        model = Case
        fields = OPEN_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _setup_common(self)
        self.fields["consulate"].queryset = consulates_selectable_by(self.request.user)
        own = home_consulate(self.request.user)
        if own:
            self.fields["consulate"].initial = own

    def has_changed(self):
        return True  # an add form is always a write

    def run_service(self, data):
        values = {name: data.get(name) for name in OPEN_FIELDS}
        for name in ("subtype", "notified_by", "arresting_agency", "opposition_note"):
            values[name] = values[name] or ""
        return services.case_open(actor=self.request.user, **values)


def changed_since(case: Case, version: int, *, fields: list[str]) -> list[tuple[str, str]]:
    """The fields of ``case`` whose value differs from the one it had at ``version`` (its history row),
    each with its value now as a person reads it."""
    history = apps.get_model("cases", "CaseHistory")  # pghistory's snapshot of each saved version
    before = history.objects.filter(pgh_obj_id=case.pk, version=version).order_by("-pgh_id").first()
    if before is None:
        return []
    changed = []
    for name in fields:
        field = Case._meta.get_field(name)
        attribute = field.attname
        if getattr(before, attribute) == getattr(case, attribute):
            continue
        value = getattr(case, name)
        if field.choices:
            value = getattr(case, f"get_{name}_display")()
        changed.append((name, "—" if value in (None, "") else str(value)))
    return changed


class CaseChangeForm(ServiceModelForm):
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, label=_("version of the case the page shows")
    )
    note_kind = forms.ChoiceField(
        label=capfirst(_("log")),
        choices=[(k.value, k.label) for k in NOTE_KINDS],
        initial=EventKind.NOTE,
        required=False,
    )
    note_text = forms.CharField(
        label=capfirst(_("what happened")),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Saved on the timeline with your name and the current time."),
    )

    class Meta:
        model = Case
        fields = list(UPDATABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _setup_common(self)
        self.fields["expected_version"].initial = self.instance.version

    def has_changed(self):
        return bool([name for name in self.changed_data if name != "expected_version"])

    def _stale(self, seen_version: int) -> ValidationError:
        """Someone saved the case after this user opened it: say what changed meanwhile (from the case's
        history), keep everything the user typed, and take the current version, so that saving again
        applies the user's values over the other change knowingly."""
        current = Case.objects.get(pk=self.instance.pk)
        changed = changed_since(
            current, seen_version, fields=[n for n in UPDATABLE_FIELDS if n in self.fields]
        )
        self.data = self.data.copy()
        self.data[self.add_prefix("expected_version")] = current.version
        if not changed:
            return ValidationError(
                _("Someone else saved this case while you were editing it. Your changes are still here: "
                  "check them and save again."),
                code="stale",
            )  # fmt: skip
        listed = "; ".join(f"{capfirst(self.fields[name].label)}: {value}" for name, value in changed)
        return ValidationError(
            _("While you were editing, someone else changed: %(changes)s. Your changes are still here: "
              "check them against these and save again to keep yours.") % {"changes": listed},
            code="stale",
        )  # fmt: skip

    def run_service(self, data):
        changes = {name: data.get(name) for name in UPDATABLE_FIELDS if name in self.changed_data}
        for name in ("subtype", "notified_by", "arresting_agency", "opposition_note"):
            if name in changes and changes[name] is None:
                changes[name] = ""
        case = self.instance
        if changes:
            try:
                case = services.case_update(
                    actor=self.request.user, case=case, expected_version=data["expected_version"], **changes
                )
            except ValidationError as error:
                if getattr(error, "code", None) != "stale":
                    raise
                raise self._stale(data["expected_version"]) from error
        if (data.get("note_text") or "").strip():
            services.case_note_add(
                actor=self.request.user,
                case=case,
                kind=data.get("note_kind") or EventKind.NOTE,
                text=data["note_text"],
            )
            case.refresh_from_db()
        return case


class HearingForm(ServiceModelForm):
    """The date and time are shown and typed on the court's clock (without a court, the place of
    custody's, else the consulate's: ``cases.zones``), whatever zone the page is in."""

    cancel_reason = forms.CharField(label=capfirst(_("cancel, because")), required=False)

    class Meta:
        model = Hearing
        fields = ["kind", "court", "starts_at", "location", "notes", "outcome"]
        widgets = {"notes": forms.TextInput, "outcome": forms.TextInput}
        help_texts = {"starts_at": _("The court's local time.")}

    court_choices = None  # set by the inline: the courts read once for all its rows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].required = False  # the court's name when only a court is chosen
        if self.court_choices is not None:
            court = self.fields["court"]
            court.choices = self.court_choices
            inner = getattr(court.widget, "widget", None)  # inside the admin's related-field wrapper
            if inner is not None:
                inner.choices = self.court_choices
        if self.instance.pk is not None and self.instance.starts_at is not None:
            self.initial["starts_at"] = wall_clock_shown(self.instance.starts_at, self.instance.zone_name)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and self.instance.case_id:
            case = Case.objects.select_related("consulate", "facility__county__consulate").get(
                pk=self.instance.case_id
            )
            zone = hearing_zone_name(None, court=data.get("court"), case=case)
            data["starts_at"] = wall_clock_entered(data["starts_at"], zone)
        return data

    def run_service(self, data):
        actor = self.request.user
        hearing = self.instance
        if hearing.pk is None:
            return services.hearing_schedule(
                actor=actor,
                case=Case.objects.get(pk=hearing.case_id),
                kind=data["kind"],
                starts_at=data["starts_at"],
                location=data.get("location") or "",
                notes=data.get("notes", ""),
                court=data.get("court"),
            )
        if data.get("cancel_reason"):
            return services.hearing_cancel(actor=actor, hearing=hearing, reason=data["cancel_reason"])
        schedule_fields = {"kind", "starts_at", "location", "notes", "court"}
        if schedule_fields & set(self.changed_data) and hearing.status == HearingStatus.SCHEDULED:
            hearing = services.hearing_update(
                actor=actor,
                hearing=hearing,
                kind=data["kind"],
                starts_at=data["starts_at"],
                location=data.get("location") or "",
                notes=data.get("notes", ""),
                court=data.get("court"),
            )
        if "outcome" in self.changed_data and data.get("outcome"):
            hearing = services.hearing_outcome_record(actor=actor, hearing=hearing, outcome=data["outcome"])
        return hearing


class TaskForm(ServiceModelForm):
    class Meta:
        model = Task
        fields = ["title", "due_date", "assignee", "done"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = getattr(self, "parent", None)
        field = self.fields["assignee"]
        field.queryset = assignable_users(parent.consulate_id) if parent else field.queryset.none()
        if parent is not None:
            # One query for the whole inline, not one per task row: the choices are cached on the case.
            if not hasattr(parent, "_assignee_choices"):
                parent._assignee_choices = list(field.choices)
            field.choices = parent._assignee_choices

    def run_service(self, data):
        actor, task = self.request.user, self.instance
        if not data.get("done") and "done" in self.changed_data:
            raise ValidationError({"done": _("A completed task cannot be reopened; add a new task instead.")})
        if task.pk is None:
            task = services.task_add(
                actor=actor,
                case=Case.objects.get(pk=task.case_id),
                title=data["title"],
                due_date=data.get("due_date"),
                assignee=data.get("assignee"),
            )
        elif {"title", "due_date", "assignee"} & set(self.changed_data):
            task = services.task_update(
                actor=actor,
                task=task,
                title=data["title"],
                due_date=data.get("due_date"),
                assignee=data.get("assignee"),
            )
        if data.get("done") and not Task.objects.filter(pk=task.pk, done=True).exists():
            task = services.task_complete(actor=actor, task=task)
        return task


# Object actions on a case: small forms, one service each.


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=capfirst(_("officer")), queryset=None, required=False, empty_label=capfirst(_("(unassigned)"))
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(case.consulate_id)
        self.fields["assignee"].initial = case.assigned_to_id


class CloseRequestForm(forms.Form):
    outcome = forms.ChoiceField(label=capfirst(_("outcome")), choices=[("", "---------"), *CLOSURE_OUTCOMES])
    outcome_notes = forms.CharField(
        label=capfirst(_("outcome notes")), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        # The closure asks what to do with what is still open (checked: a closed case keeps nothing open).
        still_open = open_work(case)
        if still_open["tasks"]:
            self.fields["complete_tasks"] = forms.BooleanField(
                label=ngettext(
                    "Mark its open task as done",
                    "Mark its %(count)d open tasks as done",
                    still_open["tasks"],
                )
                % {"count": still_open["tasks"]},
                required=False,
                initial=True,
            )
        if still_open["hearings"]:
            self.fields["cancel_hearings"] = forms.BooleanField(
                label=ngettext(
                    "Cancel its scheduled hearing",
                    "Cancel its %(count)d scheduled hearings",
                    still_open["hearings"],
                )
                % {"count": still_open["hearings"]},
                help_text=_("Leave it unchecked if the consulate still follows the proceedings."),
                required=False,
                initial=True,
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=capfirst(_("reason")), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)


class ConfirmForm(forms.Form):
    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)


__all__ = [
    "AssignForm",
    "CaseAddForm",
    "CaseChangeForm",
    "CloseRequestForm",
    "ConfirmForm",
    "HearingForm",
    "ReasonForm",
    "TaskForm",
]
