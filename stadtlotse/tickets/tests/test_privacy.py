"""Contact data erased on schedule and on request, with statistics intact and an Event recorded."""

import json
from datetime import timedelta
from io import StringIO

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from stadtlotse.testing.cases import StadtlotseTestCase, report, resident, run_jobs
from stadtlotse.notifications.models import Notification
from stadtlotse.publicweb.tests.base import EnglishClient
from stadtlotse.tickets import privacy, workflow
from stadtlotse.tickets.models import Contact, Event, Ticket
from stadtlotse.tickets.tasks import erase_expired_contacts, next_retention_run, schedule_retention


def close(ticket, by, when):
    with time_machine.travel(when, tick=False):
        workflow.resolve(ticket, by=by, note="Abgeholt.")


class RetentionTests(StadtlotseTestCase):
    def setUp(self):
        super().setUp()
        self.now = timezone.now()
        self.old = report(contact=resident(name="Olga Alt", email="olga@example.org", phone="030 111"))
        self.recent = report(contact=resident(name="Rudi Neu", email="rudi@example.org"))
        self.open = report(contact=resident(name="Otto Offen", email="otto@example.org"))
        for ticket in (self.old, self.recent):
            workflow.accept(ticket, by=self.bob)
        close(self.old, self.bob, self.now - timedelta(days=91))
        close(self.recent, self.bob, self.now - timedelta(days=89))

    def test_erases_only_contacts_of_tickets_closed_long_enough_ago(self):
        self.assertTrue(Notification.objects.filter(ticket=self.old, recipient="olga@example.org").exists())
        closed_before = Ticket.objects.closed().count()
        self.assertEqual(privacy.erase_expired_contacts(now=self.now, commit=False), 1)
        self.assertIsNone(Contact.objects.get(ticket=self.old).erased_at)  # dry run changed nothing
        self.assertEqual(privacy.erase_expired_contacts(now=self.now), 1)
        contact = Contact.objects.get(ticket=self.old)
        self.assertEqual((contact.name, contact.email, contact.phone, contact.wants_feedback), ("", "", "", False))
        self.assertEqual(contact.erased_at, self.now)
        # Copies in messages sent to the reporter are gone too; their subjects stay as a record.
        self.assertFalse(Notification.objects.filter(recipient="olga@example.org").exists())
        self.assertFalse(Notification.objects.filter(body_text__contains="Olga").exists())
        event = self.old.events.get(kind=Event.Kind.CONTACT_ERASED)
        self.assertEqual((event.visibility, event.actor_kind), (Event.Visibility.INTERNAL, Event.ActorKind.SYSTEM))
        self.assertIn("90 days", event.data["reason"])
        for ticket, name in ((self.recent, "Rudi Neu"), (self.open, "Otto Offen")):
            self.assertEqual(Contact.objects.get(ticket=ticket).name, name)
        # Statistics: the ticket, its category, district, status and times are untouched.
        self.old.refresh_from_db()
        self.assertEqual((self.old.status, Ticket.objects.closed().count()), (Ticket.Status.DONE, closed_before))
        self.assertEqual(privacy.erase_expired_contacts(now=self.now), 0)  # runs again without effect
        self.assertEqual(self.old.events.filter(kind=Event.Kind.CONTACT_ERASED).count(), 1)

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONTACT_RETENTION_DAYS": 30})
    def test_days_come_from_the_setting_and_the_command_dry_runs(self):
        out = StringIO()
        call_command("erase_contacts", stdout=out)
        self.assertIn("Would erase the contact data of 2 ticket(s) closed more than 30 days ago", out.getvalue())
        self.assertFalse(Contact.objects.filter(erased_at__isnull=False).exists())
        call_command("erase_contacts", "--commit", stdout=out)
        self.assertEqual(Contact.objects.filter(erased_at__isnull=False).count(), 2)

    def test_reopened_ticket_keeps_its_contact(self):
        workflow.reopen(self.old, by=self.alice, reason="Sofa wieder da")
        self.assertEqual(privacy.erase_expired_contacts(now=self.now), 0)

    def test_daily_job_erases_and_queues_the_next_run(self):
        self.assertTrue(schedule_retention())
        self.assertFalse(schedule_retention())  # one waiting job is enough
        erase_expired_contacts.enqueue()
        with time_machine.travel(next_retention_run() + timedelta(minutes=1)):
            run_jobs()
        self.assertIsNotNone(Contact.objects.get(ticket=self.old).erased_at)
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(task_path=erase_expired_contacts.module_path,
                                              status=TaskResultStatus.READY)
        self.assertTrue(waiting.exists())
        self.assertGreater(waiting.first().run_after, timezone.now())


class ReporterDataTests(StadtlotseTestCase):
    client_class = EnglishClient

    def setUp(self):
        super().setUp()
        self.ticket = report(contact=resident(name="Paula Privat", email="paula@example.org", phone="0171 2345678"))

    def test_download_my_data_as_json(self):
        url = reverse("publicweb:private_data", args=[self.ticket.public_id, self.ticket.access_token])
        response = self.client.get(url)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="{self.ticket.public_id}-meine-daten.json"')
        self.assertIn("no-store", response["Cache-Control"])
        data = json.loads(response.content)
        self.assertEqual(data["contact"]["name"], "Paula Privat")
        self.assertEqual((data["contact"]["email"], data["contact"]["phone"]), ("paula@example.org", "0171 2345678"))
        self.assertEqual(data["description"], self.ticket.description)
        self.assertEqual(data["messages_to_you"][0]["sent_to"], "paula@example.org")
        self.assertEqual(data["retention"]["contact_erased_days_after_closing"], 90)
        wrong = reverse("publicweb:private_data", args=[self.ticket.public_id, "x" * 43])
        self.assertEqual(self.client.get(wrong).status_code, 404)
        self.assertContains(self.client.get(self.ticket.get_private_url()), f'href="{url}"')

    def test_delete_my_contact_data_needs_confirmation(self):
        url = self.ticket.get_private_url()
        page = self.client.get(url)
        self.assertContains(page, 'value="erase"')
        self.assertContains(page, "csrfmiddlewaretoken")
        response = self.client.post(url, {"action": "erase"})
        self.assertContains(response, "Please tick the box to confirm")
        self.assertEqual(Contact.objects.get(ticket=self.ticket).name, "Paula Privat")
        response = self.client.post(url, {"action": "erase", "erase-confirm": "on"}, follow=True)
        self.assertContains(response, "Your contact details have been deleted.")
        self.assertNotContains(response, "Paula Privat")
        self.assertNotContains(response, "paula@example.org")
        contact = Contact.objects.get(ticket=self.ticket)
        self.assertEqual((contact.name, contact.email, contact.phone), ("", "", ""))
        event = self.ticket.events.get(kind=Event.Kind.CONTACT_ERASED)
        self.assertEqual((event.actor_kind, event.data["reason"]), (Event.ActorKind.REPORTER, "reporter"))
        # Later status changes mail nobody.
        workflow.accept(Ticket.objects.get(pk=self.ticket.pk), by=self.bob)
        self.assertFalse(Notification.objects.filter(ticket=self.ticket, recipient="paula@example.org",
                                                     status=Notification.Status.PENDING).exists())

    def test_erase_needs_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        response = client.post(self.ticket.get_private_url(), {"action": "erase", "erase-confirm": "on"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Contact.objects.get(ticket=self.ticket).name, "Paula Privat")
