"""Write the database and the media directory into one checked archive (see core/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stadtlotse.core import backup


class Command(BaseCommand):
    help = "Back up the database and the photos into one .tar.gz archive with a manifest and checksums."

    def add_arguments(self, parser):
        parser.add_argument(
            "output", nargs="?",
            help="Archive to write (default: $STADTLOTSE_DATA_DIR/backups/stadtlotse-<time>.tar.gz).",
        )

    def handle(self, *args, output, **options):
        if not output:
            output = Path(settings.DATA_DIR) / "backups" / f"stadtlotse-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            backup.create(output, progress=self.stdout.write)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
