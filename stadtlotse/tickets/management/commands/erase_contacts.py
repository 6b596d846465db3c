from django.conf import settings
from django.core.management.base import BaseCommand

from stadtlotse.tickets import privacy


class Command(BaseCommand):
    help = ("Erase name, e-mail and phone of reporters whose tickets were closed more than "
            "CONTACT_RETENTION_DAYS ago. Dry run unless --commit. The server also does this daily.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="days after closing (default: the STADTLOTSE_CONTACT_RETENTION_DAYS setting)")
        parser.add_argument("--commit", action="store_true", help="really erase (default: only count)")

    def handle(self, *args, days, commit, **options):
        days = settings.STADTLOTSE["CONTACT_RETENTION_DAYS"] if days is None else days
        count = privacy.erase_expired_contacts(days=days, commit=commit)
        if commit:
            self.stdout.write(f"Erased the contact data of {count} ticket(s) closed more than {days} days ago.")
        else:
            self.stdout.write(f"Would erase the contact data of {count} ticket(s) closed more than {days} days ago. "
                              "Run with --commit to erase.")
