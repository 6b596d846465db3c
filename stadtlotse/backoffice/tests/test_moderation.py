"""Moderation: publish or hide a report, edit its public text, hide single photos; hiding is told to the reporter."""


from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import HERMANNPLATZ, report, run_jobs
from stadtlotse.media.tests.images import TemporaryMediaMixin
from stadtlotse.tickets.models import Attachment, Event, Ticket

from .base import BackofficeTestCase

RITA = "rita@example.org"


class ModerationTests(TemporaryMediaMixin, BackofficeTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = report("sonstiges", HERMANNPLATZ, description="Herr Müller aus Nr. 5 lässt immer Müll liegen.")
        self.photo = Attachment.objects.create(
            ticket=self.ticket, original=SimpleUploadedFile("a.jpg", b"\xff\xd8original"),
            public_version=SimpleUploadedFile("b.jpg", b"\xff\xd8blurred"), content_type="image/jpeg", size=10,
        )
        self.client.force_login(self.alice)

    def test_publish_with_edited_text_keeps_the_original_internal(self):
        self.act(self.ticket, "moderate", publication="published", public_description="Es liegt immer Müll vor Nr. 5.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.publication, Ticket.Publication.PUBLISHED)
        self.assertEqual(self.ticket.description, "Herr Müller aus Nr. 5 lässt immer Müll liegen.")
        public = self.client.get(self.ticket.get_absolute_url())
        self.assertContains(public, "Es liegt immer Müll vor Nr. 5.")
        self.assertNotContains(public, "Herr Müller")

    def test_hiding_the_report_needs_a_reason_and_tells_the_reporter(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            response = self.act(self.ticket, "moderate", publication="hidden", reason="", follow=True)
            self.ticket.refresh_from_db()
            self.assertEqual(self.ticket.publication, Ticket.Publication.PENDING)
            self.act(self.ticket, "moderate", publication="hidden", reason="Nennt eine Person beim Namen.")
            run_jobs()
            mail = smtp.to(RITA)[-1]
            self.assertIn("nicht öffentlich", mail["Subject"])
            self.assertIn("Nennt eine Person beim Namen.", mail.get_body(preferencelist=("plain",)).get_content())
        self.assertEqual(response.status_code, 200)
        event = self.ticket.events.filter(kind=Event.Kind.MODERATED).last()
        self.assertEqual(event.note, "Nennt eine Person beim Namen.")

    def test_hide_and_show_a_photo(self):
        url = reverse("backoffice:moderate_photo", args=[self.ticket.public_id, self.photo.pk])
        response = self.client.post(url, {"hidden": "on", "reason": ""}, follow=True)
        self.assertIn("reason", self.last_message(response))
        self.photo.refresh_from_db()
        self.assertFalse(self.photo.is_hidden)
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            self.client.post(url, {"hidden": "on", "reason": "Kennzeichen lesbar"})
            run_jobs()
            self.assertIn("Foto", smtp.to(RITA)[-1]["Subject"])
        self.photo.refresh_from_db()
        self.assertTrue(self.photo.is_hidden)
        self.client.post(url, {"reason": ""})
        self.photo.refresh_from_db()
        self.assertFalse(self.photo.is_hidden)
        self.assertEqual(self.ticket.events.filter(kind=Event.Kind.MODERATED, data__photo=self.photo.pk).count(), 2)

    def test_public_version_for_staff(self):
        url = reverse("backoffice:attachment", args=[self.ticket.public_id, self.photo.pk])
        self.assertEqual(b"".join(self.client.get(url + "?version=public").streaming_content), b"\xff\xd8blurred")

    def test_departments_cannot_moderate_photos(self):
        from stadtlotse.tickets import workflow

        workflow.forward(self.ticket, self.waste, by=self.alice)
        self.client.force_login(self.bob)
        url = reverse("backoffice:moderate_photo", args=[self.ticket.public_id, self.photo.pk])
        self.assertEqual(self.client.post(url, {"hidden": "on", "reason": "x"}).status_code, 403)
        self.photo.refresh_from_db()
        self.assertFalse(self.photo.is_hidden)
