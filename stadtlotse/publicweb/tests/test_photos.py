"""Photos on the report form and on the ticket page."""

import io

from django.urls import reverse
from PIL import Image

from stadtlotse.testing.cases import report, run_jobs
from stadtlotse.media.tests.images import CAMERA, TemporaryMediaMixin, image_bytes, upload
from stadtlotse.tickets import moderation
from stadtlotse.tickets.models import Attachment, Ticket

from .base import PublicWebTestCase
from .test_report import DESCRIPTION, form_data


class ReportPhotoTests(TemporaryMediaMixin, PublicWebTestCase):
    url = reverse("publicweb:report")

    def test_report_with_two_photos(self):
        response = self.client.post(self.url, {**form_data(), "photos": [upload("a.jpg"), upload("b.jpg")]})
        ticket = Ticket.objects.get()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ticket.attachments.count(), 2)

    def test_wrong_type_is_shown_at_the_field_and_keeps_everything_else(self):
        response = self.client.post(self.url, {
            **form_data(), "photos": [upload("ok.jpg"), upload("virus.jpg", b"MZ\x90\x00 not an image")],
        })
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "There is a problem")
        self.assertContains(response, 'href="#id_photos"')
        self.assertContains(response, 'id="id_photos_error"')
        self.assertContains(response, "“virus.jpg” is not a photo in JPEG, PNG, WebP or HEIC format.")
        self.assertContains(response, DESCRIPTION)
        self.assertContains(response, 'value="rita@example.org"')
        # The good photo waits for the next submission instead of being chosen again.
        self.assertContains(response, "ok.jpg (1200 × 900 pixels) is added.")
        self.assertFalse(Ticket.objects.exists())
        token = response.context["form"].kept_photos[0]["token"]
        response = self.client.post(self.url, {**form_data(), "kept_photos": [token]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attachments.count(), 1)
        self.assertEqual([name for name in self.stored_files() if name.startswith("pending/")], [])

    def test_photos_survive_the_questions_step_and_can_be_removed(self):
        response = self.client.post(self.url, {
            **form_data(**{"shown_questions": None, "attribute[menge]": None}),
            "photos": [upload("a.jpg"), upload("b.jpg")],
        })
        self.assertContains(response, "Please answer the additional questions.")
        tokens = [p["token"] for p in response.context["form"].kept_photos]
        self.assertEqual(len(tokens), 2)
        response = self.client.post(self.url, {**form_data(), "kept_photos": tokens, "drop_photos": [tokens[1]]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attachments.count(), 1)

    def test_forged_token_is_ignored(self):
        response = self.client.post(self.url, {**form_data(), "kept_photos": ["pending/../../secret"]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attachments.count(), 0)

    def test_upload_larger_than_all_photos_together_is_refused_unread(self):
        response = self.client.post(self.url, form_data(), CONTENT_LENGTH=str(40 * 1024 * 1024))
        self.assertContains(response, "Your photos are too large together", status_code=413)
        self.assertFalse(Ticket.objects.exists())


class TicketPhotoTests(TemporaryMediaMixin, PublicWebTestCase):
    def test_public_version_only_and_only_when_published(self):
        ticket = report(photos=[upload("sofa.jpg", image_bytes(size=(2000, 1500)))])
        photo = ticket.attachments.get()
        full = reverse("publicweb:photo", args=[ticket.public_id, photo.pk])
        small = reverse("publicweb:photo_thumbnail", args=[ticket.public_id, photo.pk])
        # Not public before the photo job made the blurred version.
        self.assertNotContains(self.client.get(ticket.get_absolute_url()), full)
        self.assertEqual(self.client.get(full).status_code, 404)
        run_jobs()
        page = self.client.get(ticket.get_absolute_url())
        self.assertContains(page, f'href="{full}"')
        self.assertContains(page, f'src="{small}"')
        self.assertNotContains(page, photo.original.url)
        response = self.client.get(full)
        content = b"".join(response.streaming_content)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Disposition"], f'inline; filename="{ticket.public_id}-{photo.pk}.jpg"')
        self.assertNotIn(CAMERA.encode(), content)
        self.assertEqual(Image.open(io.BytesIO(content)).size, (1600, 1200))
        self.assertEqual(Image.open(io.BytesIO(b"".join(self.client.get(small).streaming_content))).size, (320, 240))

        Attachment.objects.filter(pk=photo.pk).update(is_hidden=True)
        self.assertEqual(self.client.get(full).status_code, 404)
        Attachment.objects.filter(pk=photo.pk).update(is_hidden=False)
        moderation.moderate(ticket, Ticket.Publication.HIDDEN, by=self.alice, reason="Personen erkennbar")
        self.assertEqual(self.client.get(full).status_code, 404)
        self.assertEqual(self.client.get(small).status_code, 404)
        self.assertEqual(self.client.get(ticket.get_absolute_url()).status_code, 404)

    def test_pending_ticket_shows_no_photos(self):
        ticket = report("sicherheit-angstraum", answers={}, photos=[upload()])
        run_jobs()
        photo = ticket.attachments.get()
        self.assertEqual(
            self.client.get(reverse("publicweb:photo", args=[ticket.public_id, photo.pk])).status_code, 404
        )

    def test_photos_of_a_report_about_people_are_never_public(self):
        # Red-team pass: the point was generalised to 100 m, but the published photo showed the person and
        # the doorway (house number, shop sign) on the page, as Open311 media_url and as the similar thumbnail.
        ticket = report("soziales-schlafplatz", place=(52.4869, 13.4247), answers={}, photos=[upload()])
        moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=self.alice)
        run_jobs()
        photo = ticket.attachments.get()
        self.assertTrue(photo.public_version)
        full = reverse("publicweb:photo", args=[ticket.public_id, photo.pk])
        small = reverse("publicweb:photo_thumbnail", args=[ticket.public_id, photo.pk])
        page = self.client.get(ticket.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, full)
        self.assertEqual(self.client.get(full).status_code, 404)
        self.assertEqual(self.client.get(small).status_code, 404)
        [request] = self.client.get(reverse("open311:request", args=[ticket.public_id, "json"]),
                                    {"extensions": "true"}).json()
        self.assertIsNone(request["media_url"])
        self.assertEqual(request["extended_attributes"]["media_urls"], [])
        similar = self.client.get(reverse("publicweb:similar"),
                                  {"category": "soziales-schlafplatz", "lat": "52.4869", "lon": "13.4247"}).json()
        self.assertEqual([(t["id"], t["thumbnail"]) for t in similar["tickets"]], [(ticket.public_id, None)])
        # Staff still see it.
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("backoffice:attachment", args=[ticket.public_id, photo.pk])).status_code,
                         200)

    def test_photo_of_another_ticket_is_not_found(self):
        first = report(photos=[upload()])
        second = report()
        url = reverse("publicweb:photo", args=[second.public_id, first.attachments.get().pk])
        self.assertEqual(self.client.get(url).status_code, 404)
