"""Give jobs back to the queue that a killed worker left marked as running (see core/jobs.requeue_stale)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from stadtlotse.core import jobs


class Command(BaseCommand):
    help = ("Requeue jobs marked as running that started more than --older-than-minutes ago. With one worker, "
            "run it before the worker starts (0 minutes); with several, use more than the longest job takes.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=0)

    def handle(self, *args, older_than_minutes, **options):
        count = jobs.requeue_stale(started_before=timezone.now() - timedelta(minutes=older_than_minutes))
        self.stdout.write(f"Requeued {count} job(s).")
