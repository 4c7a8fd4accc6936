"""What the review and merge pages read: the queue, and each record as the side-by-side shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet

from cases.matching import reason_text
from cases.models import DuplicateReview, Person, PersonAlias
from cases.models.case import Status
from cases.selectors import person_search_filter
from consulates.policy import scope

OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE)
PICK_LIMIT = 20  # candidates offered when picking the other record by search


def open_reviews(user) -> QuerySet:
    """The open possible duplicates the user may see, most likely first, then newest."""
    return (
        DuplicateReview.objects.visible_to(user)
        .open()
        .select_related("person", "candidate", "requesting_consulate")
        .order_by("-score", "-created_at", "-pk")
    )


def mask(value: str | None) -> str:
    """An identifier with all but its last three characters hidden."""
    if not value:
        return ""
    return "•" * max(len(value) - 3, 0) + value[-3:]


@dataclass
class Side:
    """One record as the side-by-side shows it."""

    person: Person
    aliases: list[str] = field(default_factory=list)
    open_cases: int = 0
    visible: bool = True  # whether the user sees it outside this page (otherwise the read is logged)

    @property
    def curp(self) -> str:
        return mask(self.person.curp)

    @property
    def a_number(self) -> str:
        return mask(self.person.a_number)

    @property
    def version(self) -> str:
        return self.person.updated_at.isoformat()


def sides(user, *pks: int) -> list[Side]:
    """The records ``pks`` (in that order) with their other names and open cases, in three queries."""
    persons = (
        Person.objects.filter(pk__in=pks)
        .select_related("registered_by")
        .prefetch_related(Prefetch("aliases", queryset=PersonAlias.objects.order_by("pk")))
        .annotate(open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)))
    )
    by_pk = {person.pk: person for person in persons}
    visible = set(Person.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))
    return [
        Side(
            person=by_pk[pk],
            aliases=[str(alias) for alias in by_pk[pk].aliases.all()],
            open_cases=by_pk[pk].open_cases,
            visible=pk in visible,
        )
        for pk in pks
        if pk in by_pk
    ]


def mergeable_with(user, person: Person, term: str) -> list[Person]:
    """The records the user could merge ``person`` with, found by ``term`` (name, CURP or A-number)."""
    if not term.strip():
        return []
    rows = (
        Person.objects.visible_to(user)
        .filter(scope(user, Person, "work"))
        .filter(person_search_filter(term), anonymised_at__isnull=True)
        .exclude(pk=person.pk)
        .select_related("registered_by")
        .order_by("paternal_surname", "maternal_surname", "given_names", "pk")
    )
    return list(rows[:PICK_LIMIT])


def merge_summary(snapshot: dict) -> dict:
    """What a merge moved and copied, in words: [(what, how many)] and the copied fields' labels."""
    moved = []
    for item in snapshot.get("moved", []):
        model = apps.get_model(item["model"])
        label = model._meta.verbose_name if len(item["ids"]) == 1 else model._meta.verbose_name_plural
        moved.append((str(label), len(item["ids"])))
    if snapshot.get("aliases_moved"):
        moved.append((str(PersonAlias._meta.verbose_name_plural), len(snapshot["aliases_moved"])))
    copied = [str(Person._meta.get_field(name).verbose_name) for name in snapshot.get("copied", {})]
    return {"moved": moved, "copied": copied, "alias_created": bool(snapshot.get("alias_created"))}


def reason_words(codes) -> list[str]:
    """The matcher's reason codes in the user's language."""
    return [reason_text(code) for code in codes or []]
