"""Rate limits (429 with Retry-After) and the jurisdiction check."""

import json

from django.test import override_settings

from stadtlotse.accounts.models import ApiKey
from stadtlotse.core import ratelimit
from stadtlotse.testing.cases import HERMANNPLATZ
from stadtlotse.tickets.models import Ticket

from .base import FORMATS, Open311TestCase


def settings_with(**values):
    from django.conf import settings

    return override_settings(STADTLOTSE={**settings.STADTLOTSE, **values})


class RateLimitTests(Open311TestCase):
    def post_request(self, key, fmt="json", **extra):
        lat, lon = HERMANNPLATZ
        values = {"api_key": key, "service_code": "abfall-ablagerung", "lat": lat, "long": lon,
                  "description": "Müllsäcke am Straßenrand."}
        values.update(extra)
        return self.client.post(f"/open311/v2/requests.{fmt}", values)

    def test_a_key_beyond_its_rate_gets_429_with_retry_after_and_nothing_stored(self):
        limited, plain = ApiKey.issue("Kleine App", plain="kleine-app-key")
        limited.rate = "2/60"
        limited.save()
        for _ in range(2):
            self.assertEqual(self.post_request(plain).status_code, 201)
        for fmt in FORMATS:
            response = self.post_request(plain, fmt)
            self.assert_error(response, fmt, 429, "Zu viele Anfragen")
            self.assertTrue(1 <= int(response["Retry-After"]) <= 60)
        self.assertEqual(Ticket.objects.count(), 2)
        # Another key is not affected.
        self.assertEqual(self.post_request(self.plain_key).status_code, 201)

    def test_the_source_ip_is_limited_on_every_endpoint(self):
        with settings_with(OPEN311_RATE_PER_IP="3/60"):
            for _ in range(3):
                self.assertEqual(self.get("v2/services", "json").status_code, 200)
            response = self.get("v2/services", "xml", HTTP_ACCEPT_LANGUAGE="en")
            self.assert_error(response, "xml", 429, "Too many requests")
            self.assertIn("Retry-After", response)
            # Another client address still gets through.
            other = self.get("v2/services", "json", REMOTE_ADDR="192.0.2.7")
            self.assertEqual(other.status_code, 200)

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_behind_a_proxy_the_forwarded_client_counts(self):
        with settings_with(OPEN311_RATE_PER_IP="1/60"):
            first = self.get("v2/services", "json", HTTP_X_FORWARDED_FOR="198.51.100.1")
            second = self.get("v2/services", "json", HTTP_X_FORWARDED_FOR="198.51.100.2")
            again = self.get("v2/services", "json", HTTP_X_FORWARDED_FOR="198.51.100.1")
        self.assertEqual([first.status_code, second.status_code, again.status_code], [200, 200, 429])

    def test_spoofed_forwarded_header_is_ignored_without_trusted_proxies(self):
        with settings_with(OPEN311_RATE_PER_IP="1/60"):
            self.get("v2/services", "json", HTTP_X_FORWARDED_FOR="198.51.100.1")
            response = self.get("v2/services", "json", HTTP_X_FORWARDED_FOR="198.51.100.99")
        self.assertEqual(response.status_code, 429)

    @override_settings(RATELIMIT_ENABLE=False)
    def test_limits_can_be_switched_off(self):
        with settings_with(OPEN311_RATE_PER_IP="1/60"):
            codes = {self.get("v2/services", "json").status_code for _ in range(3)}
        self.assertEqual(codes, {200})

    def test_rate_parsing(self):
        self.assertEqual(ratelimit.Rate.parse("120/60"), ratelimit.Rate(120, 60))
        for bad in ("", "x/60", "0/60", "5/0"):
            with self.assertRaises(ValueError):
                ratelimit.Rate.parse(bad)
        key = ApiKey(name="x", rate="viele")
        with self.assertRaises(Exception) as caught:
            key.full_clean(exclude=["key_hash"])
        self.assertIn("rate", str(caught.exception))

    def test_window_resets(self):
        rate = ratelimit.Rate(1, 10)
        self.assertTrue(ratelimit.hit("t", "a", rate, now=1000.0).allowed)
        verdict = ratelimit.hit("t", "a", rate, now=1005.0)
        self.assertFalse(verdict.allowed)
        self.assertEqual(verdict.retry_after, 5)
        self.assertTrue(ratelimit.hit("t", "a", rate, now=1010.0).allowed)


class JurisdictionTests(Open311TestCase):
    def test_without_configuration_any_jurisdiction_is_accepted(self):
        response = self.get("v2/services", "json", data={"jurisdiction_id": "irgendwo.de"})
        self.assertEqual(response.status_code, 200)

    def test_a_configured_jurisdiction_is_checked(self):
        with settings_with(OPEN311_JURISDICTION="berlin.de"):
            self.assertEqual(self.get("v2/services", "json", data={"jurisdiction_id": "berlin.de"}).status_code, 200)
            self.assertEqual(self.get("v2/services", "json").status_code, 200)
            for fmt in FORMATS:
                response = self.get("v2/services", fmt, data={"jurisdiction_id": "muenchen.de"})
                self.assert_error(response, fmt, 404, "jurisdiction_id", "muenchen.de")
            lat, lon = HERMANNPLATZ
            response = self.client.post("/open311/v2/requests.json", {
                "api_key": self.plain_key, "jurisdiction_id": "muenchen.de", "service_code": "abfall-ablagerung",
                "lat": lat, "long": lon, "description": "Müllsäcke am Straßenrand."})
            self.assert_error(response, "json", 404, "jurisdiction_id")
            self.assertEqual(Ticket.objects.count(), 0)
            json.loads(response.content)
