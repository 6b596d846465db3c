"""One audience rule for every public output (tickets/disclosure.py), tested as a property.

For every Event kind × visibility, on an ordinary report and on a report about a person, a note and
a data value that can only come from that event are planted; then every public output is read
(ticket page, map GeoJSON points and clusters, list, RSS, Atom, Open311 GET requests JSON and XML
with extensions, single requests, servicerequestupdates, open data CSV and GeoJSON, statistics,
home, similar reports). A planted note may appear only where disclosure.public_text() says the
public may read it; data values, contact data, the exact place of the report about a person and
anything of the unpublished and hidden reports never appear. The kinds come from Event.Kind, so a
kind added later is covered without touching this test.
"""

import re

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from stadtlotse.testing.cases import HERMANNPLATZ, report, resident, run_jobs
from stadtlotse.publicweb.tests.base import PublicWebTestCase
from stadtlotse.tickets import disclosure, moderation, workflow
from stadtlotse.tickets.models import Event, Ticket

# A doorway in Wedding (Mitte); its public point is the centre of its 100 m cell, 63 m away.
DOORWAY = (52.54308, 13.35115)
PERSON = ("Waltraud Pfeffermühle", "w.pfeffermuehle@example.org", "0176 5550 3141")


def exact_forms(lat, lon):
    """The exact place as any output might print it: 5, 4 and 3 decimals."""
    return [f"{value:.{digits}f}" for value in (lat, lon) for digits in (5, 4, 3)]


class DisclosurePropertyTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        name, email, phone = PERSON
        cls.ordinary = report(place=HERMANNPLATZ, address="Hermannplatz 5",
                              contact=resident(name=name, email=email, phone=phone))
        cls.person = report("soziales-hilflos", DOORWAY, address="Geheimweg 13, Hauseingang links",
                            description="Ein älterer Mann sitzt seit Tagen verwirrt im Eingang.", answers={},
                            contact=resident(name=name, email=email, phone=phone))
        moderation.moderate(cls.person, Ticket.Publication.PUBLISHED, by=cls.alice)
        cls.pending = report("sonstiges", HERMANNPLATZ, description="Unveroeffentlichtnadel im Text",
                             address="Wartestraße 1")
        cls.hidden = report(place=HERMANNPLATZ, description="Verborgennadel im Text")
        moderation.moderate(cls.hidden, Ticket.Publication.HIDDEN, by=cls.alice, reason="Name genannt")
        cls.planted = {}  # needle → Event
        cls.data_needles = []
        number = 0
        for ticket in (cls.ordinary, cls.person, cls.pending, cls.hidden):
            for kind in Event.Kind.values:
                for visibility in Event.Visibility.values:
                    number += 1
                    needle, data_needle = f"Nadel{number:03d}x", f"Datum{number:03d}x"
                    # status_to "done": also the feeds (received and done/rejected items) read each event.
                    event = workflow.record(ticket, kind, by=cls.alice, visibility=visibility, note=needle,
                                            status_to=Ticket.Status.DONE, data={"planted": data_needle})
                    cls.planted[needle] = event
                    cls.data_needles.append(data_needle)
        run_jobs()

    def setUp(self):
        super().setUp()
        self.ordinary.refresh_from_db()
        self.person.refresh_from_db()

    def public_urls(self):
        codes = {ticket.category.group.service_code for ticket in (self.ordinary, self.person)}
        areas = {ticket.area.slug for ticket in (self.ordinary, self.person)}
        tickets = (self.ordinary, self.person, self.pending, self.hidden)
        urls = [
            reverse("publicweb:home"), reverse("publicweb:map_list"), reverse("publicweb:map_list") + "?status=closed",
            reverse("publicweb:map_geojson"), reverse("publicweb:map_geojson") + "?bbox=13.0,52.3,13.8,52.7",
            reverse("analytics:statistics"), reverse("analytics:open_data_csv"),
            reverse("analytics:open_data_geojson"),
            reverse("publicweb:similar") + f"?category=soziales-hilflos&lat={DOORWAY[0]}&lon={DOORWAY[1]}",
            *(t.get_absolute_url() for t in tickets),
            *(reverse(name, args=[slug]) for slug in areas for name in ("publicweb:district_feed",
                                                                         "publicweb:district_atom")),
            *(reverse(name, args=[code]) for code in codes for name in ("publicweb:category_feed",
                                                                         "publicweb:category_atom")),
        ]
        for fmt in ("json", "xml"):
            listing = reverse("open311:requests", args=[fmt])
            urls += [listing, listing + "?extensions=true",
                     listing + "?extensions=true&service_request_id=" + ",".join(t.public_id for t in tickets)]
            urls += [reverse("open311:request", args=[t.public_id, fmt]) + "?extensions=true" for t in tickets]
            updates = reverse("open311:updates", args=[fmt])
            urls += [updates, updates + "?start_date=2000-01-01T00:00:00Z"]
        return urls

    def read(self, url):
        response = self.client.get(url)
        self.assertLess(response.status_code, 500, url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body.decode("utf-8", errors="replace")

    def outputs(self):
        for url in self.public_urls():
            yield url, *self.read(url)
        # The map's clusters: one point of a cell's exact positions (a cell holding one report about a person).
        with override_settings(STADTLOTSE={**settings.STADTLOTSE, "MAP_MAX_POINTS": 0}):
            url = reverse("publicweb:map_geojson") + "?bbox=13.0,52.3,13.8,52.7"
            status, body = self.read(url)
            self.assertIn('"clustered": true', body)
            yield url + " (clustered)", status, body

    def test_nothing_internal_in_any_public_output(self):
        never = [*self.data_needles, *PERSON, PERSON[1].split("@")[0], re.sub(r"\D", "", PERSON[2]),
                 *exact_forms(*DOORWAY), "Geheimweg", "Unveroeffentlichtnadel", "Verborgennadel", "Wartestraße",
                 self.pending.public_id, self.hidden.public_id, self.ordinary.access_token, self.person.access_token]
        seen = set()
        walked = 0
        for url, status, body in self.outputs():
            walked += 1
            for word in never:
                if word in url:
                    continue  # an error answer may name the id it was asked for
                self.assertNotIn(word, body, f"{word!r} appears in {url}")
            for needle in re.findall(r"Nadel\d{3}x", body):
                event = self.planted[needle]
                self.assertIn(needle, disclosure.public_text(event),
                              f"{event.kind}/{event.visibility} note of {event.ticket} appears in {url}")
                seen.add(needle)
        self.assertGreater(walked, 30)
        # Not vacuous: every note the rule calls public is on its ticket page.
        expected = {n for n, e in self.planted.items()
                    if disclosure.public_note(e) and e.ticket_id in (self.ordinary.pk, self.person.pk)}
        self.assertTrue(expected)
        self.assertLessEqual(expected, seen)

    def test_every_kind_and_visibility_is_decided(self):
        for kind in Event.Kind.values:
            for visibility in Event.Visibility.values:
                event = Event(kind=kind, visibility=visibility, note="x", status_to="")
                public = disclosure.public_note(event)
                if visibility == Event.Visibility.INTERNAL:
                    self.assertEqual(public, "", kind)
                # The reporter reads at least what the public reads.
                self.assertIn(public, disclosure.reporter_note(event) + ("" if public else "x"))
        self.assertEqual(disclosure.reporter_note(Event(kind=Event.Kind.UNMERGED, visibility="public", note="x")), "")
        self.assertEqual(disclosure.public_note(Event(kind=Event.Kind.REOPENED, visibility="public", note="x")), "")

    def test_the_reporter_reads_their_own_page_by_the_reporter_rule(self):
        for ticket in (self.ordinary, self.person):
            page = self.client.get(ticket.get_private_url()).content.decode()
            self.assertIn(ticket.address, page)  # their own, exact data
            for needle in re.findall(r"Nadel\d{3}x", page):
                self.assertIn(needle, disclosure.reporter_note(self.planted[needle]))
            for word in self.data_needles:
                self.assertNotIn(word, page)


class PublicPointTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.person = report("soziales-schlafplatz", DOORWAY, address="Geheimweg 13", answers={})
        moderation.moderate(cls.person, Ticket.Publication.PUBLISHED, by=cls.alice)
        cls.ordinary = report(place=HERMANNPLATZ, address="Hermannplatz 5")

    def test_one_point_for_every_public_output(self):
        lat, lon = disclosure.public_point(self.person)
        self.assertEqual((lat, lon), (52.54267, 13.35051))
        from stadtlotse.intake.duplicates import distance_m

        self.assertGreater(distance_m(lat, lon, *DOORWAY), 30)
        self.assertLessEqual(distance_m(lat, lon, *DOORWAY), 71)  # within its 100 m cell
        self.assertEqual(disclosure.public_point(self.ordinary), (52.4869, 13.4247))
        self.assertEqual(disclosure.public_address(self.person), "")
        self.assertEqual(disclosure.public_address(self.ordinary), "Hermannplatz 5")
        page = self.client.get(self.person.get_absolute_url()).content.decode()
        self.assertIn(f'data-lat="{lat}" data-lon="{lon}"', page)
        self.assertIn("Only to about 100 m: this report is about a person.", page)
        self.assertNotIn("Geheimweg", page)
        self.assertNotContains(self.client.get(self.ordinary.get_absolute_url()), "Only to about 100 m")
        geojson = self.client.get(reverse("publicweb:map_geojson")).json()
        [feature] = [f for f in geojson["features"] if f["properties"]["id"] == self.person.public_id]
        self.assertEqual(feature["geometry"]["coordinates"], [lon, lat])
        [request] = self.client.get(reverse("open311:request", args=[self.person.public_id, "json"])).json()
        self.assertEqual((request["lat"], request["long"], request["address"]), (lat, lon, None))
        data = self.client.get(reverse("analytics:open_data_geojson"))
        import json

        features = json.loads(b"".join(data.streaming_content))["features"]
        [row] = [f for f in features if f["id"] == self.person.public_id]
        self.assertEqual(row["geometry"]["coordinates"], [lon, lat])

    def test_the_category_flag_is_set_in_the_demo_catalog_and_inherited(self):
        from stadtlotse.catalog.models import Category

        flagged = set(Category.objects.filter(about_people=True).values_list("service_code", flat=True))
        self.assertEqual(flagged, {"soziales", "soziales-hilflos", "soziales-schlafplatz", "sicherheit-angstraum",
                                   "sicherheit-konflikt"})
        # Set on the group only (as an admin might), the subcategory still counts as about people.
        Category.objects.filter(pk=self.person.category_id).update(about_people=False)
        category = Category.objects.select_related("parent").get(pk=self.person.category_id)
        self.assertTrue(category.is_about_people)
        self.assertIn(category.pk, disclosure.people_category_ids())
        self.assertFalse(self.ordinary.category.is_about_people)
        self.assertNotIn(self.ordinary.category_id, disclosure.people_category_ids())

    def test_a_tiny_box_does_not_tell_the_exact_place(self):
        # A 10 m box around the doorway: the report is not in it, since its public point is not.
        lat, lon = DOORWAY
        box = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
        response = self.client.get(reverse("publicweb:map_geojson"), {"bbox": box})
        self.assertEqual(response.json()["features"], [])
        public_lat, public_lon = disclosure.public_point(self.person)
        box = f"{public_lon - 0.0001},{public_lat - 0.0001},{public_lon + 0.0001},{public_lat + 0.0001}"
        response = self.client.get(reverse("publicweb:map_geojson"), {"bbox": box})
        self.assertEqual([f["properties"]["id"] for f in response.json()["features"]], [self.person.public_id])

    def test_similar_reports_measure_from_the_public_point(self):
        response = self.client.get(reverse("publicweb:similar"),
                                   {"category": "soziales-hilflos", "lat": DOORWAY[0], "lon": DOORWAY[1]})
        [candidate] = response.json()["tickets"]
        self.assertEqual(candidate["id"], self.person.public_id)
        self.assertEqual(candidate["distance"], 63)  # from the doorway to the public point, not 0
