"""Forged replies change nothing: the reply address's secret code, the MTA's DMARC/DKIM verdict, no backscatter.

Through the real paths: `receive_mail` as the MTA pipes it, the IMAP poller against dovecot, bounces
to a real SMTP server.
"""

import time

from django.conf import settings
from django.test import override_settings

from stadtlotse.connectors import imap, mail_in
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import run_jobs
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

from .base import ConnectorTestCase
from .test_imap import ImapTestCase
from .test_mail import LIGHTING, fixture, lamp, pipe

FORGED = """From: Strassenbeleuchtung <licht@stadtlotse.localhost>
To: {to}
Subject: AW: [{ticket}] Neue Meldung
Message-ID: <forged-{n}@evil.example>
Content-Type: text/plain; charset="utf-8"

ERLEDIGT Bitte rufen Sie für Rückfragen 0900-123456 an.
"""
AUTH = "mx.stadtlotse.localhost"


def forged(ticket, to=None, n=1, sender=None, headers=""):
    raw = FORGED.format(to=to or f"antwort+{ticket.public_id}@stadtlotse.localhost", ticket=ticket.public_id, n=n)
    if sender:
        raw = raw.replace("Strassenbeleuchtung <licht@stadtlotse.localhost>", sender)
    return (headers + raw).replace("\n", "\r\n").encode()


def with_auth(raw, header):
    return f"Authentication-Results: {header}\r\n".encode() + raw


class MailTestCase(ConnectorTestCase):
    """A forwarded street-light ticket, and the real SMTP server for whatever is sent back."""

    def setUp(self):
        super().setUp()
        self.ticket = lamp()
        self.smtp = SMTPServer().__enter__()
        self.addCleanup(self.smtp.__exit__)
        overrides = override_settings(**self.smtp.settings())
        overrides.enable()
        self.addCleanup(overrides.disable)


class ForgedReplyTests(MailTestCase):

    def assertUntouched(self, ticket=None):  # noqa: N802
        ticket = ticket or self.ticket
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertFalse(ticket.events.filter(note__contains="0900").exists())
        run_jobs()
        # The confirmation of the report went out; no status mail and no forged text.
        for mail in self.smtp.to("rita@example.org"):
            self.assertNotIn("erledigt", mail["Subject"])
            self.assertNotIn("0900", mail.as_string())

    def test_department_from_header_without_the_code_changes_nothing(self):
        other = lamp()
        addresses = [
            f"antwort+{self.ticket.public_id}@stadtlotse.localhost",  # the old form, no code
            f"antwort+{self.ticket.public_id}.{'0' * 24}@stadtlotse.localhost",  # a guessed code
            # The code of another ticket the forger may have seen.
            f"antwort+{self.ticket.public_id}.{mail_in.reply_code(other)}@stadtlotse.localhost",
            "antwort@stadtlotse.localhost",  # only the id in the subject
        ]
        for n, to in enumerate(addresses):
            with self.subTest(to), self.assertLogs("stadtlotse.connectors.mail_in", "WARNING"):
                self.assertTrue(pipe(forged(self.ticket, to=to, n=n)).startswith(("refused", "bounced")))
        self.assertUntouched()
        self.assertUntouched(other)
        # The bounces went to the real department, whose address the forger used; without the text.
        bounces = self.smtp.to(LIGHTING)
        self.assertTrue(bounces)
        for bounce in bounces:
            self.assertNotIn("0900", bounce.as_string())
            self.assertNotIn("Neue Meldung", bounce.as_string())

    def test_the_code_belongs_to_the_ticket_and_its_current_department(self):
        code = mail_in.reply_code(self.ticket)
        self.assertTrue(mail_in.code_matches(self.ticket, code))
        self.assertFalse(mail_in.code_matches(self.ticket, code.upper()[:-1] + "x"))
        self.assertFalse(mail_in.code_matches(self.ticket, ""))
        workflow.hand_back(self.ticket, by=self.alice, reason="Falsch zugeordnet.")
        workflow.forward(self.ticket, self.streets, by=self.alice)
        self.assertFalse(mail_in.code_matches(self.ticket, code), "the previous department's address is dead")

    def test_a_rotated_secret_key_keeps_the_codes_sent_before(self):
        code = mail_in.reply_code(self.ticket)
        with override_settings(SECRET_KEY="a-new-secret-key-of-at-least-32-characters!",
                               SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
            self.assertTrue(mail_in.code_matches(self.ticket, code))
            self.assertNotEqual(mail_in.reply_code(self.ticket), code)

    def test_strangers_get_no_bounce_and_bounces_are_rate_limited(self):
        # A forged stranger's address (the victim of backscatter) gets nothing at all.
        for n in range(3):
            with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING"):
                self.assertTrue(pipe(forged(self.ticket, n=n, sender="victim@example.net")).startswith("refused"))
        self.assertEqual(self.smtp.to("victim@example.net"), [])
        # A flood in a department's name: at most CONNECTOR_BOUNCE_RATE bounces to it.
        with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING") as logs:
            outcomes = [pipe(forged(self.ticket, n=10 + n)).split()[0] for n in range(6)]
        self.assertEqual(outcomes, ["bounced"] * 3 + ["refused"] * 3)
        self.assertEqual(len(self.smtp.to(LIGHTING)), 3)
        self.assertIn("bounce rate limit", "\n".join(logs.output))
        self.assertUntouched()

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_BOUNCE_RATE": "100/3600",
                                   "CONNECTOR_BOUNCE_TOTAL_RATE": "2/3600"})
    def test_bounces_overall_are_rate_limited(self):
        from stadtlotse.testing.cases import make_user
        from stadtlotse.accounts.models import User

        senders = [make_user(f"licht{n}", User.Role.DEPARTMENT, [self.lighting]).email for n in range(4)]
        with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING"):
            outcomes = [pipe(forged(self.ticket, n=n, sender=sender)).split()[0] for n, sender in enumerate(senders)]
        self.assertEqual(outcomes, ["bounced", "bounced", "refused", "refused"])
        self.assertEqual(len(self.smtp.messages), 2)

    def test_a_550_kb_header_is_refused_before_parsing(self):
        raw = fixture("outlook-erledigt.eml", self.ticket)
        huge = b"To: " + b"a@b.c, " * (550 * 1024 // 7) + b"\r\n" + raw
        started = time.monotonic()
        with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING") as logs:
            self.assertTrue(pipe(huge).startswith("ignored"))
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 1.0)
        self.assertIn("header block", logs.output[0])
        self.assertEqual(self.smtp.messages, [], "no bounce")
        self.assertUntouched()
        # A header just within the limit is still read.
        padding = settings.STADTLOTSE["CONNECTOR_MAX_MAIL_HEADER_BYTES"] - len(raw.split(b"\r\n\r\n")[0]) - 200
        self.assertTrue(pipe(b"X-Padding: " + b"x" * padding + b"\r\n" + raw).startswith("applied"))


@override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_MAIL_AUTHSERV_ID": AUTH})
class AuthenticationResultsTests(MailTestCase):
    def setUp(self):
        super().setUp()
        self.raw = fixture("outlook-erledigt.eml", self.ticket)

    def test_without_a_pass_from_the_trusted_host_nothing_changes_and_nobody_is_answered(self):
        refused = [
            self.raw,  # no verdict at all
            with_auth(self.raw, "mx.evil.example; dmarc=pass header.from=stadtlotse.localhost"),
            with_auth(self.raw, f"{AUTH}; dmarc=fail (p=reject) header.from=stadtlotse.localhost; dkim=none"),
            # Signed, but by the forger's own domain.
            with_auth(self.raw, f"{AUTH}; dkim=pass header.d=evil.example; dmarc=none"),
            # The trusted host's verdict is on top; a "pass" below it came with the mail.
            with_auth(with_auth(self.raw, f"{AUTH}; dmarc=pass header.from=stadtlotse.localhost"),
                      f"{AUTH}; dmarc=fail header.from=stadtlotse.localhost"),
        ]
        for raw in refused:
            with self.subTest(raw[:120]), self.assertLogs("stadtlotse.connectors.mail_in", "WARNING") as logs:
                self.assertTrue(pipe(raw).startswith("refused"))
            self.assertIn(f"no DMARC or aligned DKIM pass from {AUTH}", logs.output[0])
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(self.smtp.messages, [])

    def test_dmarc_or_aligned_dkim_pass_from_the_trusted_host_applies(self):
        header = (f"{AUTH.upper()} 1; spf=pass smtp.mailfrom=stadtlotse.localhost;\r\n"
                  "\tdkim=pass (2048-bit key) header.d=stadtlotse.localhost header.s=s1;\r\n"
                  "\tdmarc=pass (p=reject dis=none) header.from=stadtlotse.localhost")
        self.assertTrue(pipe(with_auth(self.raw, header)).startswith("applied"))
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)

    def test_dkim_of_a_parent_domain_counts(self):
        raw = self.raw.replace(b"<licht@stadtlotse.localhost>", b"<licht@bezirk.stadtlotse.localhost>")
        self.lighting.email = "licht@bezirk.stadtlotse.localhost"
        self.lighting.save()
        self.assertTrue(pipe(with_auth(raw, f"{AUTH}; dkim=pass header.d=stadtlotse.localhost")).startswith("applied"))


class ForgedReplyImapTests(ImapTestCase):
    def test_forged_and_oversized_header_mail_through_imap_change_nothing(self):
        ticket = lamp()
        huge = b"To: " + b"a@b.c, " * (550 * 1024 // 7) + b"\r\n" + fixture("outlook-erledigt.eml", ticket)
        self.server.deliver(forged(ticket, sender="victim@example.net"), huge, fixture("gmail-frage.eml", ticket))
        with self.assertLogs("stadtlotse.connectors", "WARNING"):
            results = imap.poll()
        self.assertEqual([outcome for outcome, _reason in results], ["refused", "ignored", "applied"])
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(self.smtp.messages, [])
        self.assertEqual(self.server.count(), 0)
