"""``network_load``'s part for the Mexican consulates in the US: ``consulates/data/us_mexican_consulates.csv``.

Each of the 53 rows is loaded with its basis, sources and notes, by city and state. Where the file's name
carries the sources' doubt, "(title of post not confirmed)", the name is loaded without it and
``title_confirmed`` is unticked (the doubt is not written into a name staff read in Spanish). ``kind`` is set only where the
file gives one. The 13 rows of this network are linked to their ``Consulate`` by the file's
``network_id``. Staff edits (``curated``) are never touched."""

from __future__ import annotations

import csv
from pathlib import Path

from consulates.models import Consulate
from consulates.us_consulates import ConsularPost

FILE = "us_mexican_consulates.csv"
UNCONFIRMED = "(title of post not confirmed)"


def post_values(row: dict, consulates: dict[str, Consulate]) -> dict:
    in_network = row["in_tx_ok_nm_network"].strip().lower() == "yes"
    name = row["name_es"].strip()
    return {
        "name": name.removesuffix(UNCONFIRMED).strip(),
        "title_confirmed": not name.endswith(UNCONFIRMED),
        "website": row["website"],
        "kind": row["kind"] if row["kind"] in ConsularPost.Kind.values else "",
        "in_network": in_network,
        "consulate": consulates.get(row["network_id"]) if in_network else None,
        "basis": row["basis"],
        "source": row["source"],
        "notes": row["notes"],
    }


def consular_posts_load(data_dir: Path, report, upsert) -> None:
    consulates = {c.slug: c for c in Consulate.objects.all()}
    with (data_dir / FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            upsert(
                ConsularPost,
                report,
                {"state": row["state"], "city": row["city"]},
                post_values(row, consulates),
            )
