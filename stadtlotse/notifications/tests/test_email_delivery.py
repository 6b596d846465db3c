"""E-mail end to end: intake and workflow write notifications, the worker sends them to a real SMTP server."""

import datetime as dt

import time_machine
from django.test import override_settings
from django.utils import timezone

from stadtlotse.testing.smtp import SMTPServer, free_port
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report, resident, run_jobs
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets import workflow

RITA = "rita@example.org"


class EmailDeliveryTests(StadtlotseTestCase):
    def test_reporter_gets_one_mail_per_public_status_change(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ)
            run_jobs()
            [receipt] = smtp.to(RITA)
            self.assertEqual(receipt["Subject"].strip(), f"Ihre Meldung {ticket.public_id} ist eingegangen")
            body = receipt.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Abfallwirtschaft", body)
            self.assertIn(f"/t/{ticket.public_id}/{ticket.access_token}", body)
            self.assertEqual(receipt["Auto-Submitted"], "auto-generated")
            self.assertIsNotNone(receipt.get_body(preferencelist=("html",)))

            workflow.accept(ticket, by=self.bob)
            workflow.start(ticket, by=self.bob)
            workflow.add_note(ticket, "Nur intern: Fahrzeug kommt Freitag.", by=self.bob)
            workflow.resolve(ticket, by=self.bob, note="Der Sperrmüll wurde abgeholt.")
            run_jobs()

            mails = smtp.to(RITA)
            self.assertEqual([m["Subject"].strip() for m in mails], [
                f"Ihre Meldung {ticket.public_id} ist eingegangen",
                f"Ihre Meldung {ticket.public_id}: angenommen",
                f"Ihre Meldung {ticket.public_id}: in Bearbeitung",
                f"Ihre Meldung {ticket.public_id}: erledigt",
            ])
            last = mails[-1].get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Der Sperrmüll wurde abgeholt.", last)
            self.assertNotIn("Nur intern", "".join(m.as_string() for m in mails))
            self.assertEqual(ticket.events.filter(kind="notification_sent").count(), 5)  # 4 + the department's

    def test_department_gets_the_forward_with_the_ticket_id_in_the_subject(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"},
                            description="Die Laterne vor Hermannstraße 20 flackert seit Tagen.")
            run_jobs()
            [mail] = smtp.to("licht@stadtlotse.localhost")
            self.assertEqual(mail["Subject"].strip(), f"[{ticket.public_id}] Neue Meldung: Straßenlaterne defekt – Neukölln")
            body = mail.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("flackert seit Tagen", body)
            self.assertIn("openstreetmap.org", body)
            self.assertNotIn(RITA, mail.as_string())
            self.assertEqual(ticket.deliveries.get().status, "delivered")

    def test_english_reporter_gets_english_mail(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ, language="en")
            run_jobs()
            [mail] = smtp.to(RITA)
            self.assertEqual(mail["Subject"].strip(), f"Your report {ticket.public_id} has been received")
            self.assertIn("Waste management", mail.get_body(preferencelist=("plain",)).get_content())

    def test_mail_server_down_then_back_retries_with_backoff(self):
        port = free_port()
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_TIMEOUT=2):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ, contact=resident())
            run_jobs()
            receipt = ticket.notifications.get(template="received")
            self.assertEqual(receipt.status, Notification.Status.PENDING)
            self.assertEqual(receipt.attempts, 1)
            self.assertIn("ConnectionRefusedError", receipt.last_error)
            self.assertEqual(run_jobs(), 0, "the retry waits for its backoff")
            with SMTPServer(port=port) as smtp, time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
                run_jobs()
                receipt.refresh_from_db()
                self.assertEqual(receipt.status, Notification.Status.SENT)
                self.assertEqual(receipt.attempts, 2)
                self.assertEqual(len(smtp.to(RITA)), 1)

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                       EMAIL_TIMEOUT=2)
    def test_after_the_last_attempt_the_failure_is_recorded_on_the_ticket(self):
        from django.conf import settings

        limits = {**settings.STADTLOTSE, "JOB_MAX_ATTEMPTS": 3}
        with override_settings(EMAIL_PORT=free_port(), STADTLOTSE=limits):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ)
            for hours in (0, 3, 6):
                with time_machine.travel(timezone.now() + dt.timedelta(hours=hours)):
                    run_jobs()
            receipt = ticket.notifications.get(template="received")
            self.assertEqual(receipt.status, Notification.Status.FAILED)
            self.assertEqual(receipt.attempts, 3)
            self.assertTrue(ticket.events.filter(kind="notification_failed").exists())
