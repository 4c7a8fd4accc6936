import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.models import Case, Person
from consulates.models import Consulate
from devtools.demo.children import children_seed
from devtools.demo.crossoffice import crossoffice_seed
from devtools.demo.custody import custody_seed
from devtools.demo.duplicates import duplicates_seed
from devtools.demo.family import family_seed
from devtools.demo.handover import handover_seed
from devtools.demo.incidents import incidents_seed
from devtools.demo.inquiries import inquiries_seed
from devtools.demo.proceedings import proceedings_seed
from devtools.demo.reminders import reminders_seed
from devtools.demo.seed import Seeder
from devtools.demo.totp import demo_login_lines
from devtools.demo.users import demo_users_create
from devtools.demo.visits import visits_seed
from devtools.demo.zones import panhandle_seed


class Command(BaseCommand):
    help = "Create demo users and fictional persons and cases across the whole network."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=600, help="number of cases (and persons) to create")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when persons or cases exist")
        parser.add_argument("--force", action="store_true", help="allow running with DEBUG off")
        parser.add_argument("--batch", type=int, default=20_000, help="rows per COPY batch")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")

    def handle(self, *args, cases, if_empty, force, batch, seed, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to write demo data with DEBUG off (a production setup). Use --force."
            )
        if not Consulate.objects.exists():
            raise CommandError("Load the network first: manage.py load_network")
        officers = demo_users_create()
        if if_empty and (Person.objects.exists() or Case.objects.exists()):
            self.stdout.write("Demo data already present; nothing seeded.")
            self._print_logins()
            return

        def progress(done, rows, elapsed):
            rate = rows / elapsed if elapsed else 0
            self.stdout.write(
                f"  {done:>9,} cases · {rows:>10,} rows · {elapsed:7.1f} s · {rate:9,.0f} rows/s"
            )

        last_before = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = Seeder(seed=seed, officers=officers).seed(cases=cases, batch=batch, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.persons:,} persons and {result.cases:,} cases ({result.rows:,} rows) in "
                f"{result.seconds:.1f} s: {result.rows_per_second:,.0f} rows/s, "
                f"{result.cases / result.seconds if result.seconds else 0:,.0f} cases/s."
            )
        )
        started = time.perf_counter()
        # Transfers, referrals, hand-offs and the like, through the services, on the cases just seeded.
        crossoffice = crossoffice_seed(seed=seed, cases=Case.objects.filter(pk__gt=last_before))
        self.stdout.write(
            self.style.SUCCESS(
                f"Cross-office demo data in {time.perf_counter() - started:.1f} s: {crossoffice.summary()}."
            )
        )
        started = time.perf_counter()
        reminders = reminders_seed(cases=Case.objects.filter(pk__gt=last_before))
        self.stdout.write(
            self.style.SUCCESS(f"Reminders in {time.perf_counter() - started:.1f} s: {reminders.summary()}.")
        )
        # Issue 19: an obvious possible duplicate at Dallas, so the review queue is not empty.
        self.stdout.write(self.style.SUCCESS(f"Possible duplicates: {duplicates_seed()}."))
        self.stdout.write(self.style.SUCCESS(f"Inquiries: {inquiries_seed()} open at the demo consulates."))
        # Issue 20: a Panhandle case of Albuquerque (Mountain) with a hearing on Central time in Lubbock.
        self.stdout.write(self.style.SUCCESS(f"Panhandle case: {panhandle_seed()}."))
        # Issue 20: a case handed over to a consulate outside the network (moved by ICE to Georgia).
        self.stdout.write(self.style.SUCCESS(f"Hand-over: {handover_seed()}."))
        # Issue 20: custody histories, a move to another district and one out of state (demo facility).
        self.stdout.write(self.style.SUCCESS(f"Custody histories: {custody_seed()}."))
        # Decision 0024: legal proceedings (removal with hearings, a BIA deadline, voluntary departure, habeas).
        seeded = Case.objects.filter(pk__gt=last_before)
        self.stdout.write(self.style.SUCCESS(f"Legal proceedings: {proceedings_seed(cases=seeded)}."))
        # Decision 0026: a facility visit planned at Prairieland with Dallas nationals held there.
        self.stdout.write(self.style.SUCCESS(f"Facility visits: {visits_seed()}."))
        # Issue 21: a detained father linked to his two children in DFPS care and their mother in Mexico.
        self.stdout.write(self.style.SUCCESS(f"Families: {family_seed()}."))
        # Decision 0028: a closed critical incident, for the incidents report.
        self.stdout.write(self.style.SUCCESS(f"Critical incidents: {incidents_seed(cases=seeded)}."))
        # Decision 0029: two siblings in DFPS care, an unaccompanied girl received by the DIF.
        self.stdout.write(self.style.SUCCESS(f"Children: {children_seed()}."))
        self._print_logins()

    def _print_logins(self):
        for line in demo_login_lines():
            self.stdout.write(line)
