"""Custody history: the only writer of a case's current custody (``facility``, ``detained_since``,
``released_on``), which is derived from its episodes.

- ``custody_move``: the person is now held at a facility from a date (ends the open episode as moved, or
  starts a new stay after a release or when no custody was known).
- ``custody_release``: the stay ends on a date.
- ``custody_episode_correct``: an episode recorded wrong is corrected.
- ``custody_verify``: staff checked the person is still where the case says.
- ``custody_apply`` / ``custody_apply_many``: the case's current values as a form, the API or a detainee
  list states them (``case_open``, ``case_update``, the import's set-wise path), turned into episodes.

Derivation: the case's facility is its latest episode's; released on that episode's end when it ended
as a release; detained since the start of the first episode of the latest stay (the episodes after the
last release, linked by moves).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case
from cases.models.custody import CustodyEpisode, CustodySource, EpisodeEnd
from cases.models.identity import ArrestingAgency
from cases.models.work import EventKind
from cases.reminders import schedule
from cases.services.common import case_write, touch
from cases.services.transfers import transfer_propose_for_custody
from cases.services.verification import verify_tasks_complete
from consulates.models import DetentionFacility

CURRENT = ("facility", "detained_since", "released_on")


def local_today(case: Case) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(case.consulate.timezone)).date()


def stay_of(episodes: list[CustodyEpisode]) -> list[CustodyEpisode]:
    """The latest stay: the last episode and those before it linked to it by moves."""
    stay: list[CustodyEpisode] = []
    for episode in reversed(episodes):
        if stay and episode.ended_by != EpisodeEnd.MOVED:
            break
        stay.insert(0, episode)
    return stay


def derive(episodes: list[CustodyEpisode]) -> dict:
    """The case's current custody from its episodes (in order)."""
    if not episodes:
        return {"facility": None, "detained_since": None, "released_on": None}
    last = episodes[-1]
    return {
        "facility": last.facility,
        "detained_since": stay_of(episodes)[0].started_on,
        "released_on": last.ended_on if last.ended_by == EpisodeEnd.RELEASED else None,
    }


@dataclass
class Plan:
    """What to write for one case: episodes to create, to update (and their fields), to delete."""

    create: list[CustodyEpisode] = field(default_factory=list)
    update: dict[int, CustodyEpisode] = field(default_factory=dict)
    delete: list[CustodyEpisode] = field(default_factory=list)
    episodes: list[CustodyEpisode] = field(default_factory=list)  # the history after the plan
    loose_since: dt.date | None = None  # a detention date without any facility (no history to hold it)

    def changed(self, episode: CustodyEpisode) -> None:
        if episode.pk is not None:
            self.update[episode.pk] = episode


def _episode(case, facility, *, started_on, source, actor, now, **extra) -> CustodyEpisode:
    return CustodyEpisode(
        case=case,
        facility=facility,
        started_on=started_on,
        source=source,
        recorded_by=actor,
        recorded_at=now,
        **extra,
    )


def _known(case: Case, episodes: list[CustodyEpisode], now) -> list[CustodyEpisode]:
    """The history, with the case's current custody as one episode when it has none yet (a case written
    before the history, or by a test's factory): nothing is lost when the history starts."""
    if episodes or case.facility_id is None:
        return list(episodes)
    return [
        _episode(
            case,
            case.facility,
            started_on=case.detained_since,
            source=CustodySource.LEGACY,
            actor=None,
            now=now,
            ended_on=case.released_on,
            ended_by=EpisodeEnd.RELEASED if case.released_on else "",
        )
    ]


def _plan_apply(
    case: Case, episodes: list[CustodyEpisode], wanted: dict, *, actor, source: str, today: dt.date, now
) -> Plan:
    """The episodes that make the case's current custody what ``wanted`` states (any of ``CURRENT``;
    values already validated as the case services do). A new facility while in custody is a move today;
    a new facility after a release (with the release date cleared or changed) starts a new stay; a new
    release date ends (or corrects the end of) the stay; a new detention date corrects the stay's start."""
    plan = Plan()
    history = _known(case, episodes, now)
    plan.create = [episode for episode in history if episode.pk is None]
    current = derive(history)
    wanted = {name: wanted.get(name, current[name]) for name in CURRENT}
    facility, since, released = wanted["facility"], wanted["detained_since"], wanted["released_on"]
    if facility is None:
        if not history:
            # No facility known: a detention date alone has no episode to live in; it stays on the case.
            plan.episodes, plan.loose_since = history, since
            return plan
        stay = stay_of(history)
        if len(stay) < len(history):
            raise ValidationError(
                {"facility": _("This case has earlier custody in its history: record a release instead.")}
            )
        plan.delete = [episode for episode in stay if episode.pk is not None]
        plan.create = []
        plan.episodes, plan.loose_since = [], since
        return plan
    last = history[-1] if history else None
    since_changed = since != current["detained_since"]
    moved = last is None or last.facility_id != facility.pk
    if last is None or (moved and current["released_on"] is not None and released != current["released_on"]):
        # No custody known, or held again after a release: a new stay.
        start = since if since_changed or last is None else today
        new = _episode(case, facility, started_on=start, source=source, actor=actor, now=now)
        if released:
            new.ended_on, new.ended_by = released, EpisodeEnd.RELEASED
        plan.create.append(new)
        history.append(new)
    elif moved and current["released_on"] is not None:
        last.facility = facility  # the released stay's facility was recorded wrong
        plan.changed(last)
    elif moved:
        on = min(today, released) if released else today
        if last.started_on and on < last.started_on:
            on = last.started_on
        last.ended_on, last.ended_by = on, EpisodeEnd.MOVED
        plan.changed(last)
        new = _episode(case, facility, started_on=on, source=source, actor=actor, now=now)
        if released:
            new.ended_on, new.ended_by = released, EpisodeEnd.RELEASED
        plan.create.append(new)
        history.append(new)
    else:
        if released != current["released_on"]:
            if released and last.started_on and released < last.started_on:
                raise ValidationError(
                    {"released_on": _("The release date cannot be before the person came to this facility.")}
                )
            last.ended_on = released
            last.ended_by = EpisodeEnd.RELEASED if released else ""
            plan.changed(last)
    first = stay_of(history)[0]
    if since_changed and since != derive(history)["detained_since"]:
        if since and first.ended_on and since > first.ended_on:
            raise ValidationError(
                {"detained_since": _("The detention date cannot be after a later move or the release.")}
            )
        first.started_on = since
        plan.changed(first)
    plan.episodes = history
    return plan


def _write(plans: list[Plan]) -> None:
    """Write plans set-wise: one delete, one update, one insert whatever their number. Ends are written
    before starts move, and open episodes closed before new ones open, for the one-open constraint."""
    deleted = [episode.pk for plan in plans for episode in plan.delete]
    if deleted:
        CustodyEpisode.objects.filter(pk__in=deleted).delete()
    updated = [episode for plan in plans for episode in plan.update.values()]
    if updated:
        CustodyEpisode.objects.bulk_update(
            updated, ["facility", "started_on", "ended_on", "ended_by"], batch_size=1000
        )
    created = [episode for plan in plans for episode in plan.create]
    if created:
        CustodyEpisode.objects.bulk_create(created, batch_size=1000)


def custody_apply(case: Case, *, actor, source: str, wanted: dict) -> list[str]:
    """Inside a case service's transaction, with the case locked: record ``wanted`` (current custody
    values) as episodes and set the case's current custody from them. Returns the names that changed
    (the caller records the timeline, saves the case and does what follows a custody change)."""
    episodes = list(CustodyEpisode.objects.filter(case=case).select_related("facility").order_by(*ORDER))
    now = timezone.now()
    plan = _plan_apply(case, episodes, wanted, actor=actor, source=source, today=local_today(case), now=now)
    _write([plan])
    return _set_current(case, plan, now)


def _set_current(case: Case, plan: Plan, now) -> list[str]:
    derived = derive(plan.episodes)
    if not plan.episodes:
        derived["detained_since"] = plan.loose_since
    changed = [name for name in CURRENT if getattr(case, name) != derived[name]]
    for name in changed:
        setattr(case, name, derived[name])
    if plan.create or plan.update:
        case.custody_verified_at = now
    return changed


def custody_apply_many(cases: list[Case], wanted: dict[int, dict], *, actor, source: str) -> dict[int, list]:
    """``custody_apply`` for many locked cases at once (the detainee list's set-wise path): one read of
    their episodes and one write of each kind. A case whose wanted values do not fit its history is left
    out (its error in the result) for the caller to leave unchanged."""
    ids = [case.pk for case in cases]
    by_case: dict[int, list[CustodyEpisode]] = {pk: [] for pk in ids}
    for episode in CustodyEpisode.objects.filter(case_id__in=ids).select_related("facility").order_by(*ORDER):
        by_case[episode.case_id].append(episode)
    now = timezone.now()
    out: dict[int, list] = {}
    plans = []
    for case in cases:
        try:
            plan = _plan_apply(
                case, by_case[case.pk], wanted[case.pk], actor=actor, source=source,
                today=local_today(case), now=now,
            )  # fmt: skip
        except ValidationError as error:
            out[case.pk] = error
            continue
        plans.append((case, plan))
    _write([plan for _case, plan in plans])
    for case, plan in plans:
        out[case.pk] = _set_current(case, plan, now)
    return out


def episodes_open(*, cases: list[Case], actor, source: str) -> list[CustodyEpisode]:
    """The first episode of cases just opened with a facility (set-wise: one insert)."""
    now = timezone.now()
    episodes = [
        _episode(
            case,
            case.facility,
            started_on=case.detained_since,
            source=source,
            actor=actor,
            now=now,
            ended_on=case.released_on,
            ended_by=EpisodeEnd.RELEASED if case.released_on else "",
        )
        for case in cases
        if case.facility_id
    ]
    return CustodyEpisode.objects.bulk_create(episodes, batch_size=1000)


# In time; an episode without a start (custody recorded without its date) comes first.
ORDER = (F("started_on").asc(nulls_first=True), "id")


def _validate_day(errors: dict, name: str, day, today: dt.date) -> None:
    if day and day > today:
        errors.setdefault(name, []).append(_("This date cannot be in the future."))


def _after_change(case: Case, actor, changed: list[str], before: dict, *, saved: list[str]) -> None:
    """What follows a change of current custody, for one case: its timeline entry, the case saved, a
    transfer proposed (or withdrawn) when the facility lies in another district, the art. 36 and hearing
    reminders kept in step, and an open "verify custody" task completed."""
    if changed:
        events.case_updated(
            case,
            actor,
            kind=EventKind.CUSTODY,
            changes={name: [before[name], _shown(case, name)] for name in changed},
        )
    touch(case, actor, fields=[*changed, *saved, "custody_verified_at"])
    if changed:
        transfer_propose_for_custody(case, actor)
        schedule.art36_reminder_sync(case)
        schedule.case_hearings_resync(case)
    verify_tasks_complete(case, actor)


def _shown(case: Case, name: str) -> str:
    value = getattr(case, name)
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _episodes_of(case: Case) -> list[CustodyEpisode]:
    episodes = CustodyEpisode.objects.filter(case=case).select_related("facility").order_by(*ORDER)
    return _known(case, list(episodes), timezone.now())


@transaction.atomic
def custody_move(
    *,
    actor,
    case: Case,
    facility: DetentionFacility,
    since: dt.date,
    time: dt.time | None = None,
    agency: str = "",
    source: str = CustodySource.OTHER,
    notes: str = "",
    expected_version: int | None = None,
) -> CustodyEpisode:
    """The person is held at ``facility`` from ``since``: the open episode ends there as a move (or, when
    the person was released or no custody was known, a new stay starts)."""
    case = case_write(case, actor, "case.work", expected_version=expected_version)
    history = _episodes_of(case)
    last = history[-1] if history else None
    errors: dict[str, list] = {}
    if not isinstance(facility, DetentionFacility):
        errors["facility"] = [_("Choose the facility where the person is held.")]
    _validate_day(errors, "since", since, local_today(case))
    if since is None:
        errors["since"] = [_("Enter the date the person was brought there.")]
    if agency and agency not in ArrestingAgency.values:
        errors["agency"] = [_("Choose the agency holding the person.")]
    if source not in CustodySource.values or source == CustodySource.LEGACY:
        errors["source"] = [_("Say where this information comes from.")]
    if last is not None and last.ended_on is None and not errors:
        if last.facility_id == facility.pk:
            errors["facility"] = [_("The case already shows the person held at this facility.")]
        elif last.started_on and since < last.started_on:
            errors["since"] = [_("The move cannot be before the person came to the current facility.")]
    elif last is not None and last.ended_on and since and since < last.ended_on:
        errors["since"] = [_("The new detention cannot be before the last release.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    plan = Plan(create=[episode for episode in history if episode.pk is None])
    if last is not None and last.ended_on is None:
        last.ended_on, last.ended_by = since, EpisodeEnd.MOVED
        plan.changed(last)
    new = _episode(
        case, facility, started_on=since, source=source, actor=actor, now=now,
        started_time=time, agency=agency or "", notes=(notes or "").strip(),
    )  # fmt: skip
    plan.create.append(new)
    plan.episodes = [*history, new]
    before = {name: _shown(case, name) for name in CURRENT}
    _write([plan])
    changed = _set_current(case, plan, now)
    _after_change(case, actor, changed, before, saved=[])
    return new


@transaction.atomic
def custody_release(
    *,
    actor,
    case: Case,
    on: dt.date,
    source: str = CustodySource.OTHER,
    notes: str = "",
    expected_version: int | None = None,
) -> CustodyEpisode:
    """The person's stay in custody ended on ``on``."""
    case = case_write(case, actor, "case.work", expected_version=expected_version)
    history = _episodes_of(case)
    last = history[-1] if history else None
    errors: dict[str, list] = {}
    if last is None or last.ended_on is not None:
        raise ValidationError(_("The case does not show the person in custody."), code="not_in_custody")
    _validate_day(errors, "on", on, local_today(case))
    if on is None:
        errors["on"] = [_("Enter the release date.")]
    elif last.started_on and on < last.started_on:
        errors["on"] = [_("The release date cannot be before the person came to this facility.")]
    if source not in CustodySource.values or source == CustodySource.LEGACY:
        errors["source"] = [_("Say where this information comes from.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    plan = Plan(create=[episode for episode in history if episode.pk is None], episodes=history)
    last.ended_on, last.ended_by = on, EpisodeEnd.RELEASED
    if notes.strip():
        last.notes = (f"{last.notes}\n{notes.strip()}" if last.notes else notes.strip())[:500]
    plan.changed(last)
    before = {name: _shown(case, name) for name in CURRENT}
    _write([plan])
    if last.pk is not None:
        last.save(update_fields=["notes"])
    changed = _set_current(case, plan, now)
    _after_change(case, actor, changed, before, saved=[])
    return last


@transaction.atomic
def custody_episode_correct(
    *,
    actor,
    episode: CustodyEpisode,
    expected_version: int | None = None,
    **changes,
) -> CustodyEpisode:
    """Correct an episode recorded wrong: its facility, agency, dates, time, source or notes. The dates
    must keep the history in order (each episode within its neighbours)."""
    allowed = {"facility", "agency", "started_on", "started_time", "ended_on", "source", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Not correctable here: {sorted(unknown)}")
    case = case_write(episode.case_id, actor, "case.work", expected_version=expected_version)
    history = _episodes_of(case)
    target = next((item for item in history if item.pk == episode.pk), None)
    if target is None:
        raise ValidationError(_("This custody record is not part of the case."))
    for name, value in changes.items():
        setattr(target, name, value if value is not None or name not in ("agency", "notes") else "")
    errors: dict[str, list] = {}
    index = history.index(target)
    today = local_today(case)
    _validate_day(errors, "started_on", target.started_on, today)
    _validate_day(errors, "ended_on", target.ended_on, today)
    if target.started_on and target.ended_on and target.ended_on < target.started_on:
        errors.setdefault("ended_on", []).append(_("The end cannot be before the start."))
    previous = history[index - 1] if index else None
    following = history[index + 1] if index + 1 < len(history) else None
    if previous and previous.ended_on and target.started_on and target.started_on < previous.ended_on:
        errors.setdefault("started_on", []).append(
            _("The start cannot be before the previous episode ended.")
        )
    if following and target.ended_on is None:
        errors.setdefault("ended_on", []).append(_("Only the latest episode can be open."))
    if following and following.started_on and target.ended_on and target.ended_on > following.started_on:
        errors.setdefault("ended_on", []).append(_("The end cannot be after the next episode started."))
    if not isinstance(target.facility, DetentionFacility):
        errors["facility"] = [_("Choose the facility where the person is held.")]
    if target.agency and target.agency not in ArrestingAgency.values:
        errors["agency"] = [_("Choose the agency holding the person.")]
    if target.source not in CustodySource.values:
        errors["source"] = [_("Say where this information comes from.")]
    if errors:
        raise ValidationError(errors)
    if target.ended_on is None:
        target.ended_by = ""
    elif not target.ended_by:
        target.ended_by = EpisodeEnd.MOVED if following else EpisodeEnd.RELEASED
    target.notes = (target.notes or "").strip()
    before = {name: _shown(case, name) for name in CURRENT}
    if target.pk is None:
        target.save(force_insert=True)
    else:
        target.save()
    for item in history:
        if item.pk is None:
            item.save(force_insert=True)
    changed = _set_current(case, Plan(episodes=history), timezone.now())
    _after_change(case, actor, changed, before, saved=[])
    return target


@transaction.atomic
def custody_verify(*, actor, case: Case, expected_version: int | None = None) -> Case:
    """Staff checked that the person is still held where the case says (or released as it says)."""
    case = case_write(case, actor, "case.work", expected_version=expected_version)
    if not case.in_custody:
        raise ValidationError(_("The case does not show the person in custody."), code="not_in_custody")
    case.custody_verified_at = timezone.now()
    events.custody_verified(case, actor)
    _after_change(case, actor, [], {}, saved=[])
    return case
