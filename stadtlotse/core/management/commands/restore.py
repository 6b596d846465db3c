"""Replace the database and the media directory with a backup archive; a dry run unless --commit."""

from django.core.management.base import BaseCommand, CommandError

from stadtlotse.core import backup


class Command(BaseCommand):
    help = ("Check a backup archive and, with --commit, replace this installation's database and photos with it. "
            "Stop the web server and the worker first.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A .tar.gz written by `stadtlotse backup`.")
        parser.add_argument("--commit", action="store_true",
                            help="Really replace the data; without it the archive is only checked.")

    def handle(self, *args, archive, commit, **options):
        try:
            manifest = backup.restore(archive, commit=commit, progress=self.stdout.write)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        if not commit:
            self.stdout.write(self.style.WARNING(
                f"Dry run: the archive is sound ({manifest['tickets']} tickets). Nothing was changed; "
                "run again with --commit to restore it."))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Restore complete. Run `stadtlotse migrate` if the backup comes from an older version."))
