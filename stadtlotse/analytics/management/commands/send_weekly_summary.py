from django.core.management.base import BaseCommand

from stadtlotse.analytics import summary


class Command(BaseCommand):
    help = "E-mail each department lead the weekly summary of their department (backlog, overdue, trend)."

    def handle(self, *args, **options):
        sent = summary.send_weekly_summary()
        self.stdout.write(f"Sent {sent} weekly summary e-mail(s).")
