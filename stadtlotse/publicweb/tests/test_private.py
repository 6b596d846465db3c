from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stadtlotse.testing.cases import report, resident
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

from .base import PublicWebTestCase

QUESTION = "Steht das Sofa auf dem Gehweg oder auf der Straße?"


class PrivatePageTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report(contact=resident(phone="030 1234567"),
                            description="Ein altes Sofa und zwei Matratzen am Gehweg, seit einer Woche.")
        workflow.add_note(cls.ticket, "INTERN-GEHEIM", by=cls.alice)

    def url(self, ticket=None, token=None):
        ticket = ticket or self.ticket
        return reverse("publicweb:private", args=[ticket.public_id, token or ticket.access_token])

    def answer(self, text):
        return self.client.post(self.url(), {"action": "answer", "answer-text": text})

    def reopen(self, reason):
        return self.client.post(self.url(), {"action": "reopen", "reopen-reason": reason})

    def test_private_page(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Rita Anwohnerin")
        self.assertContains(response, "rita@example.org")
        self.assertContains(response, "030 1234567")
        self.assertContains(response, "Ein altes Sofa und zwei Matratzen am Gehweg, seit einer Woche.")
        self.assertContains(response, "<dt>How much is there?</dt><dd>up to 1 m³</dd>", html=True)
        self.assertContains(response, "52.4869, 13.4247")
        self.assertContains(response, "Forwarded to Waste management")
        self.assertNotContains(response, "INTERN-GEHEIM")
        self.assertNotContains(response, "Alice")
        # Neither question nor reopen form while the ticket is simply open.
        self.assertNotContains(response, 'name="answer-text"')
        self.assertNotContains(response, 'name="reopen-reason"')

    def test_private_page_is_not_cached_nor_indexed(self):
        response = self.client.get(self.url())
        self.assertEqual(response["Cache-Control"], "private, no-store")
        self.assertContains(response, '<meta name="robots" content="noindex">')
        self.assertEqual(response["Referrer-Policy"], "same-origin")

    def test_private_page_of_unpublished_ticket(self):
        ticket = report("sicherheit-angstraum", answers={}, description="Die Unterführung ist abends unheimlich.")
        response = self.client.get(self.url(ticket))
        self.assertContains(response, "Die Unterführung ist abends unheimlich.")
        self.assertContains(response, "The report is not public (yet).")

    def test_wrong_token(self):
        other = report()
        self.assertEqual(self.client.get(self.url(token="y" * 32)).status_code, 404)
        self.assertEqual(self.client.get(self.url(token=other.access_token)).status_code, 404)
        self.assertEqual(self.client.get(self.url(token="ü" * 32)).status_code, 404)
        self.assertEqual(self.client.post(self.url(token="y" * 32), {"action": "reopen"}).status_code, 404)

    def test_a_wrong_token_costs_the_same_whether_the_id_exists_or_not(self):
        # Red-team pass: an unknown id took a second query (about 2 ms more), so the private link, the
        # thank-you page and "my data" told by their timing which unpublished ids exist.
        pending = report("sicherheit-angstraum", answers={}, description="Die Unterführung ist abends unheimlich.")
        never_given = f"SL-{timezone.localdate().year}-9999"
        for name in ("publicweb:private", "publicweb:private_data", "publicweb:confirmation"):
            counts = set()
            for public_id in (pending.public_id, pending.public_id.lower(), never_given):
                with self.subTest(name=name, id=public_id), CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(reverse(name, args=[public_id, "y" * 32])).status_code, 404)
                counts.add(len(queries))
            self.assertEqual(len(counts), 1, f"{name}: queries {counts}")
        # The id in other letter case still opens the reporter's page.
        response = self.client.get(reverse("publicweb:private", args=[self.ticket.public_id.lower(),
                                                                      self.ticket.access_token]))
        self.assertRedirects(response, self.url())

    def test_answer_a_question(self):
        workflow.request_info(self.ticket, by=self.alice, question=QUESTION)
        response = self.client.get(self.url())
        self.assertContains(response, "The city has a question for you")
        self.assertContains(response, QUESTION)
        self.assertContains(response, 'name="answer-text"')

        response = self.answer("Auf dem Gehweg, direkt vor Hausnummer 5.")
        self.assertRedirects(response, self.ticket.get_private_url(), fetch_redirect_response=False)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
        answer = self.ticket.events.get(kind=Event.Kind.MESSAGE_FROM_REPORTER)
        self.assertEqual(answer.note, "Auf dem Gehweg, direkt vor Hausnummer 5.")
        self.assertEqual(answer.actor_kind, Event.ActorKind.REPORTER)

        response = self.client.get(self.url())
        self.assertContains(response, "Thank you. Your answer has been passed on.")
        self.assertContains(response, "Auf dem Gehweg, direkt vor Hausnummer 5.")
        self.assertNotContains(response, 'name="answer-text"')
        # The conversation stays between the reporter and the city.
        public = self.client.get(self.ticket.get_absolute_url())
        self.assertNotContains(public, QUESTION)
        self.assertNotContains(public, "Hausnummer 5")

    def test_empty_answer(self):
        workflow.request_info(self.ticket, by=self.alice, question=QUESTION)
        response = self.answer("   ")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please write your answer.")
        self.assertContains(response, "<title>Error:")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.NEEDS_INFO)

    def test_answer_when_no_question_is_open(self):
        response = self.answer("Noch eine Ergänzung.")
        self.assertContains(response, "is not waiting for an answer.")
        self.assertFalse(self.ticket.events.filter(kind=Event.Kind.MESSAGE_FROM_REPORTER).exists())

    def test_reopen_within_the_window(self):
        workflow.resolve(self.ticket, by=self.bob, note="Abgeholt.")
        with time_machine.travel(timezone.now() + timedelta(days=13), tick=False):
            response = self.client.get(self.url())
            self.assertContains(response, "Problem not solved?")
            self.assertContains(response, 'name="reopen-reason"')
            response = self.reopen("Die Matratzen liegen immer noch da.")
        self.assertRedirects(response, self.ticket.get_private_url(), fetch_redirect_response=False)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
        event = self.ticket.events.get(kind=Event.Kind.REOPENED)
        self.assertEqual(event.note, "Die Matratzen liegen immer noch da.")
        self.assertContains(self.client.get(self.url()), "Your report has been reopened.")

    def test_reopen_needs_a_reason(self):
        workflow.resolve(self.ticket, by=self.bob, note="Abgeholt.")
        response = self.reopen("")
        self.assertContains(response, "Please say why the ticket is reopened.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)

    def test_reopen_outside_the_window(self):
        workflow.resolve(self.ticket, by=self.bob, note="Abgeholt.")
        with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
            response = self.client.get(self.url())
            self.assertNotContains(response, 'name="reopen-reason"')
            response = self.reopen("Die Matratzen liegen immer noch da.")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "more than 14 days ago and can no longer be reopened here.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
        self.assertFalse(self.ticket.events.filter(kind=Event.Kind.REOPENED).exists())

    def test_reopen_reason_is_not_public(self):
        workflow.resolve(self.ticket, by=self.bob, note="Abgeholt.")
        self.reopen("Die Matratzen liegen immer noch vor meiner Wohnung.")
        public = self.client.get(self.ticket.get_absolute_url())
        self.assertContains(public, "Reopened")
        self.assertNotContains(public, "vor meiner Wohnung")
