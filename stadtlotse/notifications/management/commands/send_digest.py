from django.core.management.base import BaseCommand

from stadtlotse.notifications import digest


class Command(BaseCommand):
    help = "Escalate overdue tickets and e-mail the daily digest to the desk and the department leads."

    def handle(self, *args, **options):
        sent = digest.send_digest()
        self.stdout.write(f"Sent {sent} digest e-mail(s).")
