import csv
import io
import json

import time_machine
from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse

from stadtlotse.analytics import public
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import Ticket

from .base import NOW, MarchTestCase

SECRET_NOTE = "Interne Notiz: Nachbar Herr Meier ruft ständig an"


class MaskingTests(TestCase):
    def test_counts_below_five_are_masked(self):
        self.assertEqual([public.masked(n) for n in (0, 1, 4, 5, 120)], ["< 5", "< 5", "< 5", 5, 120])


class StatisticsPageTests(MarchTestCase):
    def test_months_and_medians_with_small_numbers_masked(self):
        with time_machine.travel(NOW, tick=False):
            response = self.client.get(reverse("analytics:statistics"), headers={"Accept-Language": "en"})
        self.assertEqual(response.status_code, 200)
        months = dict((label, (received, resolved)) for label, received, resolved in response.context["months"])
        self.assertEqual(len(months), 12)
        self.assertEqual(months["March 2026"], (7, "< 5"))  # 7 received, 3 resolved
        self.assertEqual(months["December 2025"], ("< 5", "< 5"))
        self.assertEqual(months["January 2026"], ("< 5", "< 5"))
        groups = {name: (count, median) for name, count, median in response.context["groups"]}
        self.assertEqual(groups["Waste and cleanliness"], ("< 5", "–"))
        self.assertContains(response, 'role="img"')
        self.assertContains(response, "These figures are not a ranking.")

    def test_median_shown_from_five_resolved(self):
        with time_machine.travel(NOW, tick=False):
            for ticket in Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).exclude(pk=self.t[6].pk):
                ticket.category = self.t[1].category
                ticket.save()
                if ticket.department_id is None:
                    workflow.forward(ticket, self.waste, by=self.alice)
                workflow.resolve(ticket, by=self.alice, note="Erledigt.")
            response = self.client.get(reverse("analytics:statistics"), headers={"Accept-Language": "en"})
        groups = {name: (count, median) for name, count, median in response.context["groups"]}
        count, median = groups["Waste and cleanliness"]
        self.assertEqual(count, 5)  # t1, t5 and now t3, t7, t8 (t4 is a duplicate, t6 stays open)
        self.assertIsInstance(median, float)


class OpenDataTests(MarchTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        workflow.add_note(cls.t[1], SECRET_NOTE, by=cls.alice)
        moderation.moderate(cls.t[1], Ticket.Publication.PUBLISHED, by=cls.alice,
                            public_description="Sperrmüll am Gehweg.")
        moderation.moderate(cls.t[5], Ticket.Publication.HIDDEN, by=cls.alice, reason="Privat")

    def published_ids(self):
        return set(Ticket.objects.published().filter(created_at__year=2026).values_list("public_id", flat=True))

    def test_csv_has_published_reports_and_no_private_data(self):
        response = self.client.get(reverse("analytics:open_data_csv"), {"start": "2026-03-01", "end": "2026-03-31"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        self.assertEqual({row["id"] for row in rows}, self.published_ids())
        self.assertNotIn(self.t[5].public_id, body)
        row = next(r for r in rows if r["id"] == self.t[1].public_id)
        self.assertEqual(row["description"], "Sperrmüll am Gehweg.")
        self.assertEqual(row["district"], self.neukoelln.name)
        for private in ("rita@example.org", "Rita Anwohnerin", SECRET_NOTE, self.t[1].access_token, "alice"):
            self.assertNotIn(private, body)

    def test_geojson(self):
        response = self.client.get(reverse("analytics:open_data_geojson"))
        data = json.loads(b"".join(response.streaming_content))
        self.assertEqual(data["type"], "FeatureCollection")
        ids = {feature["id"] for feature in data["features"]}
        self.assertIn(self.t[6].public_id, ids)  # December 2025: no period given, all published
        feature = next(f for f in data["features"] if f["id"] == self.t[1].public_id)
        lon, lat = feature["geometry"]["coordinates"]
        self.assertAlmostEqual(lat, 52.4869)
        self.assertNotIn("rita@example.org", json.dumps(data))
        self.assertNotIn(SECRET_NOTE, json.dumps(data))

    @override_settings(ALLOWED_HOSTS=["*"])
    def test_links_use_the_site_address_not_the_host_header(self):
        # Red-team pass: the report links were built from the Host header, so behind a proxy that accepts
        # any host a forged request could put another site's links into a cached copy of the open data.
        for name in ("analytics:open_data_csv", "analytics:open_data_geojson"):
            body = b"".join(self.client.get(reverse(name), HTTP_HOST="evil.example").streaming_content).decode()
            self.assertNotIn("evil.example", body)
            self.assertIn(f"{settings.SITE_URL}/t/{self.t[1].public_id}", body)

    def test_bad_period_is_refused(self):
        response = self.client.get(reverse("analytics:open_data_csv"), {"start": "31.02.2026"},
                                   headers={"Accept-Language": "en"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Enter a valid date", response.content.decode())
        response = self.client.get(reverse("analytics:open_data_geojson"), {"start": "2026-04-01", "end": "2026-03-01"},
                                   headers={"Accept-Language": "en"})
        self.assertContains(response, "The start of the period lies after its end.", status_code=400)

    def test_documentation_page(self):
        response = self.client.get(reverse("analytics:open_data"))
        self.assertContains(response, "Datenlizenz Deutschland")
        self.assertContains(response, "<code>resolved_at</code>", html=False)
