import time

from django.core.management.base import BaseCommand, CommandParser

from stadtlotse.connectors import imap


class Command(BaseCommand):
    help = "Fetch departments' replies from the IMAP mailbox in STADTLOTSE_CONNECTOR_IMAP_URL and apply them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep polling")
        parser.add_argument("--interval", type=int, default=60, help="seconds between rounds with --loop")

    def handle(self, *args: object, loop: bool, interval: int, **options: object) -> None:
        while True:
            try:
                results = imap.poll()
                self.stdout.write(f"{len(results)} message(s): " + ", ".join(outcome for outcome, _r in results))
            except (OSError, imap.imaplib.IMAP4.error) as exc:
                if not loop:
                    raise
                self.stderr.write(f"IMAP poll failed: {exc}")
            if not loop:
                return
            time.sleep(interval)
