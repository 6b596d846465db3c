"""The public map: GeoJSON with bbox, filters and clustering; the list view; RSS/Atom feeds."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, SPANDAU_ALTSTADT, report
from stadtlotse.tickets import workflow

from .base import PublicWebTestCase

BERLIN = "13.0,52.3,13.8,52.7"
NEUKOELLN_STREET = "13.42,52.484,13.43,52.49"


class GeoJSONTests(PublicWebTestCase):
    url = reverse("publicweb:map_geojson")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.open = report(place=HERMANNPLATZ)
        cls.mitte = report("licht-laterne", ALEXANDERPLATZ, answers={"art": "aus"})
        cls.done = report(place=SPANDAU_ALTSTADT)
        workflow.accept(cls.done, by=cls.bob)
        workflow.resolve(cls.done, by=cls.bob, note="Abgeholt.")
        cls.pending = report("sicherheit-angstraum", HERMANNPLATZ, answers={})
        cls.old_done = report(place=HERMANNPLATZ)
        with time_machine.travel(timezone.now() - timedelta(days=31)):
            workflow.accept(cls.old_done, by=cls.bob)
            workflow.resolve(cls.old_done, by=cls.bob, note="Vor langer Zeit.")

    def ids(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response["Content-Type"], "application/geo+json")
        return sorted(f["properties"]["id"] for f in response.json()["features"])

    def test_published_open_and_recently_resolved_in_the_box(self):
        # Categories and districts (the filters), the cluster cache, which categories are about people,
        # open and resolved points.
        with self.assertNumQueries(6):
            response = self.client.get(self.url, {"bbox": BERLIN})
        data = response.json()
        self.assertIs(data["clustered"], False)
        self.assertEqual(sorted(f["properties"]["id"] for f in data["features"]),
                         sorted([self.open.public_id, self.mitte.public_id, self.done.public_id]))
        feature = next(f for f in data["features"] if f["properties"]["id"] == self.open.public_id)
        self.assertEqual(feature["geometry"], {"type": "Point", "coordinates": [13.4247, 52.4869]})
        self.assertEqual(feature["properties"]["status"], "forwarded")
        self.assertEqual(feature["properties"]["url"], self.open.get_absolute_url())
        self.assertNotIn("rita", response.content.decode())
        self.assertNotIn("Sofa", response.content.decode())  # no descriptions in the feed
        self.assertEqual(self.ids(bbox=NEUKOELLN_STREET), [self.open.public_id])

    def test_filters(self):
        self.assertEqual(self.ids(bbox=BERLIN, status="done"), [self.done.public_id])
        self.assertEqual(self.ids(bbox=BERLIN, status="open"), sorted([self.open.public_id, self.mitte.public_id]))
        self.assertEqual(self.ids(bbox=BERLIN, category="licht"), [self.mitte.public_id])
        self.assertEqual(self.ids(bbox=BERLIN, category="licht-laterne"), [self.mitte.public_id])
        self.assertEqual(self.ids(bbox=BERLIN, district="neukoelln"), [self.open.public_id])
        self.assertEqual(self.ids(bbox=BERLIN, days="7"), sorted([self.open.public_id, self.mitte.public_id,
                                                                  self.done.public_id]))
        with time_machine.travel(timezone.now() + timedelta(days=10)):
            self.assertEqual(self.ids(bbox=BERLIN, days="7"), [])

    def test_bad_input(self):
        for bbox in ("1,2,3", "a,b,c,d", "13,52,12,53", "13,52,14,95", "nan,52,14,53", "13,52,inf,53"):
            response = self.client.get(self.url, {"bbox": bbox})
            self.assertEqual(response.status_code, 400, bbox)
            self.assertIn("bbox", response.json()["errors"])
        response = self.client.get(self.url, {"status": "verschwunden"})
        self.assertEqual(response.json(), {"errors": {"status": ["Please choose one of the listed states."]}})

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAP_MAX_POINTS": 2})
    def test_clusters_above_the_limit(self):
        for _ in range(3):
            report(place=(HERMANNPLATZ[0] + 0.0001, HERMANNPLATZ[1]))
        response = self.client.get(self.url, {"bbox": BERLIN})
        data = response.json()
        self.assertIs(data["clustered"], True)
        counts = sorted(f["properties"]["count"] for f in data["features"])
        self.assertEqual(counts, [1, 1, 4])  # Neukölln (4), Mitte, Spandau
        self.assertTrue(all(f["properties"]["cluster"] for f in data["features"]))

        # The same box again within a minute: the clusters come from the cache, no counting.
        report(place=(HERMANNPLATZ[0] + 0.0001, HERMANNPLATZ[1]))
        with self.assertNumQueries(3):  # categories, districts, the cache
            self.assertEqual(self.client.get(self.url, {"bbox": BERLIN}).json(), data)
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            later = self.client.get(self.url, {"bbox": BERLIN}).json()
        self.assertEqual(sorted(f["properties"]["count"] for f in later["features"]), [1, 1, 5])

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAP_MAX_POINTS": 2, "MAP_CLUSTER_RATE_PER_IP": "3/60"})
    def test_fresh_cluster_counts_are_limited_per_source(self):
        # Red-team pass: each box a few metres off missed the cache and counted the city's points again
        # (over 100 ms each at a million tickets), for anyone, without any limit.
        for i in range(3):
            self.assertEqual(self.client.get(self.url, {"bbox": f"13.0{i},52.3,13.8,52.7"}).status_code, 200)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url, {"bbox": "13.03,52.3,13.8,52.7"})
        # Refused before counting: at most the bounded single-point reads ran, no grouping over the box.
        self.assertFalse([q["sql"] for q in queries if "GROUP BY" in q["sql"]])
        self.assertEqual(response.status_code, 429)
        self.assertIn("Please wait", response.json()["errors"]["bbox"][0])
        self.assertGreater(int(response["Retry-After"]), 0)
        # A box already counted still comes from the cache; single points are not limited; others are not affected.
        self.assertIs(self.client.get(self.url, {"bbox": "13.00,52.3,13.8,52.7"}).json()["clustered"], True)
        self.assertEqual(self.client.get(self.url, {"bbox": NEUKOELLN_STREET}).status_code, 200)
        self.assertEqual(self.client.get(self.url, {"bbox": "13.03,52.3,13.8,52.7"},
                                         REMOTE_ADDR="192.0.2.99").status_code, 200)


class MapPagesTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tickets = [report(place=HERMANNPLATZ) for _ in range(27)]
        cls.mitte = report("licht-laterne", ALEXANDERPLATZ, answers={"art": "aus"})

    def test_map_page(self):
        response = self.client.get(reverse("publicweb:map"), {"district": "neukoelln"})
        self.assertContains(response, 'id="public-map"')
        self.assertContains(response, 'data-geojson-url="/karte/daten.geojson"')
        self.assertContains(response, 'href="/karte/liste?district=neukoelln"')
        self.assertContains(response, '<option value="neukoelln" selected>Neukölln</option>', html=True)

    def test_list_is_paginated_sorted_and_filtered(self):
        url = reverse("publicweb:map_list")
        with self.assertNumQueries(4):  # categories, districts, count, page
            response = self.client.get(url)
        self.assertContains(response, "28 reports")
        self.assertContains(response, "Page 1 of 2")
        self.assertContains(response, self.mitte.public_id)  # newest first
        self.assertNotContains(response, self.tickets[0].public_id)
        response = self.client.get(url, {"sort": "old", "seite": "2"})
        self.assertContains(response, self.mitte.public_id)
        self.assertNotContains(response, self.tickets[0].public_id)
        response = self.client.get(url, {"district": "mitte"})
        self.assertContains(response, "1 report")
        self.assertContains(response, 'href="/feeds/bezirk/mitte.rss"')
        response = self.client.get(url, {"sort": "beliebig", "seite": "999"})
        self.assertContains(response, "Please choose one of the listed orders.")

    def test_feeds(self):
        workflow.accept(self.tickets[0], by=self.bob)
        workflow.resolve(self.tickets[0], by=self.bob, note="Abgeholt am Montag.")
        response = self.client.get(reverse("publicweb:district_feed", args=["mitte"]))
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn("<rss", body)
        self.assertIn(f"New: {self.mitte.public_id}", body)
        self.assertNotIn(self.tickets[0].public_id, body)
        self.assertNotIn("rita", body)
        atom = self.client.get(reverse("publicweb:category_atom", args=["abfall"])).content.decode()
        self.assertIn('xmlns="http://www.w3.org/2005/Atom"', atom)
        self.assertIn(f"New: {self.tickets[0].public_id}", atom)
        self.assertIn(f"Done: {self.tickets[0].public_id}", atom)
        self.assertIn("Abgeholt am Montag.", atom)
        self.assertNotIn(self.mitte.public_id, atom)
        self.assertEqual(self.client.get(reverse("publicweb:district_feed", args=["atlantis"])).status_code, 404)


class FeedSafetyTests(PublicWebTestCase):
    """A feed's descriptions are HTML for the reader (type="html"): what residents wrote must arrive as text."""

    ATTACK = '<img src=x onerror="alert(1)"> Sperrmüll & Co'

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report(place=HERMANNPLATZ, description=cls.ATTACK)
        workflow.accept(cls.ticket, by=cls.bob)
        workflow.resolve(cls.ticket, by=cls.bob, note='Erledigt <script>alert("x")</script>')

    def items(self, name, tag):
        import xml.etree.ElementTree as ET

        response = self.client.get(reverse(name, args=["neukoelln" if "district" in name else "abfall"]))
        self.assertEqual(response.status_code, 200)
        return ET.fromstring(response.content), response.content.decode()

    def test_descriptions_are_escaped_and_guids_absolute(self):
        atom_ns = "{http://www.w3.org/2005/Atom}"
        rss, _raw = self.items("publicweb:district_feed", "item")
        atom, _raw = self.items("publicweb:category_atom", "entry")
        descriptions = [item.findtext("description") for item in rss.iter("item")]
        descriptions += [entry.findtext(f"{atom_ns}summary") for entry in atom.iter(f"{atom_ns}entry")]
        self.assertEqual(len(descriptions), 4)  # received and done, in both feeds
        for html in descriptions:
            # What a feed reader renders as HTML: the markup is text, nothing runs.
            self.assertNotIn("<img", html)
            self.assertNotIn("<script", html)
        self.assertTrue(any("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Sperrmüll &amp; Co" in d
                            for d in descriptions), descriptions)
        self.assertTrue(any("&lt;script&gt;" in d for d in descriptions), descriptions)
        guids = [item.findtext("guid") for item in rss.iter("item")]
        self.assertEqual(len(guids), 2)
        for guid in guids:
            self.assertTrue(guid.startswith(f"{settings.SITE_URL}/t/{self.ticket.public_id}#event-"), guid)
