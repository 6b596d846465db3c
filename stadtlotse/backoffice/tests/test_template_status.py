"""'Für Status' on a text template: a choice of the ticket statuses by their German names, not a code to type."""

from django.test import Client
from django.urls import reverse

from stadtlotse.tickets.models import TextTemplate

from .base import BackofficeTestCase


class TemplateStatusChoiceTests(BackofficeTestCase):
    def setUp(self) -> None:
        self.admin = Client()  # no language preference: German
        self.admin.force_login(self.erin)

    def test_the_admin_offers_the_statuses_by_their_german_names(self) -> None:
        response = self.admin.get(reverse("admin:tickets_texttemplate_add"))
        self.assertContains(response, '<select name="status"')
        self.assertContains(response, '<option value="done">erledigt</option>', html=True)
        self.assertContains(response, '<option value="rejected">abgelehnt</option>', html=True)

    def test_a_status_is_saved_as_its_code(self) -> None:
        response = self.admin.post(reverse("admin:tickets_texttemplate_add"), {
            "name": "Erledigt allgemein", "purpose": "public_note", "status": "done",
            "text": "Erledigt: {ticket_id}.", "is_active": "on",
        })
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TextTemplate.objects.get(name="Erledigt allgemein").status, "done")

    def test_a_typed_word_is_refused_in_german_and_nothing_saved(self) -> None:
        response = self.admin.post(reverse("admin:tickets_texttemplate_add"), {
            "name": "Getippt", "purpose": "public_note", "status": "erledigt", "text": "Erledigt.", "is_active": "on",
        })
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "erledigt ist keine gültige Auswahl")
        self.assertFalse(TextTemplate.objects.filter(name="Getippt").exists())
