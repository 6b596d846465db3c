"""Open311 POSTs refused before their body is read: by size, and by a wrong key outside the body."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from stadtlotse.core import limits
from stadtlotse.testing.cases import HERMANNPLATZ
from stadtlotse.open311 import views
from stadtlotse.tickets.models import Ticket

from .base import FORMATS, Open311TestCase
from .test_media import jpeg


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


class BodyLimitTests(Open311TestCase):
    def values(self, **extra):
        lat, lon = HERMANNPLATZ
        return {"service_code": "abfall-ablagerung", "lat": lat, "long": lon, "description": "Müllsäcke am Rand.",
                **extra}

    def test_oversized_request_gets_an_open311_error_list_in_both_formats(self):
        for fmt in FORMATS:
            response = self.client.post(f"/open311/v2/requests.{fmt}?locale=en", self.values(api_key=self.plain_key),
                                        CONTENT_LENGTH=str(limits.photo_upload_bytes() + 1))
            self.assert_error(response, fmt, 413, "The request is too large.")
        self.assertFalse(Ticket.objects.exists())

    def test_wrong_key_in_the_query_string_is_refused_before_the_body_is_parsed(self):
        # Before: a multipart body (up to 400 MB) was spooled to disk before the 403.
        for fmt in FORMATS:
            for request in (
                RequestFactory().post(f"/open311/v2/requests.{fmt}?api_key=falsch&locale=en", self.values()),
                RequestFactory().post(f"/open311/v2/requests.{fmt}?locale=en", self.values(),
                                      headers={"X-Api-Key": "falsch"}),
            ):
                request._stream = UnreadableBody()
                response = views.requests(request, fmt=fmt)
                self.assert_error(response, fmt, 403, "api_key")
        self.assertFalse(Ticket.objects.exists())

    def test_key_in_the_query_string_or_header_is_accepted(self):
        response = self.client.post(f"/open311/v2/requests.json?api_key={self.plain_key}",
                                    self.values(media=SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")))
        self.assertEqual(response.status_code, 201, response.content)
        response = self.client.post("/open311/v2/requests.json", self.values(), headers={"X-Api-Key": self.plain_key})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Ticket.objects.count(), 2)
