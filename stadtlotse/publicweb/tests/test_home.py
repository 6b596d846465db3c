from datetime import UTC, datetime, timedelta

from django.urls import reverse

from stadtlotse.testing.cases import ALEXANDERPLATZ, report

from .base import GermanClient, PublicWebTestCase

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class HomeTests(PublicWebTestCase):
    url = reverse("publicweb:home")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Eleven published reports, one day apart, and one awaiting moderation (the newest of all).
        cls.published = [report(now=START + timedelta(days=n)) for n in range(11)]
        cls.pending = report("sicherheit-angstraum", ALEXANDERPLATZ, answers={}, now=START + timedelta(days=20),
                             description="Die Unterführung ist abends dunkel und unheimlich.")

    def test_front_page(self):
        with self.assertNumQueries(1):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'class="button big" href="{reverse("publicweb:report")}"')
        self.assertContains(response, '<input type="text" name="ticket"')
        self.assertContains(response, "Every report gets a ticket id")

    def test_recent_published_reports(self):
        response = self.client.get(self.url)
        recent = list(response.context["recent"])
        self.assertEqual(recent, list(reversed(self.published[1:])))
        self.assertNotContains(response, self.pending.public_id)
        self.assertNotContains(response, self.published[0].public_id)
        newest = self.published[-1]
        self.assertContains(response, f'<a class="ticket-id" href="{newest.get_absolute_url()}">{newest.public_id}</a>')
        self.assertContains(response, "Neukölln")
        self.assertContains(response, "Bulky waste")
        self.assertContains(response, '<span class="status status-forwarded">forwarded</span>')
        self.assertContains(response, "03/12/2026")

    def test_lookup(self):
        ticket = self.published[3]
        response = self.client.get(self.url, {"ticket": ticket.public_id})
        self.assertRedirects(response, ticket.get_absolute_url())

    def test_lookup_is_forgiving(self):
        ticket = self.published[3]
        prefix, year, number = ticket.public_id.split("-")
        response = self.client.get(self.url, {"ticket": f"  {prefix.lower()} {year} {int(number)} "})
        self.assertRedirects(response, ticket.get_absolute_url())

    def test_lookup_of_unpublished_ticket_answers_as_for_an_unknown_id(self):
        response = self.client.get(self.url, {"ticket": self.pending.public_id})
        self.assertContains(response, f"There is no public report with the id {self.pending.public_id}.")
        self.assertNotContains(response, self.pending.category.display_name)

    def test_lookup_unknown(self):
        year = self.published[0].public_id.split("-")[1]
        response = self.client.get(self.url, {"ticket": f"SL-{year}-9999"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"There is no public report with the id SL-{year}-9999.")
        self.assertContains(response, 'aria-invalid="true"')
        self.assertContains(response, "<title>Error:")

    def test_lookup_malformed(self):
        for value in ("abc", "SL-26-1", "<script>"):
            response = self.client.get(self.url, {"ticket": value})
            self.assertContains(response, "This is not a ticket id. Ticket ids look like SL-")
        response = self.client.get(self.url, {"ticket": ""})
        self.assertContains(response, "Please enter a ticket id.")

    def test_german(self):
        response = GermanClient().get(self.url)
        self.assertContains(response, '<html lang="de">')
        self.assertContains(response, "Sperrmüll")
