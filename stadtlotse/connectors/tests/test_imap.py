"""The IMAP poller against a real dovecot: replies are applied, machines and oversized mails ignored, the box emptied."""

import io

from django.core.management import call_command
from django.test import override_settings
from django.conf import settings

from stadtlotse.connectors import imap
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.tickets.models import Event, Ticket

from . import dovecot
from .base import ConnectorTestCase
from .test_mail import fixture, lamp


class ImapTestCase(ConnectorTestCase):
    """A real dovecot with the connector's IMAP mailbox pointed at it, and the real SMTP server for bounces."""

    @classmethod
    def setUpClass(cls):
        dovecot.require()
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.server = dovecot.Dovecot().__enter__()
        self.addCleanup(self.server.__exit__)
        self.smtp = SMTPServer().__enter__()
        self.addCleanup(self.smtp.__exit__)
        overrides = override_settings(**self.smtp.settings(),
                                      STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_IMAP_URL": self.server.url})
        overrides.enable()
        self.addCleanup(overrides.disable)


class ImapPollTests(ImapTestCase):
    def test_poll_applies_replies_ignores_the_rest_and_empties_the_mailbox(self):
        done, asked, oversized = lamp(), lamp(), lamp()
        big = fixture("outlook-erledigt.eml", oversized) + b"\r\n" + b"A" * (30 * 1024 * 1024)
        self.server.deliver(
            fixture("outlook-erledigt.eml", done),
            fixture("outlook-abwesend.eml", asked),
            fixture("gmail-frage.eml", asked),
            big,
        )
        out = io.StringIO()
        with self.assertLogs("stadtlotse.connectors", "WARNING") as logs:
            call_command("poll_imap", stdout=out)
        self.assertEqual(out.getvalue().strip(), "4 message(s): applied, ignored, applied, ignored")
        self.assertTrue(any("bytes, limit" in line for line in logs.output), logs.output)
        done.refresh_from_db()
        self.assertEqual(done.status, Ticket.Status.DONE)
        self.assertTrue(asked.events.filter(kind=Event.Kind.INTERNAL_NOTE, note__contains="4711").exists())
        oversized.refresh_from_db()
        self.assertEqual(oversized.status, Ticket.Status.FORWARDED)
        self.assertEqual(self.server.count(), 0)
        self.assertEqual(self.smtp.messages, [], "nothing bounced")

    def test_a_message_seen_again_changes_nothing(self):
        ticket = lamp()
        raw = fixture("thunderbird-in-bearbeitung.eml", ticket).replace(
            b"Petra Lampe <petra.lampe@berlin.example>", b"licht@stadtlotse.localhost")
        self.server.deliver(raw)
        self.assertEqual(imap.poll(), [("applied", "")])
        self.server.deliver(raw)  # e.g. the delete was lost when the connection broke
        self.assertEqual(imap.poll(), [("duplicate", "already processed")])
        self.assertEqual(ticket.events.filter(status_to=Ticket.Status.IN_PROGRESS).count(), 1)

    def test_wrong_password_is_an_error_and_touches_nothing(self):
        ticket = lamp()
        self.server.deliver(fixture("outlook-erledigt.eml", ticket))
        wrong = imap.Mailbox.from_url(self.server.url.replace(self.server.password, "falsch"))
        with self.assertRaises(imap.imaplib.IMAP4.error):
            imap.poll(wrong)
        self.assertEqual(self.server.count(), 1)

    def test_bad_url_is_refused(self):
        with self.assertRaisesMessage(ValueError, "IMAP URL"):
            imap.Mailbox.from_url("http://example.org/")
