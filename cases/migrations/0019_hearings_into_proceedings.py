"""Every case's existing hearings go into ONE "removal proceedings" proceeding per case (decision 0024).

- The proceeding's court: the immigration court most of its hearings were at (the latest on a tie);
  none when no hearing names an immigration court (a federal court of a criminal hearing is not one).
- Pending, unless every hearing is over (none scheduled) and the latest held one's outcome, as staff
  typed it, names a decision in words this maps to a decision (``OUTCOME_WORDS``): then decided, with
  the day of that hearing on its clock as the decision date. The words typed stay on the hearing; a
  decision the words do not name stays pending for an officer to record (no BIA deadline is invented).
- Started on stays empty (when the notice to appear was filed is not known); hearings keep everything else.
"""

import zoneinfo
from collections import Counter

from django.db import migrations

IMMIGRATION_KINDS = ("immigration_court", "immigration_adjudication_center", "hearing_location")

# (decision, words in the outcome as typed, lower case and without accents), the most specific first.
OUTCOME_WORDS = (
    ("ordered_in_absence", ("in absentia", "en ausencia", "in absence")),
    ("voluntary_departure_granted", ("salida voluntaria", "voluntary departure")),
    ("terminated", ("terminad", "sobresei", "dismiss", "terminat", "desechad")),
    ("relief_granted", ("asilo concedido", "relief granted", "cancelacion concedida", "alivio concedido")),
    ("removal_ordered", ("orden de deportacion", "deportacion ordenada", "removal ordered", "ordered removed", "orden de remocion")),
)
_ACCENTS = str.maketrans("áéíóúüñ", "aeiouun")


def outcome_of(text: str) -> str:
    words = (text or "").lower().translate(_ACCENTS)
    for outcome, needles in OUTCOME_WORDS:
        if any(needle in words for needle in needles):
            return outcome
    return ""


def gather(apps, schema_editor):
    Hearing = apps.get_model("cases", "Hearing")
    Proceeding = apps.get_model("cases", "Proceeding")
    ImmigrationCourt = apps.get_model("consulates", "ImmigrationCourt")
    Case = apps.get_model("cases", "Case")
    court_zone = {
        pk: (zone, kind in IMMIGRATION_KINDS)
        for pk, zone, kind in ImmigrationCourt.objects.values_list("pk", "timezone", "kind")
    }
    case_ids = (
        Hearing.objects.filter(proceeding__isnull=True).order_by("case_id").values_list("case_id", flat=True).distinct()
    )
    case_ids = list(case_ids)
    zones = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "consulate__timezone"))
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        rows = Hearing.objects.filter(case_id__in=chunk, proceeding__isnull=True).order_by("case_id", "starts_at", "pk")
        by_case: dict[int, list] = {}
        for row in rows.values("pk", "case_id", "starts_at", "court_id", "status", "outcome"):
            by_case.setdefault(row["case_id"], []).append(row)
        for case_id, hearings in by_case.items():
            courts = Counter(h["court_id"] for h in hearings if h["court_id"] and court_zone[h["court_id"]][1])
            court_id = None
            if courts:
                top = max(courts.values())
                court_id = [h["court_id"] for h in hearings if courts.get(h["court_id"]) == top][-1]

            def day(hearing):
                zone = court_zone[hearing["court_id"]][0] if hearing["court_id"] else zones[case_id]
                return hearing["starts_at"].astimezone(zoneinfo.ZoneInfo(zone)).date()

            status, outcome, decided_on = "pending", "", None
            if not any(h["status"] == "scheduled" for h in hearings):
                held = [h for h in hearings if h["status"] == "held"]
                if held and outcome_of(held[-1]["outcome"]):
                    status, outcome, decided_on = "decided", outcome_of(held[-1]["outcome"]), day(held[-1])
            proceeding = Proceeding.objects.create(
                case_id=case_id,
                kind="removal",
                status=status,
                outcome=outcome,
                decided_on=decided_on,
                court_id=court_id,
            )
            Hearing.objects.filter(pk__in=[h["pk"] for h in hearings]).update(proceeding=proceeding)


def scatter(apps, schema_editor):
    """Back: the hearings leave their proceedings; the proceedings stay (they may hold later work)."""
    apps.get_model("cases", "Hearing").objects.update(proceeding=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_proceedings")]

    operations = [migrations.RunPython(gather, scatter)]
