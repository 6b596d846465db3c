from django.core.management.base import BaseCommand

from stadtlotse.analytics import aggregates


class Command(BaseCommand):
    help = "Rebuild the daily analytics figures for the days whose tickets changed since the last run."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every day, not only the changed ones")

    def handle(self, *args, full, **options):
        def progress(done, total, day):
            end = "\n" if done == total else ""
            self.stderr.write(f"\rdays: {done:,}/{total:,} ({day:%Y-%m-%d})   {end}", ending="")
            self.stderr.flush()

        days, rows = aggregates.refresh(full=full, progress=progress if options["verbosity"] else None)
        self.stdout.write(f"Rebuilt {days} day(s), {rows} row(s) of daily figures.")
