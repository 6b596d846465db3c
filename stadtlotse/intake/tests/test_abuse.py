"""Who may report: the block list and the rate limits per IP and e-mail, on the web form and Open311.

Rate counters live in Django's cache; the tests at the end check that two separate cache clients
(as two processes would have) share them, on the database cache and, when it answers, on Redis.
"""

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from stadtlotse.accounts.models import ApiKey
from stadtlotse.core import ratelimit
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, missing_server, report
from stadtlotse.intake import abuse
from stadtlotse.intake.models import BlockedSource
from stadtlotse.publicweb.tests.test_report import form_data
from stadtlotse.tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def limits(**values):
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, **values})


def redis_answers():
    try:
        url = urlparse(REDIS_URL)
        with socket.create_connection((url.hostname, url.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


class BlockListTests(StadtlotseTestCase):
    def block(self, kind, value="", **kwargs):
        return abuse.block(kind, value, reason="Spam", by=self.alice, **kwargs)

    def test_each_kind_of_entry_matches_its_sources(self):
        key, _plain = ApiKey.issue("Spam-App")
        self.block(BlockedSource.Kind.EMAIL, " Spam@Example.org ")
        self.block(BlockedSource.Kind.DOMAIN, "@wegwerf.example")
        self.block(BlockedSource.Kind.IP_RANGE, "192.0.2.7/24")
        self.block(BlockedSource.Kind.IP_RANGE, "2001:db8::/32")
        self.block(BlockedSource.Kind.API_KEY, api_key=key)
        self.assertEqual(BlockedSource.objects.get(kind="ip_range", value__startswith="192").value, "192.0.2.0/24")
        blocked = [
            {"email": "spam@example.org"}, {"email": "SPAM@example.org"}, {"email": "a@wegwerf.example"},
            {"email": "a@mail.wegwerf.example"}, {"ip": "192.0.2.200"}, {"ip": "2001:db8::1"}, {"api_key": key},
        ]
        allowed = [
            {"email": "rita@example.org"}, {"email": "a@notwegwerf.example"}, {"ip": "192.0.3.1"},
            {"ip": "2001:db9::1"}, {"ip": "not an address"}, {"api_key": self.make_key()}, {},
        ]
        for source in blocked:
            with self.subTest(blocked=source):
                self.assertIsNotNone(abuse.blocked_by(**source))
        for source in allowed:
            with self.subTest(allowed=source):
                self.assertIsNone(abuse.blocked_by(**source))

    def make_key(self):
        return ApiKey.issue("Gute App")[0]

    def test_an_expired_entry_no_longer_blocks(self):
        self.block(BlockedSource.Kind.EMAIL, "spam@example.org", expires_at=timezone.now() - timedelta(minutes=1))
        self.assertIsNone(abuse.blocked_by(email="spam@example.org"))

    def test_values_that_are_not_of_their_kind_are_refused(self):
        for kind, value in (("email", "kein-at-zeichen"), ("domain", "localhost"), ("domain", "a b.de"),
                            ("ip_range", "192.0.2.0/33"), ("ip_range", "example.org"), ("api_key", "")):
            with self.subTest(kind=kind, value=value), self.assertRaises(ValidationError):
                self.block(kind, value)
        self.assertFalse(BlockedSource.objects.exists())

    def test_a_blocked_web_report_gets_a_neutral_page_and_nothing_is_stored(self):
        self.block(BlockedSource.Kind.DOMAIN, "example.org")
        response = self.client.post(reverse("publicweb:report"), form_data(), HTTP_ACCEPT_LANGUAGE="de")
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "Meldungen von diesem Absender können nicht angenommen werden", status_code=403)
        self.assertContains(response, settings.STADTLOTSE["DESK_EMAIL"], status_code=403)
        # Neutral: nothing about which entry matched, or why.
        self.assertNotContains(response, "example.org", status_code=403)
        self.assertNotContains(response, "Spam", status_code=403)
        self.assertFalse(Ticket.objects.exists())

    def test_a_blocked_ip_is_refused_on_the_web_form(self):
        self.block(BlockedSource.Kind.IP_RANGE, "127.0.0.0/8")
        response = self.client.post(reverse("publicweb:report"), form_data(email="", wants_feedback=""),
                                    HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Reports from this sender cannot be accepted", status_code=403)
        self.assertFalse(Ticket.objects.exists())

    def test_a_blocked_api_key_or_email_is_refused_by_open311(self):
        key, plain = ApiKey.issue("Spam-App")
        self.block(BlockedSource.Kind.API_KEY, api_key=key)
        self.block(BlockedSource.Kind.EMAIL, "spam@example.org")
        lat, lon = HERMANNPLATZ
        values = {"service_code": "abfall-ablagerung", "lat": lat, "long": lon, "description": "Müllsäcke am Rand."}
        by_key = self.client.post("/open311/v2/requests.json", {**values, "api_key": plain})
        good_key = ApiKey.issue("Gute App", plain="gute-app-key")[1]
        by_email = self.client.post("/open311/v2/requests.json",
                                    {**values, "api_key": good_key, "email": "spam@example.org"})
        for response in (by_key, by_email):
            self.assertEqual(response.status_code, 403)
            self.assertIn("Meldungen von diesem Absender", response.json()[0]["description"])
        self.assertFalse(Ticket.objects.exists())
        self.assertEqual(self.client.post("/open311/v2/requests.json", {**values, "api_key": good_key}).status_code,
                         201)

    def test_reports_without_a_source_are_not_checked(self):
        # Staff entering a caller's report decide themselves; the block list guards the public channels.
        self.block(BlockedSource.Kind.EMAIL, "rita@example.org")
        self.assertIsNotNone(report())

    def test_the_desk_manages_the_list_in_the_back_office(self):
        self.client.force_login(self.alice)
        url = reverse("backoffice:blocklist")
        page = self.client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        self.assertContains(page, "Keine Quelle ist gesperrt.")
        bad = self.client.post(url, {"kind": "ip_range", "value": "999.1.1.1", "reason": "Spam"},
                               HTTP_ACCEPT_LANGUAGE="de")
        self.assertContains(bad, "Bitte geben Sie eine IP-Adresse", status_code=400)
        done = self.client.post(url, {"kind": "domain", "value": "Wegwerf.example", "reason": "Wegwerfadressen"})
        self.assertRedirects(done, url)
        entry = BlockedSource.objects.get()
        self.assertEqual((entry.value, entry.created_by), ("wegwerf.example", self.alice))
        page = self.client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        self.assertContains(page, "wegwerf.example")
        self.assertContains(page, "Wegwerfadressen")
        removed = self.client.post(reverse("backoffice:blocklist_remove", args=[entry.pk]))
        self.assertRedirects(removed, url)
        self.assertFalse(BlockedSource.objects.exists())

    def test_department_staff_may_not_see_the_list(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("backoffice:blocklist")).status_code, 403)

    def test_the_admin_lists_and_adds_entries(self):
        self.client.force_login(self.erin)
        response = self.client.post(reverse("admin:intake_blockedsource_add"),
                                    {"kind": "email", "value": "Spam@Example.org", "reason": "Spam"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(BlockedSource.objects.get().value, "spam@example.org")
        self.assertContains(self.client.get(reverse("admin:intake_blockedsource_changelist")), "spam@example.org")


class WebRateLimitTests(StadtlotseTestCase):
    url = reverse("publicweb:report")

    def post(self, language="de", **overrides):
        return self.client.post(self.url, form_data(**overrides), HTTP_ACCEPT_LANGUAGE=language)

    def test_per_ip_beyond_the_limit_a_429_page_and_nothing_stored(self):
        with limits(REPORT_RATE_PER_IP="2/600"):
            for n in range(2):
                self.assertEqual(self.post(email=f"a{n}@example.org", description=f"Sperrmüll Nummer {n} am Gehweg.")
                                 .status_code, 302)
            refused = self.post(email="b@example.org", description="Noch mehr Sperrmüll am Gehweg.")
            english = self.post(language="en", email="c@example.org", description="Sperrmüll am Gehweg, drei Säcke.")
            other_ip = self.client.post(self.url, form_data(email="d@example.org"), REMOTE_ADDR="192.0.2.9")
        self.assertEqual(refused.status_code, 429)
        self.assertTrue(1 <= int(refused["Retry-After"]) <= 600)
        self.assertContains(refused, "Sie haben in kurzer Zeit viele Meldungen gesendet", status_code=429)
        self.assertContains(refused, "Von dieser Meldung wurde nichts gespeichert", status_code=429)
        self.assertContains(english, "You have sent many reports in a short time", status_code=429)
        self.assertEqual(other_ip.status_code, 302)
        self.assertEqual(Ticket.objects.count(), 3)

    def test_per_email_address_across_ips(self):
        with limits(REPORT_RATE_PER_EMAIL="1/600,5/86400"):
            first = self.client.post(self.url, form_data(), REMOTE_ADDR="192.0.2.1")
            second = self.client.post(self.url, form_data(email="RITA@example.org"), REMOTE_ADDR="192.0.2.2")
        self.assertEqual([first.status_code, second.status_code], [302, 429])
        self.assertEqual(Ticket.objects.count(), 1)

    @override_settings(RATELIMIT_ENABLE=False)
    def test_the_limits_can_be_switched_off(self):
        with limits(REPORT_RATE_PER_IP="1/600"):
            codes = [self.post(email=f"x{n}@example.org", description=f"Sperrmüll, Haufen Nummer {n}.").status_code
                     for n in range(3)]
        self.assertEqual(codes, [302, 302, 302])

    def test_open311_limits_per_email_address(self):
        lat, lon = HERMANNPLATZ
        values = {"service_code": "abfall-ablagerung", "lat": lat, "long": lon, "email": "rita@example.org"}
        with limits(REPORT_RATE_PER_EMAIL="1/600"):
            first = self.client.post("/open311/v2/requests.json",
                                     {**values, "api_key": ApiKey.issue("A", plain="app-a-key")[1],
                                      "description": "Müllsäcke am Straßenrand."})
            second = self.client.post("/open311/v2/requests.xml",
                                      {**values, "api_key": ApiKey.issue("B", plain="app-b-key")[1],
                                       "description": "Noch mehr Müllsäcke am Straßenrand."})
        self.assertEqual([first.status_code, second.status_code], [201, 429])
        self.assertIn("Retry-After", second)
        self.assertEqual(Ticket.objects.count(), 1)

    def test_rates_with_several_windows_are_parsed(self):
        self.assertEqual(abuse.rates("5/600, 20/86400"), [ratelimit.Rate(5, 600), ratelimit.Rate(20, 86400)])
        with self.assertRaises(ValueError):
            abuse.rates("5/0")


class SharedCounterTests(StadtlotseTestCase):
    """Two cache clients stand for two web processes: each counts into the same counters."""

    def count_with_two_clients(self, first, second):
        with limits(REPORT_RATE_PER_IP="3/600"):
            verdicts = []
            for client in (first, second, first, second):
                with mock.patch.object(ratelimit, "cache", client):
                    verdicts.append(abuse.hit_report_rate(ip="198.51.100.4").allowed)
        return verdicts

    def test_database_cache(self):
        first = DatabaseCache("stadtlotse_cache", {})
        second = DatabaseCache("stadtlotse_cache", {})
        self.assertEqual(self.count_with_two_clients(first, second), [True, True, True, False])


class RedisCounterTests(SimpleTestCase):
    """With REDIS_URL: counters held in Redis, shared by separate clients and by another process."""

    def setUp(self):
        if not redis_answers():
            missing_server(f"no Redis server at {REDIS_URL}")
        from django.core.cache.backends.redis import RedisCache

        self.clients = [RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})]
        self.clients[0].clear()
        self.addCleanup(self.clients[0].clear)

    def test_two_clients_share_the_counters(self):
        with limits(REPORT_RATE_PER_IP="3/600"):
            verdicts = []
            for client in self.clients * 2:
                with mock.patch.object(ratelimit, "cache", client):
                    verdicts.append(abuse.hit_report_rate(ip="198.51.100.5").allowed)
        self.assertEqual(verdicts, [True, True, True, False])

    def test_another_process_counts_into_the_same_window(self):
        script = (
            "import django; django.setup()\n"
            "from stadtlotse.intake import abuse\n"
            "print([abuse.hit_report_rate(email='rita@example.org').allowed for _ in range(2)])\n"
        )
        env = {**os.environ, "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "stadtlotse.settings",
               "STADTLOTSE_ALLOW_INSECURE_KEY": "true", "STADTLOTSE_REPORT_RATE_PER_EMAIL": "3/600"}
        env.pop("DATABASE_URL", None)
        result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.stdout.strip(), "[True, True]", result.stderr)
        with limits(REPORT_RATE_PER_EMAIL="3/600"), mock.patch.object(ratelimit, "cache", self.clients[0]):
            self.assertEqual([abuse.hit_report_rate(email="Rita@example.org").allowed for _ in range(2)],
                             [True, False])
