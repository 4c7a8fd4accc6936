"""Counties already loaded get their legal zone from ``consulates/data/county_timezones.csv`` (the same
file ``load_network`` reads), curated counties included: a zone is a new fact, not a staff choice."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "county_timezones.csv"


def fill(apps, schema_editor):
    County = apps.get_model("consulates", "County")
    with DATA.open(encoding="utf-8") as fh:
        rows = {row["county_fips"]: row for row in csv.DictReader(fh)}
    for county in County.objects.filter(timezone="", fips__in=list(rows)).order_by("pk"):
        row = rows[county.fips]
        county.timezone = row["timezone"]
        county.timezone_basis = row["basis"]
        county.timezone_source = row["source"]
        county.timezone_notes = row["notes"]
        county.save(update_fields=["timezone", "timezone_basis", "timezone_source", "timezone_notes"])


class Migration(migrations.Migration):
    dependencies = [("consulates", "0005_place_timezones_and_courts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
