"""Measure the matcher (``cases.matching``): quality on a labelled synthetic set, and speed at import scale.

Quality: the set of ``devtools.matching_set`` (persons on record in families and among namesakes; true
duplicates of them written the ways lists and callers write names; distinct persons who share their names) is
loaded into the database inside a transaction that is rolled back at the end (nothing stays), every probe is
matched against the loaded persons only, and the confusion table is printed beside the targets: 0 wrong
automatic links; at least 98 % of true duplicates linked or sent to review with the right candidate first; at
most 10 % of distinct persons sent to review.

Speed: ``--speed N`` queries (half variations of persons on record, half new persons) matched with one
``match_many`` call against every person in the database (seed 100,000 first:
``manage.py seed_demo --cases 100000 --force``); the time and rows per second are printed.

Exit status 1 when a quality target is missed (``--no-check``: always 0).
"""

# Synthetic data from a seeded generator, not secrets: the standard random module is what is wanted.
# ruff: noqa: S311

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import replace

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.matching import MatchQuery, match_many
from cases.models import Person
from consulates.models import Consulate
from devtools.matching_set import Probe, Record, build
from devtools.matching_variations import a_number_as_written, vary

WRONG_LINKS_GOAL = 0
FOUND_GOAL = 0.98
DISTINCT_REVIEW_GOAL = 0.10
SPEED_GOAL_S = 60.0


def as_query(record: Record) -> MatchQuery:
    return MatchQuery(
        given_names=record.given_names,
        paternal_surname=record.paternal_surname,
        maternal_surname=record.maternal_surname,
        date_of_birth=record.date_of_birth,
        sex=record.sex,
        state_of_birth=record.state_of_birth,
        curp=record.curp,
        a_number=record.a_number,
    )


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Matcher quality on a labelled synthetic set (confusion table) and match_many speed."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=19)
        parser.add_argument("--duplicates", type=int, default=2400, help="true duplicate pairs")
        parser.add_argument("--distinct", type=int, default=2400, help="distinct persons sharing names")
        parser.add_argument(
            "--singles", type=int, default=6000, help="unrelated persons on record besides families"
        )
        parser.add_argument("--speed", type=int, default=10_000, help="queries for the speed run (0: none)")
        parser.add_argument("--no-quality", action="store_true")
        parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
        parser.add_argument("--no-check", action="store_true")

    def handle(
        self, *args, seed, duplicates, distinct, singles, speed, no_quality, show, no_check, **options
    ):
        ok = True
        if not no_quality:
            ok = self.quality(seed=seed, duplicates=duplicates, distinct=distinct, singles=singles, show=show)
        if speed:
            self.speed(speed, seed)
        if not ok and not no_check:
            raise SystemExit(1)

    # Quality ------------------------------------------------------------------------------------------

    def quality(self, *, seed, duplicates, distinct, singles, show) -> bool:
        started = time.perf_counter()
        self.seed = seed
        data = build(seed=seed, duplicates=duplicates, distinct=distinct, singles=singles)
        try:
            with transaction.atomic():
                ok = self._measure(data, show, started)
                raise Rollback
        except Rollback:
            pass
        return ok

    def _load(self, stored: list[Record]) -> list[int]:
        """The persons on record, after those already in the database; an identifier someone there holds
        already (the demo data's) is left out."""
        consulate = Consulate.objects.order_by("pk").first()
        curp_field, a_field = Person._meta.get_field("curp_bidx"), Person._meta.get_field("a_number_bidx")
        taken_curps = set(
            Person.objects.filter(
                curp_bidx__in=[curp_field.index_of(r.curp) for r in stored if r.curp]
            ).values_list("curp_bidx", flat=True)
        )
        taken_a = set(
            Person.objects.filter(
                a_number_bidx__in=[a_field.index_of(r.a_number) for r in stored if r.a_number]
            ).values_list("a_number_bidx", flat=True)
        )
        stored = [
            replace(
                r,
                curp="" if r.curp and curp_field.index_of(r.curp) in taken_curps else r.curp,
                a_number="" if r.a_number and a_field.index_of(r.a_number) in taken_a else r.a_number,
            )
            for r in stored
        ]
        persons = [
            Person(
                given_names=r.given_names,
                paternal_surname=r.paternal_surname,
                maternal_surname=r.maternal_surname,
                date_of_birth=r.date_of_birth,
                sex=r.sex,
                state_of_birth=r.state_of_birth,
                a_number=r.a_number or None,
                curp=r.curp or None,
                registered_by=consulate,
            )
            for r in stored
        ]
        created = Person.objects.bulk_create(persons, batch_size=2000)
        return [p.pk for p in created]

    def _measure(self, data, show: int, started: float) -> bool:
        pks = self._load(data.stored)
        among = Person.objects.filter(pk__gte=min(pks))
        loaded = time.perf_counter()
        probes: list[Probe] = data.duplicates + data.distinct
        results = match_many([as_query(p.record) for p in probes], among=among)
        matched = time.perf_counter()
        dup, dis = Counter(), Counter()
        misses: dict[str, list] = {}
        miss_kinds = Counter()
        for probe, result in zip(probes, results, strict=True):
            first = result.candidates[0].person_id if result.candidates else None
            if probe.expected is not None:
                right = pks[probe.expected]
                if result.decision == "linked":
                    outcome = "linked right" if first == right else "linked WRONG"
                elif result.decision == "review":
                    outcome = "review, right first" if first == right else "review, other first"
                else:
                    outcome = "new"
                dup[outcome] += 1
                if outcome not in ("linked right", "review, right first"):
                    for kind in probe.kind.split("+"):
                        miss_kinds[kind] += 1
                    misses.setdefault(outcome, []).append((probe, result, data.stored[probe.expected]))
            else:
                outcome = {"linked": "linked WRONG", "review": "review"}.get(result.decision, "new")
                dis[outcome] += 1
                if outcome != "new":
                    misses.setdefault(f"distinct {outcome}", []).append((probe, result, None))
        n_dup, n_dis = len(data.duplicates), len(data.distinct)
        wrong = dup["linked WRONG"] + dis["linked WRONG"]
        found = (dup["linked right"] + dup["review, right first"]) / n_dup
        review_share = dis["review"] / n_dis
        out = self.stdout.write
        out(
            f"Matching quality: {len(data.stored)} persons on record, {n_dup} true duplicates, {n_dis} distinct"
        )
        out(
            f"persons sharing names (seed {self.seed_text(data)}); loaded in {loaded - started:.1f} s, "
            f"{len(probes)} probes matched in {matched - loaded:.1f} s"
        )
        out("")
        out(f"{'True duplicates':<34}{'count':>7}{'share':>9}")
        for label in ("linked right", "linked WRONG", "review, right first", "review, other first", "new"):
            out(f"  {label:<32}{dup[label]:>7}{dup[label] / n_dup:>9.1%}")
        out(f"{'Distinct persons':<34}{'count':>7}{'share':>9}")
        for label in ("linked WRONG", "review", "new"):
            out(f"  {label:<32}{dis[label]:>7}{dis[label] / n_dis:>9.1%}")
        out("")
        checks = [
            ("wrong automatic links", f"{wrong}", f"= {WRONG_LINKS_GOAL}", wrong <= WRONG_LINKS_GOAL),
            ("duplicates linked or right first", f"{found:.1%}", f">= {FOUND_GOAL:.0%}", found >= FOUND_GOAL),
            ("distinct sent to review", f"{review_share:.1%}", f"<= {DISTINCT_REVIEW_GOAL:.0%}",
             review_share <= DISTINCT_REVIEW_GOAL),
        ]  # fmt: skip
        for label, value, goal, passed in checks:
            out(f"{label:<34}{value:>8}   goal {goal:<8} {'OK' if passed else 'MISSED'}")
        if miss_kinds:
            out(
                "Variations among the duplicates missed: "
                + ", ".join(f"{k} {n}" for k, n in miss_kinds.most_common())
            )
        if show:
            self._show(misses, show)
        return all(passed for *_rest, passed in checks)

    def seed_text(self, data) -> str:
        return str(self.seed)

    def _show(self, misses, show: int) -> None:
        for outcome, rows in misses.items():
            self.stdout.write(f"\n-- {outcome} ({len(rows)})")
            for probe, result, truth in rows[:show]:
                self.stdout.write(f"  probe [{probe.kind}] {probe.record}")
                if truth is not None:
                    self.stdout.write(f"    truth {truth}")
                for c in result.candidates[:3]:
                    person = Person.objects.get(pk=c.person_id)
                    self.stdout.write(
                        f"    cand {c.score:.2f} {','.join(c.reasons)}: {person.full_name} {person.date_of_birth}"
                    )

    # Speed --------------------------------------------------------------------------------------------

    def speed(self, count: int, seed: int) -> None:
        rng = random.Random(seed)
        total = Person.objects.count()
        rows = list(
            Person.objects.order_by("?").values_list(
                "given_names", "paternal_surname", "maternal_surname", "date_of_birth", "sex", "a_number"
            )[: count // 2]
        )
        queries = []
        for given, paternal, maternal, dob, sex, a_number in rows:
            record = Record(given, paternal, maternal, dob, sex, a_number=a_number or "")
            varied, _kinds = vary(rng, record)
            if a_number and rng.random() < 0.5:
                varied = Record(**{**varied.__dict__, "a_number": a_number_as_written(rng, a_number)})
            queries.append(as_query(varied))
        new = build(seed=seed + 1, duplicates=0, distinct=0, singles=count - len(queries))
        queries += [as_query(r) for r in new.stored[: count - len(queries)]]
        rng.shuffle(queries)
        started = time.perf_counter()
        results = match_many(queries, among=Person.objects.all())
        elapsed = time.perf_counter() - started
        decisions = Counter(r.decision for r in results)
        self.stdout.write("")
        self.stdout.write(
            f"Speed: match_many of {len(queries)} queries against {total} persons: {elapsed:.1f} s "
            f"({len(queries) / elapsed:.0f} rows/s; goal: the whole 10,000-row import within {SPEED_GOAL_S:.0f} s); "
            f"decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
        )
