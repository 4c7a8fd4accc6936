"""Existing hearings keep their instant (``starts_at`` is not touched); a hearing whose place, as typed,
is the name of a loaded court (spaces and capitals aside) is linked to that court, so its time is shown
and reminded on the court's clock from now on."""

from django.db import migrations


def link(apps, schema_editor):
    Hearing = apps.get_model("cases", "Hearing")
    ImmigrationCourt = apps.get_model("consulates", "ImmigrationCourt")
    courts = {name.strip().casefold(): pk for pk, name in ImmigrationCourt.objects.values_list("pk", "name")}
    if not courts:
        return
    for pk, location in Hearing.objects.filter(court__isnull=True).values_list("pk", "location").iterator():
        court_id = courts.get((location or "").strip().casefold())
        if court_id is not None:
            Hearing.objects.filter(pk=pk).update(court_id=court_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_hearing_court_person_county"),
        ("consulates", "0006_county_zones_filled"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
