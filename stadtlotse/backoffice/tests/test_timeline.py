"""The back-office timeline in sentences: every event kind, German and English, never raw event data."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stadtlotse.backoffice import timeline
from stadtlotse.connectors import dispatch
from stadtlotse.connectors.models import Delivery
from stadtlotse.testing.cases import category, report
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event

from .base import BackofficeTestCase

# What each kind carries in `data`, as the domain functions write it (see workflow, dispatch, moderation, …).
SAMPLES: dict[str, dict[str, object]] = {
    Event.Kind.CREATED: {"channel": "web", "photos": 2, "submitted_with_key": 3},
    Event.Kind.CLASSIFIED: {"category": ["sonstiges", "licht-laterne"], "topic": ["social", "infrastructure"],
                            "priority": ["normal", "urgent"], "location": [[52.5, 13.4], [52.51, 13.41]],
                            "address": ["", "Hermannplatz 1"]},
    Event.Kind.FORWARDED: {"department": "abfallwirtschaft"},
    Event.Kind.STATUS_CHANGED: {"paused_seconds_left": 172401.049068, "returned_by": "abfallwirtschaft"},
    Event.Kind.PUBLIC_NOTE: {},
    Event.Kind.INTERNAL_NOTE: {},
    Event.Kind.MESSAGE_TO_REPORTER: {},
    Event.Kind.MESSAGE_FROM_REPORTER: {},
    Event.Kind.ASSIGNED: {"assignee": "bob"},
    Event.Kind.MERGED: {"into": "SL-2026-0001"},
    Event.Kind.MODERATED: {"from": "pending", "to": "published", "public_description_changed": True},
    Event.Kind.ATTACHMENT_ADDED: {},
    Event.Kind.ATTACHMENT_REDACTED: {"photo": 7, "x": 1, "y": 2, "w": 30, "h": 40},
    Event.Kind.CONTACT_ERASED: {"reason": "retention: closed more than 90 days ago", "messages": 2},
    Event.Kind.EXTERNAL_UPDATE: {"open311_key": 1, "open311_update_id": "u-1", "open311_status": "OPEN"},
    Event.Kind.DELIVERY: {"delivery": 46, "attempt": 1, "result": "retry", "connector": "email",
                          "next_attempt": "2026-03-02T13:20:00+00:00"},
    Event.Kind.NOTIFICATION_SENT: {"notification": 5, "template": "status"},
    Event.Kind.NOTIFICATION_FAILED: {"notification": 5, "template": "status"},
    Event.Kind.REOPENED: {},
    Event.Kind.FOLLOW_UP: {"at": "2026-03-02T09:00:00+00:00"},
    Event.Kind.ESCALATED: {"due_at": "2026-03-01T17:00:00+00:00"},
    Event.Kind.UNMERGED: {"split": "SL-2026-0002"},
    Event.Kind.APP_COMMENT: {"open311_status": "CLOSED"},
}

RAW = ("{", "}", "[", "]", "': ", "_", "None", "172401")


class TimelineSentenceTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ticket = report("sonstiges", description="Die Laterne vor dem Haus ist seit Tagen dunkel.")

    def sentence(self, kind: str, language: str) -> str:
        event = Event(ticket=self.ticket, kind=kind, actor_kind=Event.ActorKind.SYSTEM, department=self.waste,
                      status_from="forwarded", status_to="needs_info", data=SAMPLES[kind])
        with translation.override(language):
            return timeline.sentence(event)

    def test_every_kind_has_a_sentence_without_raw_data(self) -> None:
        self.assertEqual(set(SAMPLES), set(Event.Kind.values))  # a new kind needs a sample and a sentence
        self.assertEqual(set(timeline.SENTENCES), set(Event.Kind.values))
        for kind in Event.Kind.values:
            for language in ("de", "en"):
                with self.subTest(kind=kind, language=language):
                    text = self.sentence(kind, language)
                    self.assertTrue(text.strip())
                    for raw in RAW:
                        self.assertNotIn(raw, text)

    def test_the_sentences_the_desk_asked_for(self) -> None:
        self.assertIn("Kategorie geändert: Sonstiges Anliegen → Straßenlaterne defekt.",
                      self.sentence(Event.Kind.CLASSIFIED, "de"))
        self.assertIn("Dringlichkeit geändert: normal → dringend.", self.sentence(Event.Kind.CLASSIFIED, "de"))
        self.assertIn("Frist angehalten, 2 Tage 0 Std. verbleiben.", self.sentence(Event.Kind.STATUS_CHANGED, "de"))
        self.assertIn("Deadline paused, 2 days 0 h left.", self.sentence(Event.Kind.STATUS_CHANGED, "en"))
        self.assertIn("Zustellung an Abfallwirtschaft per E-Mail, 1. Versuch: fehlgeschlagen, wird erneut versucht.",
                      self.sentence(Event.Kind.DELIVERY, "de"))
        self.assertIn("Nächster Versuch 2. März 2026 14:20.", self.sentence(Event.Kind.DELIVERY, "de"))
        self.assertEqual(self.sentence(Event.Kind.CONTACT_ERASED, "de"),
                         "Kontaktdaten gelöscht: Die Aufbewahrungsfrist ist abgelaufen. 2 Nachrichten mitgelöscht.")
        self.assertIn("Delivery to Waste management via E-mail, attempt 1: failed, will be retried. Next attempt March 2, 2026, 2:20 p.m.",
                      self.sentence(Event.Kind.DELIVERY, "en"))

    def test_the_ticket_page_tells_a_real_history_in_sentences(self) -> None:
        ticket = report("sonstiges", description="Die Laterne an der Ecke flackert und geht aus.")
        workflow.classify(ticket, by=self.alice, category=category("licht-laterne"))
        workflow.forward(ticket, self.waste, by=self.alice)
        delivery = Delivery.objects.filter(ticket=ticket).latest("pk")
        delivery.attempts = 1
        dispatch.record_failure(delivery, "connection refused", final=False,
                                next_attempt_at=timezone.now() + timedelta(minutes=10))
        ticket.refresh_from_db()
        workflow.accept(ticket, by=self.bob)
        ticket.refresh_from_db()
        workflow.request_info(ticket, by=self.bob, question="Welche Hausnummer?")

        german = Client()  # no language preference: German
        german.force_login(self.alice)
        page = german.get(reverse("backoffice:ticket", args=[ticket.public_id])).content.decode()
        self.assertIn("Kategorie geändert: Sonstiges Anliegen → Straßenlaterne defekt.", page)
        self.assertIn("Weitergeleitet an Abfallwirtschaft.", page)
        self.assertIn("1. Versuch: fehlgeschlagen, wird erneut versucht.", page)
        self.assertIn("Status: weitergeleitet → angenommen.", page)
        self.assertIn("Frist angehalten,", page)
        for raw in ("paused_seconds_left", "delivery:", "attempt:", "category:", "[&#x27;"):
            self.assertNotIn(raw, page)

        english = self.client
        english.force_login(self.alice)
        page = english.get(reverse("backoffice:ticket", args=[ticket.public_id])).content.decode()
        self.assertIn("Category changed: Other matter → Street light broken.", page)
        self.assertIn("Deadline paused,", page)

    def test_the_public_page_shows_none_of_it(self) -> None:
        ticket = report("sonstiges", description="Die Laterne an der Ecke flackert und geht aus.")
        workflow.forward(ticket, self.waste, by=self.alice)
        page = Client().get(ticket.get_absolute_url()).content.decode()
        self.assertNotIn("Weitergeleitet an Abfallwirtschaft.", page)
        self.assertNotIn("Zustellung", page)
