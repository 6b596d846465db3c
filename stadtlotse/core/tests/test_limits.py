"""Limits of the public doors in core: body sizes, decoding slots, IPv6 and mailbox grouping."""

import io
import subprocess
import sys
import textwrap
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.test import SimpleTestCase, override_settings

from stadtlotse.core import limits, ratelimit, slots
from stadtlotse.testing.cases import StadtlotseTestCase, report


class BodySizeTests(StadtlotseTestCase):
    def test_body_above_the_limit_of_a_plain_path_is_refused_unread_in_german(self):
        response = self.client.post("/konto/anmelden", data=b"x", content_type="application/octet-stream",
                                    CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1))
        self.assertEqual(response.status_code, 413)
        self.assertIn("Die Anfrage ist zu groß: Es können hier höchstens 4 MB gesendet werden.",
                      response.content.decode())

    def test_chunked_body_without_length_is_refused(self):
        # Django reads no body without Content-Length; the client hears so instead of losing its data.
        response = self.client.post("/melden", data=b"", content_type="application/x-www-form-urlencoded",
                                    HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")
        self.assertEqual(response.status_code, 411)
        self.assertContains(response, "Content-Length", status_code=411)

    def test_a_null_character_in_the_address_is_400_at_every_door(self):
        # PostgreSQL refuses NUL in text: before this check /open311/v2/services/%00.json was a 500.
        report()
        for path in ("/open311/v2/services/%00.json", "/open311/v2/requests.json?status=%00",
                     "/karte/liste?q=%00", "/t/SL-2026-0001?x=%00", "/feeds/bezirk/%00.rss", "/?ticket=a%00b",
                     "/backoffice/tickets?q=%00"):
            with self.subTest(path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 400)
                self.assertIn("Nullzeichen", response.content.decode())
        response = self.client.get("/open311/v2/services/%00.xml", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("<error>", response.content.decode())
        self.assertIn("null character", response.content.decode())

    def test_every_public_door_has_its_own_refusal(self):
        self.assertEqual({door.prefix for door in limits.doors()}, {"/melden", "/open311/"})

    def test_counting_stream_stops_at_the_limit(self):
        stream = limits.CountingStream(io.BytesIO(b"a" * 100), 64)
        self.assertEqual(stream.read(64), b"a" * 64)
        with self.assertRaises(RequestDataTooBig):
            stream.read(1)


class GroupingTests(SimpleTestCase):
    def test_ipv6_is_counted_by_its_64(self):
        self.assertEqual(ratelimit.grouped("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64")
        self.assertEqual(ratelimit.grouped("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64")
        self.assertNotEqual(ratelimit.grouped("2001:db8:1:3::1"), "2001:db8:1:2::/64")
        self.assertEqual(ratelimit.grouped("192.0.2.7"), "192.0.2.7")
        self.assertEqual(ratelimit.grouped("::ffff:192.0.2.7"), "192.0.2.7")
        self.assertEqual(ratelimit.grouped(42), 42)

    @override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    def test_addresses_of_one_64_share_a_limit(self):
        rate = ratelimit.Rate(2, 60)
        verdicts = [ratelimit.hit("test", f"2001:db8:5:6::{n}", rate).allowed for n in range(1, 4)]
        self.assertEqual(verdicts, [True, True, False])
        self.assertTrue(ratelimit.hit("test", "2001:db8:5:7::1", rate).allowed)

    def test_mailbox_ignores_case_and_tags(self):
        self.assertEqual(ratelimit.mailbox(" Rita+Abo7@Example.ORG "), "rita@example.org")
        self.assertEqual(ratelimit.mailbox("rita@example.org"), "rita@example.org")
        self.assertEqual(ratelimit.mailbox("+x@example.org"), "+x@example.org")


HOLD_A_SLOT = textwrap.dedent("""
    import os, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtlotse.settings")
    os.environ.setdefault("STADTLOTSE_ALLOW_INSECURE_KEY", "true")
    django.setup()
    from stadtlotse.core import slots
    with slots.slot("test-decode", slots=1, wait=5):
        print("held", flush=True)
        time.sleep(float(sys.argv[1]))
""")


class SlotTests(SimpleTestCase):
    def test_slots_are_shared_by_processes(self):
        # Another process (as another gunicorn worker) holds the only slot: this one waits, then gives up.
        holder = subprocess.Popen([sys.executable, "-c", HOLD_A_SLOT, "3"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(holder.wait)
        self.assertEqual(holder.stdout.readline().strip(), "held")
        started = time.monotonic()
        with self.assertRaises(slots.Busy):
            with slots.slot("test-decode", slots=1, wait=0.5):
                pass
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        # Freed when the other process is done (or dies): the kernel drops its lock.
        holder.wait()
        with slots.slot("test-decode", slots=1, wait=1):
            pass

    def test_two_slots_admit_two_at_once(self):
        with slots.slot("test-two", slots=2, wait=0), slots.slot("test-two", slots=2, wait=0):
            with self.assertRaises(slots.Busy):
                with slots.slot("test-two", slots=2, wait=0):
                    pass
