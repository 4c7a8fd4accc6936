"""``network_load``'s part for the state child-welfare agencies (``consulates/data/child_welfare_agencies.csv``):
Texas DFPS, Oklahoma Human Services' Child Welfare Services and New Mexico's CYFD, loaded as partner
organisations of the kind ``child_welfare`` with their sources. Facts the file does not give (a phone, an
address) stay empty. The consulates an agency works with are those whose district has counties in its
state. A row an administrator edited (``curated``) is never touched."""

from __future__ import annotations

import csv
from pathlib import Path

from consulates.models import County, Partner

FILE = "child_welfare_agencies.csv"


def child_welfare_agencies_load(data_dir: Path, report, upsert) -> None:
    path = data_dir / FILE
    if not path.exists():
        return
    by_state: dict[str, set[int]] = {}
    for state, consulate_id in County.objects.values_list("state", "consulate_id").distinct():
        by_state.setdefault(state, set()).add(consulate_id)
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            values = {
                "kind": row["kind"],
                "state": row["state"],
                "website": row["website"],
                "services": [s for s in row["services"].split(";") if s],
                "source": f"basis: {row['basis']}\n{row['source']}\nnotes: {row['notes']}".strip(),
            }
            partner = upsert(Partner, report, {"name": row["name"]}, values)
            if partner.curated:
                continue
            wanted = by_state.get(row["state"], set())
            if set(partner.consulates.values_list("pk", flat=True)) != wanted:
                partner.consulates.set(sorted(wanted))
