"""Reports received by phone, letter, e-mail or at the counter, entered by the desk through intake.submit()."""

from django.urls import reverse

from stadtlotse.testing.cases import HERMANNPLATZ, category
from stadtlotse.tickets.models import Event, Ticket

from .base import BackofficeTestCase

URL = reverse("backoffice:new_report")


class StaffEntryTests(BackofficeTestCase):
    def data(self, **overrides):
        values = {
            "channel": "phone", "category": category("sonstiges").pk,
            "description": "Anruf: Am Spielplatz liegen Scherben.", "lat": HERMANNPLATZ[0], "lon": HERMANNPLATZ[1],
            "name": "Hans Anrufer", "phone": "030 987654", "wants_feedback": "on", "consent": "on",
        }
        values.update(overrides)
        return values

    def test_phone_report_enters_the_normal_path(self):
        self.client.force_login(self.alice)
        response = self.client.post(URL, self.data())
        ticket = Ticket.objects.get()
        self.assertRedirects(response, ticket.get_backoffice_url())
        self.assertEqual(ticket.channel, Ticket.Channel.PHONE)
        self.assertEqual(ticket.area.name, "Neukölln")
        self.assertEqual(ticket.contact.phone, "030 987654")
        self.assertIsNotNone(ticket.contact.consent_at)
        self.assertTrue(ticket.contact.wants_callback)
        created = ticket.events.get(kind=Event.Kind.CREATED)
        self.assertEqual((created.actor_user, created.data["channel"]), (self.alice, "phone"))

    def test_contact_data_needs_consent(self):
        self.client.force_login(self.alice)
        response = self.client.post(URL, self.data(consent=""))
        self.assertEqual(response.status_code, 200)
        self.assertIn("consent", response.context["form"].errors)
        self.assertFalse(Ticket.objects.exists())

    def test_without_contact_no_consent_needed(self):
        self.client.force_login(self.alice)
        self.client.post(URL, self.data(consent="", name="", phone="", wants_feedback="", channel="letter"))
        ticket = Ticket.objects.get()
        self.assertFalse(hasattr(ticket, "contact") and ticket.contact.pk)

    def test_intake_errors_are_shown_and_nothing_is_stored(self):
        self.client.force_login(self.alice)
        cases = [
            ({"lat": 53.5511, "lon": 9.9937}, None),          # Hamburg: outside the city
            ({"description": "kurz"}, "description"),
            ({"email": "kein-mail"}, "email"),
            ({"channel": "web"}, "channel"),
            ({"lat": "", "lon": "", "address": ""}, None),
            ({"lat": "abc"}, "lat"),
            ({"description": "x" * 6000}, "description"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides=str(overrides)[:40]):
                response = self.client.post(URL, self.data(**overrides))
                self.assertEqual(response.status_code, 200)
                form = response.context["form"]
                self.assertTrue(form.errors)
                if field:
                    self.assertIn(field, form.errors)
        self.assertFalse(Ticket.objects.exists())

    def test_only_the_desk_enters_reports(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.assertEqual(self.client.post(URL, self.data()).status_code, 403)
        self.assertFalse(Ticket.objects.exists())
