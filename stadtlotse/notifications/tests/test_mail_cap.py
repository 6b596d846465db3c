"""Mails per mailbox and day are capped: nobody can make the city flood an address they typed in."""

from django.conf import settings
from django.test import override_settings

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import StadtlotseTestCase, report, resident, run_jobs
from stadtlotse.notifications import subscriptions
from stadtlotse.notifications.models import Notification

VICTIM = "opfer@example.org"


class MailCapTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Reports without an e-mail address: the only mails are the subscription confirmations below.
        cls.tickets = [report(contact=resident(email="", phone="030 1234", wants_feedback=False)) for _ in range(4)]

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAILS_PER_ADDRESS_PER_DAY": 2})
    def test_mails_beyond_the_cap_are_dropped_quietly_with_a_log_line(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            # Tags and letter case reach the same mailbox; each address is still used as typed.
            for ticket, address in zip(self.tickets, ["opfer+1@example.org", "Opfer+zwei@Example.org", VICTIM,
                                                      "opfer+4@example.org"]):
                subscriptions.subscribe(ticket, address)
            with self.assertLogs("stadtlotse.notifications.tasks", "WARNING") as logs:
                run_jobs()
            received = [recipient for recipients, _message in smtp.collector.messages for recipient in recipients
                        if recipient.lower().endswith("@example.org")]
        self.assertEqual(received, ["opfer+1@example.org", "Opfer+zwei@Example.org"])
        dropped = Notification.objects.filter(status=Notification.Status.FAILED).order_by("pk")
        self.assertEqual([n.recipient for n in dropped], [VICTIM, "opfer+4@example.org"])
        # Departments get every forwarded report, however many.
        self.assertEqual(len(smtp.collector.to("abfall@stadtlotse.localhost")), 4)
        self.assertEqual(len(logs.output), 2)
        self.assertNotIn("opfer", " ".join(logs.output).lower())  # the log names no address
        # The desk sees it on the ticket's history; the public sees nothing.
        self.assertTrue(self.tickets[2].events.filter(kind="notification_failed").exists())
