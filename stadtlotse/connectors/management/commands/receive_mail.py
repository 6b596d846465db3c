"""MTA pipe: `| stadtlotse receive_mail` reads one RFC 822 message from standard input and applies it.

Exit status 0 when the message was handled (applied, ignored or bounced, see the log); 75
(EX_TEMPFAIL) when it could not be processed now, so the MTA keeps it and tries again.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError

from stadtlotse.connectors import mail_in

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read one e-mail (RFC 822) from standard input: a department's reply to a forwarded ticket."

    def handle(self, *args: object, **options: object) -> None:
        # One byte more than the limit is enough to know the message is too large.
        raw = sys.stdin.buffer.read(settings.STADTLOTSE["CONNECTOR_MAX_MAIL_BYTES"] + 1)
        try:
            result = mail_in.handle_message(raw)
        except (DatabaseError, OSError) as exc:  # database down, disk full: the MTA must keep the mail
            self.stderr.write(f"temporary failure: {type(exc).__name__}: {exc}")
            sys.exit(EX_TEMPFAIL)
        ticket = result.ticket.public_id if result.ticket else "-"
        self.stdout.write(f"{result.outcome} {ticket} {result.reason}".rstrip())
