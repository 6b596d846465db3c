"""Text templates with placeholders, and the knowledge base shown on tickets of its category."""

from django.core.exceptions import ValidationError
from django.urls import reverse

from stadtlotse.catalog.models import KnowledgeArticle, TextTemplate
from stadtlotse.testing.cases import HERMANNPLATZ, category, report
from stadtlotse.tickets.models import Ticket

from .base import BackofficeTestCase


class TextTemplateTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        cls.done = TextTemplate.objects.create(
            name="Abgeholt", status="done", category=category("abfall-sperrmuell").parent,
            text="Hallo {reporter_name}, Ihre Meldung {ticket_id} ({category}, {district}) wurde von "
                 "{department} erledigt. {unknown}",
        )
        cls.other_status = TextTemplate.objects.create(name="Angenommen", status="accepted", text="Wir kümmern uns.")
        cls.other_category = TextTemplate.objects.create(
            name="Laterne", status="done", category=category("licht-laterne"), text="Licht geht wieder.")
        cls.inactive = TextTemplate.objects.create(name="Alt", status="done", text="alt", is_active=False)

    def test_placeholders_are_filled(self):
        text = self.done.render(self.ticket)
        self.assertEqual(
            text, f"Hallo Rita Anwohnerin, Ihre Meldung {self.ticket.public_id} (Sperrmüll, Neukölln) wurde von "
                  "Abfallwirtschaft erledigt. {unknown}",
        )

    def test_unknown_placeholders_are_refused_in_the_admin(self):
        template = TextTemplate(name="x", text="Hallo {name} {ticket_id}")
        with self.assertRaisesMessage(ValidationError, "{name}"):
            template.full_clean()
        with self.assertRaises(ValidationError):
            TextTemplate(name="x", text="ok", status="bogus").full_clean()

    def test_only_fitting_templates_are_offered(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("backoffice:ticket", args=[self.ticket.public_id]))
        [resolve] = [f for f in response.context["action_forms"] if f.action == "resolve"]
        self.assertEqual([name for _pk, name in resolve.fields["template"].choices][1:], ["Abgeholt"])
        [accept] = [f for f in response.context["action_forms"] if f.action == "accept"]
        self.assertEqual([name for _pk, name in accept.fields["template"].choices][1:], ["Angenommen"])
        self.assertContains(response, 'id="templates-resolve"')

    def test_an_empty_note_takes_the_template_text(self):
        self.client.force_login(self.bob)
        self.act(self.ticket, "resolve", note="", template=str(self.done.pk))
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
        self.assertIn("wurde von Abfallwirtschaft erledigt", self.ticket.events.last().note)

    def test_typed_text_wins_and_a_foreign_template_is_refused(self):
        self.client.force_login(self.bob)
        response = self.act(self.ticket, "resolve", note="", template=str(self.other_category.pk))
        self.assertEqual(response.status_code, 200)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
        self.act(self.ticket, "resolve", note="Selbst geschrieben.", template=str(self.done.pk))
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.events.last().note, "Selbst geschrieben.")


class KnowledgeBaseTests(BackofficeTestCase):
    def test_articles_of_the_category_and_its_parents_are_shown(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        KnowledgeArticle.objects.create(category=category("abfall-sperrmuell").parent, title="Wiederkehrender Sperrmüll",
                                        body="Bei wiederholten Ablagerungen das Ordnungsamt einbinden.")
        KnowledgeArticle.objects.create(category=category("licht-laterne"), title="Laternen", body="…")
        KnowledgeArticle.objects.create(category=category("abfall-sperrmuell"), title="Alt", body="…", is_active=False)
        self.client.force_login(self.bob)
        response = self.client.get(reverse("backoffice:ticket", args=[ticket.public_id]))
        self.assertContains(response, "Wiederkehrender Sperrmüll")
        self.assertContains(response, "Ordnungsamt einbinden")
        self.assertNotContains(response, "<summary>Laternen</summary>")
        self.assertNotContains(response, "<summary>Alt</summary>")
