from django.core.management.base import BaseCommand

from stadtlotse.intake import confirmation


class Command(BaseCommand):
    help = "Delete web reports whose sender did not confirm them within STADTLOTSE_CONFIRM_EXPIRY_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="delete; without it only count (dry run)")

    def handle(self, *args, commit=False, **options):
        count = confirmation.expire(commit=commit)
        if commit:
            self.stdout.write(f"Deleted {count} unconfirmed report(s).")
        else:
            self.stdout.write(f"{count} unconfirmed report(s) would be deleted; run with --commit to delete them.")
