"""E-mail connector: the department's mail (to a real SMTP server) and its replies, as real clients shape them."""

import datetime as dt
import io
import sys
from contextlib import contextmanager
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from stadtlotse.connectors import mail_in, mail_out
from stadtlotse.connectors.models import Delivery, InboundUpdate
from stadtlotse.testing.smtp import SMTPServer, free_port
from stadtlotse.testing.cases import HERMANNPLATZ, report, run_jobs
from stadtlotse.tickets.models import Attachment, Event, Ticket

from .base import ConnectorTestCase

MAILS = Path(__file__).parent / "mails"
LIGHTING = "licht@stadtlotse.localhost"
# The smallest valid JPEG is enough: the mail carries the stored original as it is.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + bytes(64) + bytes.fromhex("ffd9")


def fixture(name, ticket):
    """A real client's mail, answering the forward of `ticket` (to its reply address with the secret code)."""
    address = mail_out.reply_address(ticket).partition("@")[0].encode()
    raw = (MAILS / name).read_bytes().replace(b"antwort+{TICKET}", address)
    return raw.replace(b"{TICKET}", ticket.public_id.encode())


def lamp():
    return report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"},
                  description="Die Laterne vor Hermannstraße 20 flackert seit Tagen.")


@contextmanager
def stdin_bytes(data):
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        yield
    finally:
        sys.stdin = old


def pipe(raw):
    """What the MTA does: run `stadtlotse receive_mail` with the message on standard input."""
    out = io.StringIO()
    with stdin_bytes(raw):
        call_command("receive_mail", stdout=out)
    return out.getvalue().strip()


class MailOutTests(ConnectorTestCase):
    def test_forward_mail_is_well_formed_german_with_photo_map_and_reply_address(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = lamp()
            photo = Attachment(ticket=ticket, content_type="image/jpeg", size=len(JPEG))
            photo.original.save("x.jpg", ContentFile(JPEG))
            self.addCleanup(photo.original.delete, save=False)
            run_jobs()
            [mail] = smtp.to(LIGHTING)
        self.assertEqual(mail["Subject"].strip(), f"[{ticket.public_id}] Neue Meldung: Straßenlaterne defekt – Neukölln")
        self.assertEqual(mail["Reply-To"], f"antwort+{ticket.public_id}.{mail_in.reply_code(ticket)}@stadtlotse.localhost")
        self.assertRegex(mail["Reply-To"], r"^antwort\+SL-\d{4}-\d{4}\.[0-9a-f]{24}@")
        delivery = ticket.deliveries.get()
        self.assertEqual(mail["Message-ID"].strip(), f"<forward-{delivery.key}@stadtlotse.localhost>")
        self.assertEqual(delivery.external_id, mail["Message-ID"].strip())
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        for body in (text, html):
            self.assertIn("flackert seit Tagen", body)
            self.assertIn("openstreetmap.org/?mlat=52.4869", body)
            self.assertIn("ERLEDIGT", body)
            self.assertIn("IN BEARBEITUNG", body)
            self.assertIn("1 Foto im Anhang", body)
        self.assertIn("Was ist mit der Laterne?: flackert", text)
        [attachment] = list(mail.iter_attachments())
        self.assertEqual(attachment.get_content_type(), "image/jpeg")
        self.assertEqual(attachment.get_content(), JPEG)
        self.assertNotIn("rita@example.org", mail.as_string())

    def test_mail_server_down_then_back_sends_once_with_the_same_message_id(self):
        port = free_port()
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=port, EMAIL_TIMEOUT=2):
            ticket = lamp()
            run_jobs()
            delivery = ticket.deliveries.get()
            self.assertEqual(delivery.status, Delivery.Status.PENDING)
            self.assertIn("ConnectionRefusedError", delivery.last_error)
            with SMTPServer(port=port) as smtp, time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
                run_jobs()
                run_jobs()
                mails = smtp.to(LIGHTING)
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED)
        self.assertEqual(len(mails), 1)
        self.assertEqual(list(ticket.events.filter(kind=Event.Kind.DELIVERY).values_list("data__result", flat=True)),
                         ["retry", "delivered"])


class MailInTests(ConnectorTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = lamp()
        self.smtp = SMTPServer()
        self.smtp.__enter__()
        self.addCleanup(self.smtp.__exit__)
        mail_settings = override_settings(**self.smtp.settings())
        mail_settings.enable()
        self.addCleanup(mail_settings.disable)

    def refresh(self):
        self.ticket.refresh_from_db()
        return self.ticket

    def assertUnchanged(self):  # noqa: N802
        self.assertEqual(self.refresh().status, Ticket.Status.FORWARDED)
        self.assertFalse(InboundUpdate.objects.exists())
        self.assertFalse(self.ticket.events.filter(actor_kind=Event.ActorKind.EXTERNAL).exists())

    def test_outlook_reply_with_keyword_closes_the_ticket_and_tells_the_reporter(self):
        self.assertEqual(pipe(fixture("outlook-erledigt.eml", self.ticket)), f"applied {self.ticket.public_id}")
        self.assertEqual(self.refresh().status, Ticket.Status.DONE)
        event = self.ticket.events.get(status_to=Ticket.Status.DONE)
        self.assertEqual(event.note, "Die Leuchte wurde heute getauscht, die Laterne brennt wieder.")
        self.assertEqual(event.actor_kind, Event.ActorKind.EXTERNAL)
        self.assertEqual(event.department, self.lighting)
        self.assertTrue(event.is_public)
        run_jobs()
        [status_mail] = [m for m in self.smtp.to("rita@example.org") if "erledigt" in m["Subject"]]
        self.assertIn("Die Leuchte wurde heute getauscht", status_mail.get_body(("plain",)).get_content())

    def test_thunderbird_reply_from_a_member_sets_in_progress(self):
        from stadtlotse.testing.cases import make_user
        from stadtlotse.accounts.models import User

        petra = make_user("petra", User.Role.DEPARTMENT, [self.lighting])
        petra.email = "Petra.Lampe@berlin.example"
        petra.save()
        pipe(fixture("thunderbird-in-bearbeitung.eml", self.ticket))
        self.assertEqual(self.refresh().status, Ticket.Status.IN_PROGRESS)
        note = self.ticket.events.get(status_to=Ticket.Status.IN_PROGRESS).note
        self.assertTrue(note.startswith("Ein Trupp ist für Montag eingeplant"), note)
        self.assertNotIn("Lampe", note)
        self.assertNotIn("Eine Meldung", note)

    def test_gmail_reply_without_keyword_is_an_internal_note(self):
        pipe(fixture("gmail-frage.eml", self.ticket))
        self.assertEqual(self.refresh().status, Ticket.Status.FORWARDED)
        note = self.ticket.events.get(kind=Event.Kind.INTERNAL_NOTE)
        self.assertEqual(note.note, "Kurze Rückfrage an die Kollegen: Ist das der Mast mit der Nummer 4711?")
        self.assertFalse(note.is_public)
        run_jobs()
        self.assertFalse([m for m in self.smtp.to("rita@example.org") if "4711" in m.as_string()])

    def test_html_only_reply_found_by_its_reply_address(self):
        pipe(fixture("html-only-abgelehnt.eml", self.ticket))
        self.assertEqual(self.refresh().status, Ticket.Status.REJECTED)
        note = self.ticket.events.get(status_to=Ticket.Status.REJECTED).note
        self.assertEqual(note, "Die Laterne gehört zur Privatstraße „Am Hof“, bitte an den Eigentümer wenden.")

    def test_the_same_reply_twice_changes_nothing(self):
        raw = fixture("outlook-erledigt.eml", self.ticket)
        pipe(raw)
        self.assertEqual(pipe(raw), f"duplicate {self.ticket.public_id} already processed")
        self.assertEqual(self.ticket.events.filter(status_to=Ticket.Status.DONE).count(), 1)

    def test_auto_replies_are_ignored_without_answer(self):
        for name in ("outlook-abwesend.eml", "vacation-autoreply.eml"):
            with self.subTest(name), self.assertLogs("stadtlotse.connectors.mail_in", "WARNING") as logs:
                self.assertTrue(pipe(fixture(name, self.ticket)).startswith("ignored"))
            self.assertIn("ignored", logs.output[0])
        self.assertUnchanged()
        self.assertEqual(self.smtp.messages, [], "no bounce to a machine")

    def test_unknown_sender_is_bounced_with_the_reason(self):
        with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING"):
            pipe(fixture("fremder-absender.eml", self.ticket))
        self.assertUnchanged()
        [bounce] = self.smtp.to("max@example.com")
        self.assertEqual(bounce["Auto-Submitted"], "auto-replied")
        self.assertIn("Nicht verarbeitet", bounce["Subject"])
        self.assertIn("max@example.com", bounce.get_body(("plain",)).get_content())
        self.assertEqual(bounce["In-Reply-To"], "<stranger-1@example.com>")
        # Neither subject nor text of the refused mail comes back.
        self.assertNotIn("Neue Meldung", bounce.as_string())
        self.assertNotIn("repariert", bounce.as_string())

    def test_unknown_or_missing_ticket_id_is_bounced(self):
        missing = fixture("gmail-frage.eml", self.ticket).replace(self.ticket.public_id.encode(), b"Vorgang")
        pipe(missing)
        unknown = fixture("gmail-frage.eml", self.ticket).replace(self.ticket.public_id.encode(), b"SL-2026-9999")
        pipe(unknown)
        self.assertUnchanged()
        first, second = self.smtp.to(LIGHTING)
        self.assertIn("nicht an die Antwortadresse eines Vorgangs", first.get_body(("plain",)).get_content())
        self.assertIn("Es gibt keinen Vorgang SL-2026-9999", second.get_body(("plain",)).get_content())

    def test_illegal_transition_is_bounced(self):
        pipe(fixture("outlook-erledigt.eml", self.ticket))
        late = fixture("thunderbird-in-bearbeitung.eml", self.ticket).replace(
            b"Petra Lampe <petra.lampe@berlin.example>", LIGHTING.encode())
        pipe(late)
        self.assertEqual(self.refresh().status, Ticket.Status.DONE)
        [bounce] = [m for m in self.smtp.to(LIGHTING)]
        self.assertIn("kann nicht", bounce.get_body(("plain",)).get_content())

    def test_oversized_mail_is_ignored_with_a_logged_reason(self):
        raw = fixture("outlook-erledigt.eml", self.ticket)
        big = raw + b"\r\n" + b"A" * (settings.STADTLOTSE["CONNECTOR_MAX_MAIL_BYTES"] + 1)
        with self.assertLogs("stadtlotse.connectors.mail_in", "WARNING") as logs:
            self.assertTrue(pipe(big).startswith("ignored"))
        self.assertIn("exceeds the limit", logs.output[0])
        self.assertUnchanged()
        self.assertEqual(self.smtp.messages, [])

    def test_garbage_and_our_own_mail_change_nothing(self):
        self.assertTrue(pipe(b"\x00\xff not a mail at all").startswith("ignored"))
        ours = fixture("outlook-erledigt.eml", self.ticket).replace(
            b"From: =?iso-8859-1?Q?J=FCrgen_Wei=DF?= <licht@stadtlotse.localhost>",
            b"From: antwort@stadtlotse.localhost\r\nX-Stadtlotse-Ticket: x")
        self.assertTrue(pipe(ours).startswith("ignored"))
        self.assertUnchanged()

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_MAIL_KEYWORDS": "FERTIG=done,ÜBERNOMMEN=accepted"})
    def test_keywords_are_configurable(self):
        self.assertEqual(mail_in.parse_reply("Übernommen. Kommt Montag.")[0], Ticket.Status.ACCEPTED)
        self.assertEqual(mail_in.parse_reply("ERLEDIGT alles")[0], None)
        self.assertEqual(mail_in.parse_reply("fertig: Lampe getauscht"), (Ticket.Status.DONE, "Lampe getauscht"))

    def test_keyword_must_be_a_word_of_its_own_at_the_start(self):
        self.assertEqual(mail_in.parse_reply("ERLEDIGTE Arbeiten folgen")[0], None)
        self.assertEqual(mail_in.parse_reply("Noch nicht ERLEDIGT")[0], None)
        self.assertEqual(mail_in.parse_reply("in\n  bearbeitung - ab Montag"), (Ticket.Status.IN_PROGRESS, "ab Montag"))


class ReceiveMailCommandTests(ConnectorTestCase):
    def test_database_trouble_asks_the_mta_to_try_again(self):
        from unittest import mock

        from django.db import OperationalError

        ticket = lamp()
        with mock.patch("stadtlotse.connectors.mail_in.handle_message", side_effect=OperationalError("locked")), \
                self.assertRaises(SystemExit) as exit_:
            pipe(fixture("outlook-erledigt.eml", ticket))
        self.assertEqual(exit_.exception.code, 75)
