"""Optional e-mail confirmation of web reports from unknown senders, delivered through a real SMTP server."""

import re
from datetime import timedelta

import time_machine

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import StadtlotseTestCase, report, run_jobs
from stadtlotse.intake import confirmation
from stadtlotse.notifications.models import Notification
from stadtlotse.publicweb.tests.test_report import form_data
from stadtlotse.tickets.models import Ticket

RITA = "rita@example.org"


def confirming(**values):
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONFIRM_UNKNOWN_SENDERS": True, **values})


class ConfirmationTests(StadtlotseTestCase):
    def send(self, **overrides):
        return self.client.post(reverse("publicweb:report"), form_data(**overrides), HTTP_ACCEPT_LANGUAGE="de")

    def test_an_unknown_sender_confirms_then_the_report_enters_the_desk(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()), confirming():
            response = self.send(category="strasse-schlagloch", shown_questions="strasse-schlagloch",
                                 description="Tiefes Schlagloch auf dem Radweg vor Haus 4.")
            ticket = Ticket.objects.get()
            self.assertRedirects(response, reverse("publicweb:confirmation", args=[ticket.public_id,
                                                                                     ticket.access_token]))
            self.assertContains(self.client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="de"),
                                "Bitte bestätigen Sie Ihre Meldung")
            # Stored, but held back: not routed, not public, not in the desk's views, no receipt.
            self.assertTrue(ticket.awaiting_confirmation)
            self.assertIsNone(ticket.department)
            self.assertEqual(ticket.publication, Ticket.Publication.PENDING)
            self.assertFalse(Ticket.objects.in_desk_inbox().exists())
            self.assertFalse(Ticket.objects.visible_to(self.alice).exists())
            self.client.force_login(self.alice)
            self.assertEqual(self.client.get(ticket.get_backoffice_url()).status_code, 404)
            self.assertNotContains(self.client.get(reverse("backoffice:home")), ticket.public_id)
            self.client.logout()

            run_jobs()
            [mail] = smtp.to(RITA)
            self.assertIn(f"Bitte bestätigen Sie Ihre Meldung {ticket.public_id}", mail["Subject"])
            body = mail.get_body(preferencelist=("plain",)).get_content()
            url = re.search(r"https?://\S+/melden/bestaetigen/\S+", body).group(0)
            path = url[len(settings.SITE_URL):]

            # Opening the link only asks; a mail scanner's GET confirms nothing.
            self.assertContains(self.client.get(path, HTTP_ACCEPT_LANGUAGE="de"), "Ja, Meldung bestätigen")
            ticket.refresh_from_db()
            self.assertTrue(ticket.awaiting_confirmation)
            self.client.post(path)
            ticket.refresh_from_db()
            self.assertFalse(ticket.awaiting_confirmation)
            self.assertEqual(ticket.department, self.streets)  # a direct category, now routed
            self.assertEqual(ticket.publication, Ticket.Publication.PUBLISHED)
            self.assertTrue(Ticket.objects.visible_to(self.alice).filter(pk=ticket.pk).exists())
            run_jobs()
            receipt = smtp.to(RITA)[-1]
            self.assertIn(f"{ticket.public_id} ist eingegangen", receipt["Subject"])
            # Confirming twice changes nothing and sends nothing.
            self.client.post(path)
            run_jobs()
            self.assertEqual(len(smtp.to(RITA)), 2)

    def test_a_known_sender_needs_no_confirmation(self):
        first = report()  # Rita's earlier report, from before confirmation was switched on
        with confirming():
            self.send(email="Rita@example.org")
            self.assertFalse(Ticket.objects.exclude(pk=first.pk).get().awaiting_confirmation)
            self.send(email="neu@example.org", description="Noch ein Sofa am Gehweg, bitte abholen.")
            self.assertTrue(Ticket.objects.get(contact__email="neu@example.org").awaiting_confirmation)

    def test_only_web_reports_with_an_email_address_are_held(self):
        with confirming():
            self.send(email="", wants_feedback="")
            staff = report(by=self.alice)
        self.assertFalse(Ticket.objects.filter(awaiting_confirmation=True).exists())
        self.assertFalse(staff.awaiting_confirmation)

    def test_off_by_default(self):
        self.send(email="neu@example.org")
        self.assertFalse(Ticket.objects.get().awaiting_confirmation)

    def test_a_bad_or_expired_link(self):
        with confirming(CONFIRM_EXPIRY_DAYS=7):
            self.send(email="neu@example.org")
            ticket = Ticket.objects.get()
            token = confirmation.confirm_url(ticket).rsplit("/", 1)[1]
            self.assertEqual(self.client.get(reverse("publicweb:confirm_report", args=[token[:-2] + "xx"]),
                                             HTTP_ACCEPT_LANGUAGE="de").status_code, 404)
            # A controlled clock instead of a sleep: the link is a day past its seven days.
            with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
                response = self.client.post(reverse("publicweb:confirm_report", args=[token]),
                                            HTTP_ACCEPT_LANGUAGE="de")
            self.assertContains(response, "nicht gültig oder abgelaufen", status_code=404)
        ticket.refresh_from_db()
        self.assertTrue(ticket.awaiting_confirmation)

    def test_unconfirmed_reports_expire(self):
        with confirming():
            self.send(email="neu@example.org")
            self.send(email="other@example.org", description="Sperrmüll, zwei Schränke am Gehweg.")
        old, young = Ticket.objects.order_by("pk")
        Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
        call_command("expire_unconfirmed", stdout=open("/dev/null", "w"))  # dry run
        self.assertEqual(Ticket.objects.count(), 2)
        self.assertEqual(confirmation.expire(commit=True), 1)
        self.assertEqual(list(Ticket.objects.all()), [young])
        self.assertFalse(Notification.objects.filter(ticket_id=old.pk).exists())

    def test_the_nightly_retention_job_also_deletes_expired_unconfirmed_reports(self):
        from stadtlotse.tickets.tasks import erase_expired_contacts

        with confirming():
            self.send(email="neu@example.org")
        Ticket.objects.update(created_at=timezone.now() - timedelta(days=8))
        erase_expired_contacts.enqueue()
        run_jobs()
        self.assertFalse(Ticket.objects.exists())
