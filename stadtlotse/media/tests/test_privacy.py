"""The photo privacy pipeline: faces found and blurred in a background job, staff rectangles blurred too."""

import io
from pathlib import Path
from unittest import mock

from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageChops, ImageFilter, ImageStat

from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase, report, run_jobs
from stadtlotse.media import rendering
from stadtlotse.publicweb.tests.base import EnglishClient
from stadtlotse.tickets import disclosure, moderation, workflow
from stadtlotse.tickets.models import Event

from .images import TemporaryMediaMixin, upload

DATA = Path(__file__).parent / "data"
# Where Eileen Collins' face is in astronaut.jpg (512×512), measured by eye.
FACE = (180, 70, 270, 165)


def region_difference(a, b, box):
    """Mean absolute difference of two images (0–255) inside box."""
    return sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3


def sharpness(image, box):
    """Fine detail inside box: how far its grey values lie from a softened copy (a blurred face has none)."""
    region = image.convert("L").crop(box)
    return ImageStat.Stat(ImageChops.difference(region, region.filter(ImageFilter.GaussianBlur(2)))).mean[0]


class PipelineTests(TemporaryMediaMixin, StadtlotseTestCase):
    def setUp(self):
        super().setUp()
        translation.activate("en")

    def astronaut_ticket(self):
        content = (DATA / "astronaut.jpg").read_bytes()
        return report(photos=[upload("nasa.jpg", content)]), Image.open(io.BytesIO(content)).convert("RGB")

    def test_face_is_found_and_blurred_in_public_version_and_thumbnail(self):
        ticket, original = self.astronaut_ticket()
        run_jobs()
        photo = ticket.attachments.get()
        self.assertIsNotNone(photo.processed_at)
        centres = [(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2) for box in photo.detections
                   if box["kind"] == "face"]
        # Her face is found (the detector is tuned for recall, so other boxes may be found too).
        self.assertTrue(any(FACE[0] < x < FACE[2] and FACE[1] < y < FACE[3] for x, y in centres), photo.detections)
        public = Image.open(photo.public_version).convert("RGB")
        self.assertEqual(public.size, original.size)  # smaller than the public size: not enlarged
        self.assertLess(sharpness(public, FACE), sharpness(original, FACE) / 2)
        # Away from the face the picture is unchanged apart from JPEG noise.
        self.assertLess(region_difference(public, original, (0, 300, 150, 500)), 4)
        thumbnail = Image.open(photo.thumbnail).convert("RGB")
        small_face = tuple(round(v * thumbnail.width / 512) for v in FACE)
        self.assertLess(sharpness(thumbnail, small_face), sharpness(original.resize(thumbnail.size), small_face) / 2)
        self.assertEqual(dict(Image.open(photo.public_version).getexif()), {})

    def test_photo_without_faces_stays_sharp(self):
        content = (DATA / "coffee.jpg").read_bytes()
        ticket = report(photos=[upload("kaffee.jpg", content)])
        run_jobs()
        photo = ticket.attachments.get()
        self.assertEqual([box for box in photo.detections if box["kind"] == "face"], [])
        # The lettering-like finder for plates may blur a little, but most of the picture stays as it was.
        self.assertLess(sum(box["w"] * box["h"] for box in photo.detections), 0.1 * 600 * 400)
        original = Image.open(io.BytesIO(content)).convert("RGB")
        public = Image.open(photo.public_version).convert("RGB")
        self.assertLess(region_difference(public, original, (0, 0, 600, 400)), 4)

    def test_manual_redaction_blurs_server_side_and_is_on_the_timeline(self):
        ticket, original = self.astronaut_ticket()
        run_jobs()
        photo = ticket.attachments.get()
        old_public = photo.public_version.name
        patch = (300, 300, 120, 100)  # the flag patch on her sleeve, not found by any detector
        box = dict(zip("xywh", patch))
        area = (300, 300, 420, 400)
        self.assertGreater(sharpness(Image.open(photo.public_version), area), 2)
        with self.captureOnCommitCallbacks(execute=True):
            event = moderation.redact_photo(photo, box, by=self.alice)
        photo.refresh_from_db()
        self.assertEqual(photo.redactions, [{"kind": "manual", **box}])
        self.assertEqual((event.kind, event.visibility, event.data["photo"]),
                         (Event.Kind.ATTACHMENT_REDACTED, Event.Visibility.INTERNAL, photo.pk))
        public = Image.open(photo.public_version).convert("RGB")
        self.assertLess(sharpness(public, area), sharpness(original, area) / 2)
        self.assertLess(sharpness(public, FACE), sharpness(original, FACE) / 2)  # the face stays blurred
        self.assertNotEqual(photo.public_version.name, old_public)
        self.assertFalse(photo.public_version.storage.exists(old_public))  # the unblurred file is gone
        run_jobs()  # the queued safety job renders the same again
        photo.refresh_from_db()
        self.assertEqual(len(photo.redactions), 1)
        self.assertLess(sharpness(Image.open(photo.public_version), area), sharpness(original, area) / 2)

    def test_redaction_while_the_job_renders_is_not_lost(self):
        ticket, _original = self.astronaut_ticket()
        photo = ticket.attachments.get()
        real_render = rendering.render
        calls = []

        def render_while_desk_redacts(content, **kwargs):
            calls.append(kwargs["redactions"])
            if len(calls) == 1:
                # The desk saves a rectangle between the job's reading and its writing.
                type(photo).objects.filter(pk=photo.pk).update(redactions=[{"kind": "manual", "x": 0, "y": 0, "w": 50, "h": 50}])
            return real_render(content, **kwargs)

        with mock.patch.object(rendering, "render", side_effect=render_while_desk_redacts):
            rendering.process(photo)
        self.assertEqual(calls, [[], [{"kind": "manual", "x": 0, "y": 0, "w": 50, "h": 50}]])
        public = Image.open(type(photo).objects.get(pk=photo.pk).public_version)
        self.assertLess(sharpness(public, (0, 0, 50, 50)), sharpness(_original, (0, 0, 50, 50)) / 2)

    def test_redaction_needs_the_desk_and_a_rectangle_on_the_photo(self):
        ticket, _original = self.astronaut_ticket()
        run_jobs()
        photo = ticket.attachments.get()
        with self.assertRaises(workflow.WorkflowError):
            moderation.redact_photo(photo, {"x": 0, "y": 0, "w": 10, "h": 10}, by=self.bob)
        with self.assertRaisesMessage(workflow.WorkflowError, "outside the photo"):
            moderation.redact_photo(photo, {"x": 600, "y": 0, "w": 10, "h": 10}, by=self.alice)
        photo.refresh_from_db()
        self.assertEqual(photo.redactions, [])

    def test_failed_job_retries_and_the_photo_stays_private(self):
        ticket, _original = self.astronaut_ticket()
        with mock.patch.object(rendering, "render", side_effect=OSError("disk full")):
            run_jobs()
        photo = ticket.attachments.get()
        self.assertEqual((photo.public_version.name, photo.processed_at), ("", None))
        self.assertFalse(disclosure.public_photos().filter(pk=photo.pk).exists())


class RedactionViewTests(TemporaryMediaMixin, StadtlotseTestCase):
    client_class = EnglishClient

    def test_desk_draws_a_rectangle_by_numbers(self):
        ticket = report(photos=[upload("nasa.jpg", (DATA / "astronaut.jpg").read_bytes())])
        run_jobs()
        photo = ticket.attachments.get()
        self.client.login(username="alice", password=PASSWORD)
        page = self.client.get(ticket.get_backoffice_url())
        url = reverse("backoffice:redact_photo", args=[ticket.public_id, photo.pk])
        self.assertContains(page, f'action="{url}"')
        self.assertContains(page, 'type="number"', count=4)
        response = self.client.post(url, {"x": "10", "y": "20", "w": "30", "h": "40"})
        self.assertRedirects(response, ticket.get_backoffice_url() + f"#photo-{photo.pk}", fetch_redirect_response=False)
        photo.refresh_from_db()
        self.assertEqual(photo.redactions, [{"kind": "manual", "x": 10, "y": 20, "w": 30, "h": 40}])
        # Bad numbers: a clear message, nothing changes.
        response = self.client.post(url, {"x": "-5", "y": "abc", "w": "0", "h": ""}, follow=True)
        self.assertContains(response, "whole numbers of pixels")
        photo.refresh_from_db()
        self.assertEqual(len(photo.redactions), 1)
        # A rectangle in the wrong place can be taken back; the timeline keeps both steps.
        remove = reverse("backoffice:remove_redaction", args=[ticket.public_id, photo.pk, 1])
        self.assertContains(response, f'action="{remove}"')
        response = self.client.post(remove, follow=True)
        self.assertContains(response, "The blurred area was removed from the public version.")
        photo.refresh_from_db()
        self.assertEqual(photo.redactions, [])
        self.assertTrue(photo.public_version)
        self.assertEqual(ticket.events.filter(kind=Event.Kind.ATTACHMENT_REDACTED).count(), 2)
        response = self.client.post(remove, follow=True)
        self.assertContains(response, "This blurred area does not exist (any more).")

    def test_original_only_for_staff_with_safe_headers(self):
        ticket = report(photos=[upload("<script>.jpg")])
        photo = ticket.attachments.get()
        url = reverse("backoffice:attachment", args=[ticket.public_id, photo.pk])
        self.assertEqual(self.client.get(url).status_code, 302)  # to the login
        self.client.login(username="dave", password=PASSWORD)  # another department
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.login(username="alice", password=PASSWORD)
        response = self.client.get(url)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Disposition"], f'inline; filename="{ticket.public_id}-{photo.pk}-original.jpg"')
        self.assertNotIn("script", photo.original.name)
