"""The demo's text templates and knowledge-base articles: valid for their audience, usable, seeded once."""

from django.test import Client
from django.urls import reverse

from stadtlotse.catalog.models import Category, KnowledgeArticle
from stadtlotse.demo import seed as demo
from stadtlotse.testing.cases import StadtlotseTestCase, report
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import TextTemplate, Ticket


class DemoTextsTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.created = demo.seed_texts(language="de")

    def test_a_useful_german_set_is_created(self) -> None:
        self.assertEqual(self.created, {"text templates": 19, "knowledge base articles": 5})
        public = TextTemplate.objects.filter(purpose=TextTemplate.Purpose.PUBLIC_NOTE)
        self.assertEqual(set(public.exclude(category__isnull=False).values_list("status", flat=True)),
                         set(Ticket.Status.values) - {Ticket.Status.NEW})
        for name in ("Erledigt", "Abgelehnt – nicht zuständig", "An andere Stelle weitergegeben", "Duplikat",
                     "Rückfrage: genauer Ort", "Sperrmüll abgeholt", "Laterne: Wartung beauftragt",
                     "Soziale Notlage: Dank an Meldende"):
            self.assertTrue(TextTemplate.objects.filter(name=name).exists(), name)
        self.assertTrue(KnowledgeArticle.objects.filter(
            category__service_code="soziales", title__startswith="Person in hilfloser Lage").exists())

    def test_every_template_passes_the_audience_checks_and_fills_in(self) -> None:
        for template in TextTemplate.objects.select_related("category"):
            with self.subTest(template=template.name):
                template.full_clean()
                if template.purpose == TextTemplate.Purpose.PUBLIC_NOTE:
                    self.assertNotIn("{reporter_name}", template.text)
                code = template.category.service_code if template.category else "abfall-sperrmuell"
                leaf = Category.objects.filter(service_code=code).first()
                if leaf is not None and leaf.children.exists():
                    leaf = leaf.children.order_by("order", "pk").first()
                ticket = report(leaf.service_code)
                workflow.forward(ticket, self.streetwork, by=self.alice)
                ticket.refresh_from_db()
                text = template.render(ticket)
                self.assertIn(self.streetwork.display_name if "{department}" in template.text else "", text)
                self.assertNotIn("{", text)

    def test_running_again_adds_nothing_and_keeps_the_administrators_edits(self) -> None:
        TextTemplate.objects.filter(name="Erledigt").update(text="Von Hand geändert.", is_active=False)
        KnowledgeArticle.objects.filter(title__startswith="Sperrmüll").delete()
        again = demo.seed_texts(language="de")
        self.assertEqual(again, {"text templates": 0, "knowledge base articles": 1})
        self.assertEqual(TextTemplate.objects.get(name="Erledigt").text, "Von Hand geändert.")
        self.assertEqual(TextTemplate.objects.count(), 19)

    def test_an_english_site_gets_the_english_set(self) -> None:
        TextTemplate.objects.all().delete()
        KnowledgeArticle.objects.all().delete()
        demo.seed_texts(language="en")
        self.assertTrue(TextTemplate.objects.filter(name="Rejected – not the city's matter").exists())
        self.assertTrue(KnowledgeArticle.objects.filter(title="Person in need: what the coordination desk does").exists())

    def test_the_desk_sees_them_on_a_ticket(self) -> None:
        ticket = report("abfall-sperrmuell")
        client = Client()
        client.force_login(self.alice)
        page = client.get(reverse("backoffice:ticket", args=[ticket.public_id]))
        self.assertContains(page, "Sperrmüll abgeholt")
        self.assertContains(page, "Sperrmüll: wer zuständig ist und was eilt")
        self.assertNotContains(page, "Laterne repariert")
