"""The digest escalates thousands of overdue tickets while the server keeps writing (SQLite: no
"database is locked"). Each escalation is its own short transaction, and no read cursor stays open
across them, since a stale SQLite snapshot cannot take the write lock once another process committed."""

import datetime as dt
import unittest

from django.db import connection
from django.test import TransactionTestCase, override_settings

from stadtlotse.notifications import digest
from stadtlotse.routing import areas
from stadtlotse.testing.cases import build_world, report
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.sqlite_writer import OtherWriter
from stadtlotse.tickets.models import Event, Ticket

# More than one database fetch (Django reads 100 rows at a time, a chunked iterator 500).
TICKETS = 520


class DigestWhileOthersWriteTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "sqlite":
            raise unittest.SkipTest("the lock problem is SQLite's; PostgreSQL has row locks")
        build_world(self)
        self.addCleanup(areas.reset)
        for i in range(TICKETS):
            report(description=f"Sperrmüll Nummer {i}")

    def test_digest_escalates_every_overdue_ticket_while_another_process_commits(self):
        later = max(Ticket.objects.values_list("due_at", flat=True)) + dt.timedelta(days=1)
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            with OtherWriter(connection.settings_dict["NAME"]) as writer, writer.before_each_write():
                sent = digest.send_digest(now=later)
        self.assertGreater(writer.commits, 1)
        self.assertGreaterEqual(sent, 1)
        self.assertEqual(Ticket.objects.filter(escalated_at__isnull=True).count(), 0)
        self.assertEqual(Event.objects.filter(kind=Event.Kind.ESCALATED).count(), TICKETS)
