"""Following a published ticket by e-mail: double opt-in, mails on public status changes, unsubscribe."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import report, run_jobs
from stadtlotse.notifications import subscriptions
from stadtlotse.notifications.models import Notification, Subscription
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import Ticket

from .base import GermanClient, PublicWebTestCase

NEIGHBOUR = "nachbar@example.org"


class SubscriptionTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()

    def subscribe(self, email=NEIGHBOUR):
        return self.client.post(reverse("publicweb:subscribe", args=[self.ticket.public_id]), {"subscribe-email": email})

    def test_double_opt_in_then_status_mails_with_unsubscribe_link(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            response = self.subscribe()
            self.assertRedirects(response, self.ticket.get_absolute_url())
            subscription = Subscription.objects.get()
            run_jobs()
            [confirm_mail] = smtp.to(NEIGHBOUR)
            body = confirm_mail.get_body(preferencelist=("plain",)).get_content()
            confirm_url = reverse("publicweb:subscription_confirm", args=[subscription.token])
            self.assertIn(confirm_url, body)
            self.assertNotIn(self.ticket.access_token, confirm_mail.as_string())

            # Unconfirmed: no status mail.
            workflow.accept(self.ticket, by=self.bob)
            run_jobs()
            self.assertEqual(len(smtp.to(NEIGHBOUR)), 1)

            # Opening the link only asks; a mail scanner's GET confirms nothing.
            self.assertContains(self.client.get(confirm_url), "Yes, send me updates")
            subscription.refresh_from_db()
            self.assertIsNone(subscription.confirmed_at)
            self.assertRedirects(self.client.post(confirm_url), self.ticket.get_absolute_url())
            subscription.refresh_from_db()
            self.assertIsNotNone(subscription.confirmed_at)

            workflow.add_note(self.ticket, "Nur intern.", by=self.bob)
            workflow.resolve(self.ticket, by=self.bob, note="Sofa abgeholt.")
            run_jobs()
            mails = smtp.to(NEIGHBOUR)
            self.assertEqual(len(mails), 2)
            status_mail = mails[-1]
            self.assertEqual(status_mail["Subject"].strip(), f"Report {self.ticket.public_id}: done")
            text = status_mail.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Sofa abgeholt.", text)
            unsubscribe_url = reverse("publicweb:unsubscribe", args=[subscription.token])
            self.assertIn(unsubscribe_url, text)
            self.assertIn(unsubscribe_url, status_mail.get_body(preferencelist=("html",)).get_content())
            self.assertNotIn(self.ticket.access_token, status_mail.as_string())
            self.assertNotIn("Nur intern", status_mail.as_string())
            self.assertNotIn("rita@example.org", status_mail.as_string())

            self.assertContains(self.client.get(unsubscribe_url), "Yes, stop the mails")
            self.client.post(unsubscribe_url)
            self.assertFalse(Subscription.objects.exists())
            self.assertEqual(self.client.get(unsubscribe_url).status_code, 404)
            workflow.reopen(self.ticket, by=self.alice, reason="Wieder da.")
            run_jobs()
            self.assertEqual(len(smtp.to(NEIGHBOUR)), 2)

    def test_german_mails_for_german_pages(self):
        self.client = GermanClient()
        self.subscribe()
        mail = Notification.objects.get(template="subscribe-confirm")
        self.assertIn("Bitte bestätigen", mail.subject)

    def test_subscribing_twice_sends_one_mail(self):
        self.subscribe()
        self.subscribe("Nachbar@Example.org")
        self.assertEqual(Subscription.objects.count(), 1)
        self.assertEqual(Notification.objects.filter(template="subscribe-confirm").count(), 1)

    def test_bad_address_and_unpublished_ticket(self):
        response = self.subscribe("kein@")
        self.assertContains(response, "This e-mail address is not valid.", status_code=400)
        self.assertContains(response, 'value="kein@"', status_code=400)
        response = self.subscribe("")
        self.assertContains(response, "Please enter your e-mail address.", status_code=400)
        self.assertFalse(Subscription.objects.exists())
        pending = report("sicherheit-angstraum", answers={})
        url = reverse("publicweb:subscribe", args=[pending.public_id])
        self.assertEqual(self.client.post(url, {"subscribe-email": NEIGHBOUR}).status_code, 404)
        with self.assertRaisesMessage(ValidationError, "Nur veröffentlichten Meldungen kann man folgen."):
            subscriptions.subscribe(pending, NEIGHBOUR)

    def test_links_of_a_report_hidden_since_lead_to_the_front_page(self):
        subscription = subscriptions.subscribe(self.ticket, NEIGHBOUR)
        moderation.moderate(self.ticket, Ticket.Publication.HIDDEN, by=self.alice, reason="Name genannt")
        response = self.client.post(reverse("publicweb:subscription_confirm", args=[subscription.token]))
        self.assertRedirects(response, reverse("publicweb:home"))
        response = self.client.post(reverse("publicweb:unsubscribe", args=[subscription.token]))
        self.assertRedirects(response, reverse("publicweb:home"))
        self.assertFalse(Subscription.objects.filter(pk=subscription.pk).exists())
        # Support and subscribe on a report that is not public: no such report.
        for name in ("publicweb:support", "publicweb:subscribe"):
            self.assertEqual(self.client.post(reverse(name, args=[self.ticket.public_id])).status_code, 404)

    def test_unknown_token(self):
        response = self.client.get(reverse("publicweb:subscription_confirm", args=["x" * 32]))
        self.assertContains(response, "Link no longer valid", status_code=404)

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "SUBSCRIBE_RATE_PER_IP": "2/3600"})
    def test_confirmation_mails_are_limited_per_ip(self):
        from django.core.cache import cache

        cache.clear()
        self.addCleanup(cache.clear)
        self.subscribe("a@example.org")
        self.subscribe("b@example.org")
        response = self.subscribe("c@example.org")
        self.assertContains(response, "Too many subscriptions from your connection.", status_code=400)
        self.assertEqual(Subscription.objects.count(), 2)

    def test_subscribers_of_a_merged_report_follow_the_survivor_until_the_merge_is_undone(self):
        from stadtlotse.tickets import merge

        survivor = self.ticket
        duplicate = report(description="Noch ein Sofa am selben Gehweg, seit gestern.")
        for ticket in (survivor, duplicate):
            moderation.moderate(ticket, "published", by=self.alice)
        both = "beide@example.org"
        for ticket, email in ((duplicate, NEIGHBOUR), (duplicate, both), (survivor, both)):
            subscriptions.confirm(subscriptions.subscribe(ticket, email))
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            merge.merge(survivor, [duplicate], by=self.alice)
            run_jobs()
            told = [m["Subject"].strip() for m in smtp.to(NEIGHBOUR)]
            self.assertIn(f"Meldung {duplicate.public_id}: Duplikat", told)

            workflow.forward(survivor, self.waste, by=self.alice)
            run_jobs()
            self.assertIn(f"Meldung {survivor.public_id}: weitergeleitet", [m["Subject"].strip() for m in smtp.to(NEIGHBOUR)])
            # One mail per address, though it follows both tickets.
            about_survivor = [m for m in smtp.to(both) if m["Subject"].strip() == f"Meldung {survivor.public_id}: weitergeleitet"]
            self.assertEqual(len(about_survivor), 1)

            duplicate.refresh_from_db()
            merge.unmerge(duplicate, by=self.alice, reason="Doch zwei Stellen.")
            run_jobs()
            before = len(smtp.to(NEIGHBOUR))
            workflow.accept(survivor, by=self.bob)
            run_jobs()
            self.assertEqual(len(smtp.to(NEIGHBOUR)), before)
