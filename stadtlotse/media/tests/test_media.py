"""Photos through intake: real images only, within limits; the public version carries no metadata."""

import io
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation
from PIL import Image

from stadtlotse.testing.cases import StadtlotseTestCase, report, run_jobs
from stadtlotse.media import media
from stadtlotse.tickets.models import Attachment, Event, Ticket

from .images import CAMERA, TemporaryMediaMixin, image_bytes, upload


class EnglishTestCase(StadtlotseTestCase):
    """Messages compared with their English msgids."""

    def setUp(self):
        super().setUp()
        translation.activate("en")


class CheckPhotosTests(EnglishTestCase):
    def assertRefused(self, files, message):
        with self.assertRaises(ValidationError) as caught:
            media.check_photos(files)
        found = caught.exception.message_dict["photos"]
        self.assertTrue(any(m.startswith(message) for m in found), found)
        return found

    def test_jpeg_png_webp_are_accepted(self):
        photos = media.check_photos([
            upload("a.jpg"), upload("b.png", image_bytes("PNG"), "image/png"),
            upload("c.webp", image_bytes("WEBP"), "image/webp"),
        ])
        self.assertEqual([p.format for p in photos], ["JPEG", "PNG", "WEBP"])
        self.assertEqual((photos[0].width, photos[0].height), (1200, 900))
        self.assertEqual(media.check_photos([]), [])

    def test_gif_is_refused_whatever_its_name(self):
        self.assertRefused([upload("sofa.jpg", image_bytes("GIF"))],
                           "“sofa.jpg” is not a photo in JPEG, PNG, WebP or HEIC format.")

    def test_text_disguised_as_jpeg(self):
        self.assertRefused([upload("sofa.jpg", b"<?php system($_GET['c']); ?>")],
                           "“sofa.jpg” is not a photo in JPEG, PNG, WebP or HEIC format.")

    def test_truncated_jpeg(self):
        content = image_bytes(size=(800, 600), colour=(10, 200, 30))
        self.assertRefused([upload("cut.jpg", content[: len(content) // 2])],
                           "“cut.jpg” could not be read as a photo; the file may be damaged.")

    def test_empty_file(self):
        self.assertRefused([upload("leer.jpg", b"")], "“leer.jpg” is empty.")

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAX_PHOTO_BYTES": 1024 * 1024})
    def test_too_many_bytes(self):
        noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
        out = io.BytesIO()
        noise.save(out, "PNG")
        self.assertRefused([upload("gross.png", out.getvalue(), "image/png")],
                           "“gross.png” is too large: a photo may have at most 1 MB, this one has 1.8 MB.")

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAX_PHOTO_PIXELS": 1_000_000})
    def test_too_many_pixels(self):
        # A small file (one colour compresses well) that decodes to 4 megapixels.
        self.assertRefused([upload("bombe.png", image_bytes("PNG", size=(2000, 2000)), "image/png")],
                           "“bombe.png” has too many pixels: at most 1 megapixels, this one has 4.")

    def test_too_many_photos_and_one_message_per_problem(self):
        messages = self.assertRefused(
            [upload("1.jpg"), upload("2.jpg", b"kaputt"), upload("3.jpg"), upload("4.jpg")],
            "Please add at most 3 photos; you chose 4.",
        )
        self.assertEqual(messages, [
            "Please add at most 3 photos; you chose 4.",
            "“2.jpg” is not a photo in JPEG, PNG, WebP or HEIC format.",
        ])

    def test_heic_is_accepted(self):
        [photo] = media.check_photos([upload("IMG_0001.HEIC", image_bytes("HEIF", size=(640, 480)), "image/heic")])
        self.assertEqual((photo.format, photo.content_type, photo.extension, photo.width), ("HEIF", "image/heic", "heic", 640))

    def test_decompression_bomb_beyond_pillows_own_limit(self):
        # 50 kB of PNG that would decode to 400 megapixels (1.2 GB of memory): refused from its header.
        bomb = image_bytes("PNG", size=(20_000, 20_000), mode="1", colour=0)
        self.assertLess(len(bomb), 100_000)
        messages = self.assertRefused([upload("bombe.png", bomb, "image/png")],
                                      "“bombe.png” has too many pixels: at most 25 megapixels.")
        self.assertEqual(len(messages), 1)

    def test_header_lying_about_its_size(self):
        # A real PNG header claiming 5000×5000 followed by too little data: damaged, not decoded blindly.
        content = image_bytes("PNG", size=(5000, 5000))
        self.assertRefused([upload("luege.png", content[:200], "image/png")],
                           "“luege.png” could not be read as a photo; the file may be damaged.")

    def test_html_and_svg_named_as_photos(self):
        for name, content in (
            ("x.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"),
            ("x.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
            ("x.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 <script>"),
        ):
            with self.subTest(name=name):
                self.assertRefused([upload(name, content)], f"“{name}” is not a photo")

    def test_polyglot_image_with_html_appended_is_stored_as_image_only(self):
        # A valid JPEG with HTML after its end: accepted as a photo, but only ever served as image/jpeg
        # with nosniff (see publicweb test_photos), and its public version is re-encoded pixels.
        content = image_bytes() + b"<html><script>alert(1)</script></html>"
        [photo] = media.check_photos([upload("poly.jpg", content)])
        self.assertEqual(photo.content_type, "image/jpeg")

    def test_file_name_in_messages_loses_its_path(self):
        self.assertRefused([upload("../../etc/passwd", b"root:x:0:0")],
                           "“passwd” is not a photo in JPEG, PNG, WebP or HEIC format.")


class StoredPhotoTests(TemporaryMediaMixin, EnglishTestCase):
    def test_report_with_photos_stores_original_public_version_and_thumbnail(self):
        original = image_bytes(size=(3000, 2000))
        png = image_bytes("PNG", size=(400, 300), mode="RGBA", colour=(0, 0, 0, 0))
        ticket = report(photos=[upload("sofa.jpg", original), upload("p.png", png, "image/png")])
        first, second = ticket.attachments.order_by("pk")
        # Intake stores the original only; the photo job makes the public versions.
        self.assertEqual((first.public_version.name, first.thumbnail.name, first.processed_at), ("", "", None))
        run_jobs()
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual(first.original.read(), original)  # kept exactly as sent, for staff
        self.assertEqual((first.content_type, first.width, first.height, first.size),
                         ("image/jpeg", 3000, 2000, len(original)))
        public = Image.open(io.BytesIO(first.public_version.read()))
        self.assertEqual(public.format, "JPEG")
        self.assertEqual(public.size, (1600, 1067))
        self.assertEqual(dict(public.getexif()), {})  # no camera, no GPS
        self.assertNotIn(CAMERA.encode(), first.public_version.read())
        thumbnail = Image.open(io.BytesIO(first.thumbnail.read()))
        self.assertEqual(thumbnail.size, (320, 213))
        self.assertNotIn(b"Exif", first.thumbnail.read()[:200])
        # Transparent PNG: a JPEG with white where it was transparent.
        flat = Image.open(io.BytesIO(second.public_version.read()))
        self.assertEqual((flat.format, flat.getpixel((10, 10))[0] > 240), ("JPEG", True))
        self.assertTrue(first.original.name.endswith(".jpg") and second.original.name.endswith(".png"))
        self.assertNotIn("sofa", first.original.name)
        self.assertEqual(ticket.events.get(kind=Event.Kind.CREATED).data["photos"], 2)

    def test_heic_original_kept_and_public_version_is_jpeg(self):
        ticket = report(photos=[upload("IMG_0001.HEIC", image_bytes("HEIF", size=(640, 480)), "image/heic")])
        run_jobs()
        photo = ticket.attachments.get()
        self.assertEqual((photo.content_type, photo.original.name.rsplit(".", 1)[1]), ("image/heic", "heic"))
        self.assertEqual(Image.open(photo.public_version).format, "JPEG")

    def test_phone_rotation_is_applied(self):
        image = Image.new("RGB", (400, 200), "red")
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to display"
        out = io.BytesIO()
        image.save(out, "JPEG", exif=exif)
        ticket = report(photos=[upload("hoch.jpg", out.getvalue())])
        run_jobs()
        public = Image.open(ticket.attachments.get().public_version)
        self.assertEqual(public.size, (200, 400))

    def test_bad_photo_stores_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            report(photos=[upload("ok.jpg"), upload("bad.jpg", b"GIF89a")], description="x")
        errors = caught.exception.message_dict
        self.assertEqual(errors["photos"], ["“bad.jpg” is not a photo in JPEG, PNG, WebP or HEIC format."])
        self.assertIn("description", errors)  # every problem at once
        self.assertFalse(Ticket.objects.exists())
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(self.stored_files(), [])

    def test_stash_round_trip_and_tampering(self):
        [photo] = media.check_photos([upload("sofa.jpg")])
        token = media.stash(photo)
        again = media.unstash(token)
        self.assertEqual((again.content, again.name), (photo.content, "sofa.jpg"))
        self.assertIsNone(media.unstash(token[:-2] + "xx"))
        self.assertIsNone(media.unstash("nonsense"))
        media.discard_stashed([again])
        self.assertIsNone(media.unstash(token))


class PhotoHousekeepingTests(TemporaryMediaMixin, StadtlotseTestCase):
    def test_files_of_a_failed_transaction_are_deleted(self):
        from unittest import mock

        with mock.patch("stadtlotse.notifications.notify.received", side_effect=RuntimeError("disk full")):
            with self.assertRaises(RuntimeError):
                report(photos=[upload()])
        self.assertFalse(Ticket.objects.exists())
        self.assertEqual(self.stored_files(), [])

    def test_old_stashed_photos_are_purged(self):
        import os
        import time

        [photo] = media.check_photos([upload()])
        media.stash(photo)
        path = os.path.join(self._media_dir, photo.stash_path)
        day_ago = time.time() - 25 * 3600
        os.utime(path, (day_ago, day_ago))
        [fresh] = media.check_photos([upload("neu.jpg")])
        media.stash(fresh)  # purges the old one on the way
        self.assertEqual(self.stored_files(), [fresh.stash_path])


class GermanMessageTests(StadtlotseTestCase):
    def test_german_by_default(self):
        with self.assertRaises(ValidationError) as caught:
            media.check_photos([upload("sofa.gif", image_bytes("GIF"))])
        self.assertEqual(caught.exception.message_dict["photos"],
                         ["„sofa.gif“ ist kein Foto im Format JPEG, PNG, WebP oder HEIC."])
