from django.core.management.base import BaseCommand

from consulates.services import network_load


class Command(BaseCommand):
    help = (
        "Load the consular network (consulates, counties, facilities, reception points, courts, the Mexican "
        "consulates in the US). Idempotent."
    )

    def handle(self, *args, **options):
        report = network_load()
        lines = report.lines()
        for line in lines:
            self.stdout.write(line)
        if not any(report.created.values()) and not any(report.updated.values()):
            self.stdout.write("Nothing to change: the database already matches the data files.")
        self.stdout.write(self.style.SUCCESS("Network loaded."))
