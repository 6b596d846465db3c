import time

from django.core.management.base import BaseCommand, CommandParser

from stadtlotse.catalog.models import Department
from stadtlotse.connectors import open311_client
from stadtlotse.connectors.errors import DeliveryError


class Command(BaseCommand):
    help = "Pull status updates from the Open311 back ends of departments with the Open311 connector."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep polling")
        parser.add_argument("--interval", type=int, default=300, help="seconds between rounds with --loop")

    def handle(self, *args: object, loop: bool, interval: int, **options: object) -> None:
        while True:
            departments = Department.objects.filter(connector=Department.Connector.OPEN311, is_active=True)
            for department in departments.order_by("name"):
                try:
                    counts = open311_client.poll(department)
                except DeliveryError as exc:  # unreachable, or an answer that makes no sense
                    self.stderr.write(f"{department.slug}: {exc}")
                    continue
                self.stdout.write(f"{department.slug}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            if not loop:
                return
            time.sleep(interval)
