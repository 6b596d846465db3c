from datetime import UTC, datetime

from django.test import override_settings
from django.urls import reverse

from stadtlotse.testing.cases import ALEXANDERPLATZ, report, resident
from stadtlotse.tickets import merge, moderation, workflow
from stadtlotse.tickets.models import Ticket

from .base import EnglishClient, GermanClient, PublicWebTestCase

RECEIVED = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Berlin


class ConfirmationTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()
        cls.desk_ticket = report("sicherheit-angstraum", ALEXANDERPLATZ, answers={},
                                 contact=resident(email="", wants_feedback=False),
                                 description="Die Unterführung ist abends dunkel und unheimlich.")

    def url(self, ticket, token=None):
        return reverse("publicweb:confirmation", args=[ticket.public_id, token or ticket.access_token])

    def test_links_to_the_public_page_only_once_there_is_one(self):
        # The desk's report waits for moderation: its public page is a 404 until then.
        response = self.client.get(self.url(self.desk_ticket))
        self.assertContains(response, self.desk_ticket.get_private_url())
        self.assertNotContains(response, f'href="{self.desk_ticket.get_absolute_url()}"')
        self.assertEqual(self.client.get(self.desk_ticket.get_absolute_url()).status_code, 404)
        moderation.moderate(self.desk_ticket, Ticket.Publication.PUBLISHED, by=self.alice)
        response = self.client.get(self.url(self.desk_ticket))
        self.assertContains(response, f'href="{self.desk_ticket.get_absolute_url()}"')

    @override_settings(SITE_URL="https://stadtlotse.example")
    def test_confirmation(self):
        response = self.client.get(self.url(self.ticket))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'<strong class="ticket-id">{self.ticket.public_id}</strong>')
        self.assertContains(response, "forwarded directly to the responsible department: Waste management.")
        private_url = "https://stadtlotse.example" + self.ticket.get_private_url()
        self.assertContains(response, f'<a href="{private_url}">{private_url}</a>')
        self.assertContains(response, "Keep it safe")
        self.assertContains(response, "We have also sent it to rita@example.org.")
        self.assertContains(response, f'href="{self.ticket.get_absolute_url()}"')
        self.assertContains(response, '<meta name="robots" content="noindex">')
        self.assertEqual(response["Cache-Control"], "private, no-store")

    def test_confirmation_of_desk_report(self):
        response = self.client.get(self.url(self.desk_ticket))
        self.assertContains(response, "Our coordination desk will look at your report")
        self.assertContains(response, "Before it appears publicly")
        self.assertContains(response, "this page is the only place where you get this link")

    def test_wrong_token(self):
        self.assertEqual(self.client.get(self.url(self.ticket, "x" * 32)).status_code, 404)
        self.assertEqual(self.client.get(self.url(self.ticket, self.desk_ticket.access_token)).status_code, 404)
        self.assertEqual(self.client.get(self.url(self.ticket, "ä" * 32)).status_code, 404)

    def test_unknown_ticket(self):
        url = reverse("publicweb:confirmation", args=["SL-2020-0001", self.ticket.access_token])
        self.assertEqual(self.client.get(url).status_code, 404)


class PublicTicketPageTests(PublicWebTestCase):
    client_class = GermanClient

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report(contact=resident(phone="030 1234567"), now=RECEIVED,
                            description="Ein altes Sofa und zwei Matratzen am Gehweg, seit einer Woche.",
                            address="Hermannplatz 5")
        workflow.add_note(cls.ticket, "INTERN-GEHEIM", by=cls.alice)
        workflow.accept(cls.ticket, by=cls.bob, note="Wird in dieser Woche abgeholt.")
        workflow.add_note(cls.ticket, "Termin steht: Freitag.", by=cls.bob, public=True)
        workflow.resolve(cls.ticket, by=cls.bianca, note="Sofa und Matratzen abgeholt.")
        cls.pending = report("sicherheit-angstraum", ALEXANDERPLATZ, answers={}, address="Alexanderplatz 1",
                             description="Die Unterführung ist abends dunkel und unheimlich.")

    def get(self, ticket, client=None):
        return (client or self.client).get(reverse("publicweb:ticket", args=[ticket.public_id]))

    def test_published_ticket(self):
        with self.assertNumQueries(3):  # ticket, its public events, its public photos
            response = self.get(self.ticket)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ein altes Sofa und zwei Matratzen am Gehweg, seit einer Woche.")
        self.assertContains(response, "Abfall und Sauberkeit › Sperrmüll")
        self.assertContains(response, "Neukölln")
        self.assertContains(response, "Hermannplatz 5")
        # The public point of tickets/disclosure.py: 4 decimals (about 10 m), as on the map and in open data.
        self.assertContains(response, "52.4869, 13.4247")
        self.assertContains(response, "https://www.openstreetmap.org/?mlat=52.4869&amp;mlon=13.4247")
        self.assertContains(response, '<span class="status status-done">erledigt</span>')

    def test_timeline(self):
        response = self.get(self.ticket)
        self.assertContains(response, "Abfallwirtschaft")
        self.assertContains(response, "Wird in dieser Woche abgeholt.")
        self.assertContains(response, "Termin steht: Freitag.")
        self.assertContains(response, "Sofa und Matratzen abgeholt.")
        # The time of receipt in Berlin time and German format.
        self.assertContains(response, "10. März 2026 12:00")

    def test_public_page_keeps_private_things_private(self):
        for client in (GermanClient(), EnglishClient()):
            response = self.get(self.ticket, client)
            for secret in ("INTERN-GEHEIM", "Rita", "rita@example.org", "030 1234567", "Alice", "Bob", "Bianca",
                           self.ticket.access_token):
                self.assertNotContains(response, secret)

    def test_supporters(self):
        Ticket.objects.filter(pk=self.ticket.pk).update(supporters=3)
        response = self.get(self.ticket, EnglishClient())
        self.assertContains(response, "3 people support this report")

    def test_unpublished_ticket_is_not_found(self):
        # Ids are sequential: "exists, category, status" for every id would enumerate all reports.
        response = self.get(self.pending, EnglishClient())
        self.assertEqual(response.status_code, 404)
        # (The id itself is in the page's language form, as the address asked for.)
        for secret in ("Place that feels unsafe", "received", "Unterführung",
                       "Alexanderplatz 1", "52.52", "13.41", "Rita", "rita@example.org"):
            self.assertNotContains(response, secret, status_code=404)
        # Also in other letter case, and the reporter still has their private page.
        self.assertEqual(self.client.get(f"/t/{self.pending.public_id.lower()}").status_code, 404)
        self.assertContains(self.client.get(self.pending.get_private_url()), "Unterführung")

    def test_hidden_ticket_is_not_found(self):
        moderation.moderate(self.ticket, Ticket.Publication.HIDDEN, by=self.alice, reason="Enthält Namen.")
        response = self.get(self.ticket, EnglishClient())
        self.assertEqual(response.status_code, 404)
        for secret in ("Sofa", "Hermannplatz 5", "Enthält Namen.", "Bulky waste"):
            self.assertNotContains(response, secret, status_code=404)

    def test_unknown_ticket(self):
        response = self.client.get(reverse("publicweb:ticket", args=["SL-2020-0001"]))
        self.assertEqual(response.status_code, 404)

    def test_a_merge_names_only_a_report_the_public_may_open(self):
        # Red-team pass: a published duplicate's timeline said "Merged into SL-…" for a report still
        # awaiting moderation, telling anyone that this unpublished id exists.
        survivor = report("sicherheit-konflikt", description="Streit vor dem Späti jede Nacht.")
        duplicate = report()
        merge.merge(survivor, [duplicate], by=self.alice)
        self.assertEqual(survivor.publication, Ticket.Publication.PENDING)
        page = self.client.get(duplicate.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Zusammengeführt")
        self.assertNotContains(page, survivor.public_id)
        # The reporter knows what their report was merged into.
        self.assertContains(self.client.get(duplicate.get_private_url()), f"Zusammengeführt mit {survivor.public_id}")
        moderation.moderate(survivor, Ticket.Publication.PUBLISHED, by=self.alice)
        self.assertContains(self.client.get(duplicate.get_absolute_url()), f"Zusammengeführt mit {survivor.public_id}")

    def test_id_in_other_letter_case(self):
        response = self.client.get(reverse("publicweb:ticket", args=[self.ticket.public_id.lower()]))
        self.assertRedirects(response, self.ticket.get_absolute_url(), status_code=301)
