"""Text templates with placeholders, and the knowledge base shown on tickets of its category."""

from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from stadtlotse.catalog.models import KnowledgeArticle
from stadtlotse.tickets.models import TemplateGap, TextTemplate
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, category, report, resident
from stadtlotse.tickets.models import Ticket

from .base import BackofficeTestCase


class TextTemplateTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        cls.done = TextTemplate.objects.create(
            name="Abgeholt", status="done", category=category("abfall-sperrmuell").parent,
            text="Ihre Meldung {ticket_id} ({category}, {district}) wurde von {department} erledigt. {unknown}",
        )
        cls.other_status = TextTemplate.objects.create(name="Angenommen", status="accepted", text="Wir kümmern uns.")
        cls.other_category = TextTemplate.objects.create(
            name="Laterne", status="done", category=category("licht-laterne"), text="Licht geht wieder.")
        cls.inactive = TextTemplate.objects.create(name="Alt", status="done", text="alt", is_active=False)

    def test_placeholders_are_filled(self):
        text = self.done.render(self.ticket)
        self.assertEqual(
            text, f"Ihre Meldung {self.ticket.public_id} (Sperrmüll, Neukölln) wurde von "
                  "Abfallwirtschaft erledigt. {unknown}",
        )
        question = TextTemplate(name="Frage", purpose=TextTemplate.Purpose.MESSAGE,
                                text="Hallo {reporter_name}, wo genau ist {ticket_id}?")
        question.full_clean()
        self.assertEqual(question.render(self.ticket), f"Hallo Rita Anwohnerin, wo genau ist {self.ticket.public_id}?")

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


class TemplateAudienceTests(BackofficeTestCase):
    """Placeholders by audience: the reporter's data never in a public note; no holes in the sentence."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.first = report("sonstiges", HERMANNPLATZ, contact=resident(name="Xaverine Quellmann"))
        cls.second = report("sonstiges", ALEXANDERPLATZ, contact=resident(name="Yannick Zedernholz"))
        # Saved before the check existed (or past it): created without full_clean().
        cls.thanks = TextTemplate.objects.create(name="Danke", status="done", text="Vielen Dank, {reporter_name}!")
        cls.with_department = TextTemplate.objects.create(
            name="Zuständig", status="accepted", text="Die Meldung liegt bei {department}. Wir melden uns.")

    def test_reporter_placeholders_are_refused_in_public_notes(self):
        template = TextTemplate(name="Danke", text="Vielen Dank, {reporter_name}!")
        with self.assertRaisesMessage(ValidationError, "{reporter_name} darf nur in Nachrichten an die meldende Person"):
            template.full_clean()
        template.purpose = TextTemplate.Purpose.MESSAGE
        template.full_clean()

    def test_the_admin_says_so_in_german(self):
        client = Client()  # no language preference: German
        client.force_login(self.erin)
        response = client.post(reverse("admin:tickets_texttemplate_add"), {
            "name": "Danke", "purpose": "public_note", "status": "", "text": "Vielen Dank, {reporter_name}!",
            "is_active": "on",
        })
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "{reporter_name} darf nur in Nachrichten an die meldende Person stehen")
        self.assertEqual(TextTemplate.objects.filter(name="Danke").count(), 1)  # only the one from setUpTestData

    def test_bulk_status_never_publishes_the_reporters_name(self):
        self.client.force_login(self.alice)
        response = self.client.post(reverse("backoffice:bulk"), {
            "tickets": [self.first.public_id, self.second.public_id], "action": "status", "status": "done",
            "template": self.thanks.pk,
        }, follow=True)
        texts = [str(m) for m in response.context["messages"]]
        for ticket in (self.first, self.second):
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, Ticket.Status.NEW)
            self.assertTrue(any(t.startswith(ticket.public_id) and "must not be published" in t for t in texts), texts)
        self.assertFalse(Ticket.objects.filter(events__note__contains="Xaverine").exists())
        self.assertFalse(Ticket.objects.filter(events__note__contains="Zedernholz").exists())

    def test_a_public_note_form_refuses_reporter_data(self):
        from stadtlotse.tickets import workflow

        workflow.forward(self.first, self.streets, by=self.alice)
        self.client.force_login(self.carol)
        response = self.act(self.first, "resolve", note="", template=str(self.thanks.pk))
        self.assertContains(response, "must not be published")
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, Ticket.Status.FORWARDED)
        with self.assertRaises(TemplateGap):
            self.thanks.render(self.first)

    def test_an_empty_placeholder_is_refused_not_left_as_a_hole(self):
        with self.assertRaisesMessage(TemplateGap, "braucht {department}, aber der Vorgang"):
            self.with_department.render(self.first)  # no department yet
        self.client.force_login(self.alice)
        response = self.client.post(reverse("backoffice:bulk"), {
            "tickets": [self.first.public_id], "action": "status", "status": "accepted",
            "template": self.with_department.pk,
        }, follow=True)
        self.assertTrue(any("needs {department}" in str(m) for m in response.context["messages"]))
        self.assertFalse(self.first.events.filter(note__contains="liegt bei .").exists())
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, Ticket.Status.NEW)
        # With a department the sentence is whole.
        from stadtlotse.tickets import workflow

        workflow.forward(self.first, self.streets, by=self.alice)
        self.first.refresh_from_db()
        self.assertEqual(self.with_department.render(self.first),
                         "Die Meldung liegt bei Straßen- und Grünflächenamt. Wir melden uns.")
