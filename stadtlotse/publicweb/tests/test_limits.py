"""The public doors cannot be exhausted: photo stash, decoding, support counts, IPv6 sources."""

import os
import shutil
from unittest import mock

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from stadtlotse.core import slots
from stadtlotse.testing.cases import report
from stadtlotse.media import media
from stadtlotse.intake.models import Support
from stadtlotse.media.tests.images import TemporaryMediaMixin, image_bytes, upload
from stadtlotse.tickets.models import Ticket

from .base import EnglishClient, PublicWebTestCase
from .test_report import form_data


def limited(**values):
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, **values})


def two_step(**overrides):
    """The first step of the form without JavaScript: the category's questions are not on the page yet."""
    return form_data(**{"shown_questions": None, "attribute[menge]": None, **overrides})


class StashTests(TemporaryMediaMixin, PublicWebTestCase):
    url = reverse("publicweb:report")

    def setUp(self):
        super().setUp()
        # The stash is files, not rows: what an earlier test kept is not rolled back.
        shutil.rmtree(os.path.join(self._media_dir, media.STASH_DIR), ignore_errors=True)

    def pending(self):
        return [name for name in self.stored_files() if name.startswith("pending/")]

    @limited(REPORT_RATE_PER_IP="3/600")
    def test_sending_photos_counts_against_the_limit_per_ip(self):
        # Before: every questions step stashed its photos uncounted, so six POSTs left 63 MB behind.
        for _ in range(3):
            response = self.client.post(self.url, {**two_step(), "photos": [upload("a.jpg"), upload("b.jpg")]})
            self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.pending()), 6)
        with mock.patch.object(media.Image, "open", wraps=media.Image.open) as opened:
            response = self.client.post(self.url, {**two_step(), "photos": [upload("c.jpg"), upload("d.jpg")]})
        self.assertContains(response, "Nothing of this report has been stored.", status_code=429)
        self.assertEqual(opened.call_count, 0)  # refused before any photo was opened
        self.assertEqual(len(self.pending()), 6)

    @limited(REPORT_RATE_PER_IP="2/600")
    def test_refused_report_decodes_nothing(self):
        self.client.post(self.url, form_data())
        self.client.post(self.url, form_data())
        with mock.patch.object(media.Image, "open", wraps=media.Image.open) as opened:
            response = self.client.post(self.url, {**form_data(), "photos": [upload("a.png", image_bytes("PNG"))]})
        self.assertEqual(response.status_code, 429)
        self.assertEqual(opened.call_count, 0)
        self.assertEqual(Ticket.objects.count(), 2)

    def test_kept_photos_are_taken_back_without_decoding_again(self):
        response = self.client.post(self.url, {**two_step(), "photos": [upload("a.jpg")]})
        token = response.context["form"].kept_photos[0]["token"]
        with mock.patch.object(media.Image, "open", wraps=media.Image.open) as opened:
            response = self.client.post(self.url, {**form_data(), "kept_photos": [token]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(opened.call_count, 0)
        self.assertEqual(Ticket.objects.get().attachments.count(), 1)

    def test_a_changed_stash_file_is_not_taken_back(self):
        response = self.client.post(self.url, {**two_step(), "photos": [upload("a.jpg")]})
        token = response.context["form"].kept_photos[0]["token"]
        [path] = self.pending()
        with open(f"{self._media_dir}/{path}", "wb") as file:
            file.write(b"<html>not the photo that was checked</html>")
        self.assertIsNone(media.unstash(token))

    def test_stash_is_limited_per_source(self):
        one_photo = len(image_bytes())
        with limited(STASH_BYTES_PER_SOURCE=one_photo + 100):
            response = self.client.post(self.url, {**two_step(), "photos": [upload("a.jpg"), upload("b.jpg")]})
            self.assertEqual([p["name"] for p in response.context["form"].kept_photos], ["a.jpg"])
            self.assertContains(response, "“b.jpg” could not be kept for this form. Please choose it again.")
            # The same /64 is the same source; another address is not affected.
            response = self.client.post(self.url, {**two_step(), "photos": [upload("c.jpg")]},
                                        REMOTE_ADDR="2001:db8:7:7::1")
            self.assertEqual(len(response.context["form"].kept_photos), 1)
            response = self.client.post(self.url, {**two_step(), "photos": [upload("d.jpg")]},
                                        REMOTE_ADDR="2001:db8:7:7:ffff::2")
            self.assertEqual(response.context["form"].kept_photos, [])
        self.assertEqual(len(self.pending()), 2)

    def test_stash_is_limited_in_all(self):
        one_photo = len(image_bytes())
        with limited(STASH_MAX_BYTES=2 * one_photo + 100):
            for number, address in enumerate(("192.0.2.1", "192.0.2.2", "192.0.2.3")):
                self.client.post(self.url, {**two_step(), "photos": [upload(f"{number}.jpg")]}, REMOTE_ADDR=address)
        self.assertEqual(len(self.pending()), 2)


class DecodingTests(TemporaryMediaMixin, PublicWebTestCase):
    url = reverse("publicweb:report")

    @limited(MAX_PUBLIC_PHOTO_PIXELS=1_000_000, MAX_PHOTO_PIXELS=4_000_000)
    def test_anonymous_photos_have_fewer_pixels_than_staffs(self):
        big = image_bytes("PNG", size=(2000, 1000))
        response = self.client.post(self.url, {**form_data(), "photos": [upload("gross.png", big, "image/png")]})
        self.assertContains(response, "“gross.png” has too many pixels: at most 1 megapixels, this one has 2.")
        self.assertFalse(Ticket.objects.exists())
        self.assertEqual(media.check_photo(upload("gross.png", big, "image/png"), staff=True).width, 2000)
        ticket = report(photos=[upload("gross.png", big, "image/png")], by=self.alice)
        self.assertEqual(ticket.attachments.get().width, 2000)

    @limited(DECODE_SLOTS=1, DECODE_WAIT_SECONDS=0)
    def test_decoding_waits_for_a_free_slot(self):
        # All slots busy (another request, another process): the resident is asked to send again.
        with slots.slot("decode", slots=1, wait=0):
            response = self.client.post(self.url, {**form_data(), "photos": [upload("a.jpg")]})
        self.assertContains(response, "“a.jpg” could not be checked now because many photos are being received.")
        self.assertFalse(Ticket.objects.exists())
        response = self.client.post(self.url, {**form_data(), "photos": [upload("a.jpg")]})
        self.assertEqual(response.status_code, 302)


class SupportPerSourceTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()

    def support(self, address="192.0.2.50", client=None):
        # A new client each time unless given: no cookies, as a script would send it.
        return (client or EnglishClient()).post(reverse("publicweb:support", args=[self.ticket.public_id]),
                                                {"support-email": ""}, REMOTE_ADDR=address)

    def supporters(self):
        self.ticket.refresh_from_db(fields=["supporters"])
        return self.ticket.supporters

    def test_cookieless_clients_support_once_per_source_and_make_no_sessions(self):
        # Before: 30 sessions → 30 supporters and 30 session rows.
        browser = EnglishClient()
        responses = [self.support(client=browser)] + [self.support() for _ in range(29)]
        self.assertEqual(responses[0].status_code, 302)
        self.assertContains(responses[-1], "You already support this report.", status_code=400)
        self.assertEqual(self.supporters(), 1)
        self.assertEqual(Session.objects.count(), 0)
        # The browser that supported sees so on the page (a signed cookie, not a session).
        self.assertContains(browser.get(self.ticket.get_absolute_url()), "You support this report.")
        self.assertNotContains(EnglishClient().get(self.ticket.get_absolute_url()), "You support this report.")

    def test_ipv6_support_counts_once_per_64(self):
        self.support("2001:db8:1:2::1")
        self.support("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
        self.assertEqual(self.supporters(), 1)
        self.support("2001:db8:1:3::1")
        self.support("192.0.2.51")
        self.assertEqual(self.supporters(), 3)
        # No address is stored, only a keyed hash.
        self.assertFalse(Support.objects.filter(source__contains="2001").exists())


class IPv6RateTests(PublicWebTestCase):
    url = reverse("publicweb:report")

    @limited(REPORT_RATE_PER_IP="2/600")
    def test_report_limit_counts_an_ipv6_64_as_one_source(self):
        statuses = [self.client.post(self.url, form_data(email=f"n{n}@example.org"),
                                     REMOTE_ADDR=f"2001:db8:9:9::{n}").status_code for n in range(1, 4)]
        self.assertEqual(statuses, [302, 302, 429])
        other = self.client.post(self.url, form_data(email="x@example.org"), REMOTE_ADDR="2001:db8:9:a::1")
        self.assertEqual(other.status_code, 302)

    @limited(REPORT_RATE_PER_EMAIL="2/600")
    def test_plus_addresses_count_as_one_mailbox(self):
        statuses = [self.client.post(self.url, form_data(email=email), REMOTE_ADDR=f"192.0.2.{n}").status_code
                    for n, email in enumerate(["rita+1@example.org", "Rita+zwei@Example.org", "rita@example.org"])]
        self.assertEqual(statuses, [302, 302, 429])
        # Sent to the address as typed.
        self.assertEqual(Ticket.objects.order_by("pk").first().contact.email, "rita+1@example.org")
