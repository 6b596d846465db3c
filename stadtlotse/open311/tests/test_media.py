"""Photos through Open311: file parts and media_url links, through the same checks as the web form."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from stadtlotse.testing.cases import HERMANNPLATZ, run_jobs
from stadtlotse.tickets import moderation
from stadtlotse.tickets.models import Attachment, Ticket

from .base import Open311TestCase


def jpeg(size=(640, 480), exif_gps=False):
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        exif[0x8825] = {1: "N", 2: (52.0, 29.0, 12.0)}  # GPSInfo: a position that must not leak
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


class PhotoServer:
    """A real HTTP server on loopback serving one JPEG at /foto.jpg (404 elsewhere)."""

    def __init__(self, body):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/foto.jpg":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def settings_with(**values):
    from django.conf import settings

    return override_settings(STADTLOTSE={**settings.STADTLOTSE, **values})


class MediaTests(Open311TestCase):
    def post(self, fmt="json", **extra):
        lat, lon = HERMANNPLATZ
        values = {"api_key": self.plain_key, "service_code": "abfall-ablagerung", "lat": lat, "long": lon,
                  "description": "Müllsäcke am Straßenrand."}
        values.update(extra)
        return self.client.post(f"/open311/v2/requests.{fmt}", values)

    def test_file_parts_become_photos_without_metadata(self):
        response = self.post(media=SimpleUploadedFile("a.jpg", jpeg(exif_gps=True), "image/jpeg"),
                             photo2=SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg"))
        self.assertEqual(response.status_code, 201, response.content)
        run_jobs()  # the photo job makes the public versions
        ticket = Ticket.objects.get()
        attachments = list(ticket.attachments.all())
        self.assertEqual(len(attachments), 2)
        public = Image.open(attachments[0].public_version.open("rb"))
        self.assertNotIn(0x8825, public.getexif())
        self.assertIn(0x8825, Image.open(attachments[0].original.open("rb")).getexif())  # staff only

    def test_published_photos_appear_in_get_requests(self):
        self.post(**{"media[]": SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")})
        run_jobs()
        ticket = Ticket.objects.get()
        moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=self.alice)
        [data] = json.loads(self.get(f"v2/requests/{ticket.public_id}", "json", data={"extensions": "true"}).content)
        photo = Attachment.objects.get()
        self.assertTrue(data["media_url"].endswith(f"/t/{ticket.public_id}/foto/{photo.pk}"))
        self.assertEqual(data["extended_attributes"]["media_urls"], [data["media_url"]])
        image = self.client.get(data["media_url"].split("127.0.0.1:8000", 1)[-1])
        self.assertEqual(image.status_code, 200)
        self.assertEqual(image["Content-Type"], "image/jpeg")

    def test_not_an_image_is_refused_and_nothing_stored(self):
        for fmt in ("json", "xml"):
            response = self.post(fmt, media=SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff\xe0not really", "image/jpeg"))
            self.assert_error(response, fmt, 400, "media")
        self.assertEqual(Ticket.objects.count(), 0)
        self.assertEqual(Attachment.objects.count(), 0)

    def test_a_50_mb_upload_is_refused(self):
        big = SimpleUploadedFile("riesig.jpg", jpeg() + b"\0" * (50 * 1024 * 1024), "image/jpeg")
        response = self.post(media=big)
        # Refused by its Content-Length before the body is read (core.limits).
        self.assert_error(response, "json", 413)
        self.assertEqual(Ticket.objects.count(), 0)

    def test_too_many_photos(self):
        files = {f"photo{i}": SimpleUploadedFile(f"{i}.jpg", jpeg(), "image/jpeg") for i in range(1, 5)}
        response = self.post(**files)
        self.assert_error(response, "json", 400, "media")
        self.assertEqual(Ticket.objects.count(), 0)

    def test_media_url_is_fetched(self):
        server = PhotoServer(jpeg())
        self.addCleanup(server.close)
        with settings_with(FETCH_PRIVATE_URLS=True):
            response = self.post(media_url=f"{server.url}/foto.jpg")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Attachment.objects.count(), 1)

    def test_media_url_problems_skip_the_photo_not_the_report(self):
        server = PhotoServer(jpeg())
        self.addCleanup(server.close)
        cases = [
            # Loopback is not the public internet: no requests into the city's own network.
            ({}, f"{server.url}/foto.jpg", "öffentlichen Internetadressen"),
            ({"FETCH_PRIVATE_URLS": True}, f"{server.url}/weg.jpg", "404"),
            ({}, "file:///etc/passwd", "http"),
        ]
        for overrides, url, reason in cases:
            with self.subTest(url=url), settings_with(**overrides):
                response = self.post(media_url=url)
                self.assertEqual(response.status_code, 201, response.content)
                [data] = json.loads(response.content)
                self.assertIn("1 Foto-Link", data["service_notice"])
                ticket = Ticket.objects.get(public_id=data["service_request_id"])
                self.assertEqual(ticket.attachments.count(), 0)
                note = ticket.events.get(kind="internal_note").note
                self.assertIn(reason, note)
                self.assertIn(url, note)
