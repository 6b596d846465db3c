import re
from datetime import timedelta
from io import StringIO

from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stadtlotse.accounts.models import Membership, User
from stadtlotse.catalog.models import Area, Category, Department, KnowledgeArticle, RoutingRule
from stadtlotse.demo import seed as demo
from stadtlotse.testing.cases import env
from stadtlotse.notifications.models import Notification
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Contact, Event, TextTemplate, Ticket

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# German plates: district code, 1–2 letters, 1–4 digits, optional E/H (B-AB 1234, M XY 12E, HH-A 1).
PLATE = re.compile(r"\b[A-ZÄÖÜ]{1,3}[ -]+[A-Z]{1,2}[ -]*\d{1,4}[EH]?\b")


def seed(*args, **env_values):
    out = StringIO()
    with env(**env_values):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    models = (Area, Category, Department, RoutingRule, User, Membership, Ticket, Contact, Event, Notification,
              DBTaskResult, TextTemplate, KnowledgeArticle)
    return {model.__name__: model.objects.count() for model in models}


class SeedDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        areas.reset()
        cls.started = timezone.now()
        cls.output = seed()

    @classmethod
    def tearDownClass(cls):
        # The district index lives in process memory; the rows behind it are rolled back now.
        areas.reset()
        super().tearDownClass()

    def test_creates_the_demo_logins(self):
        desk = User.objects.get(username="desk")
        self.assertEqual(desk.role, User.Role.DESK)
        self.assertFalse(desk.memberships.exists())
        abfall = User.objects.get(username="abfall")
        self.assertEqual(abfall.role, User.Role.DEPARTMENT)
        self.assertIs(abfall.is_lead_of(Department.objects.get(slug="abfallwirtschaft")), True)
        strasse = User.objects.get(username="strasse")
        self.assertEqual([m.department.slug for m in strasse.memberships.all()], ["strassen-gruenflaechenamt"])
        self.assertIs(strasse.is_lead_of(Department.objects.get(slug="strassen-gruenflaechenamt")), False)
        ordnung = User.objects.get(username="ordnung-neukoelln")
        self.assertEqual([m.department.slug for m in ordnung.memberships.all()], ["ordnungsamt-neukoelln"])
        admin = User.objects.get(username="admin")
        self.assertEqual(admin.role, User.Role.ADMIN)
        self.assertIs(admin.is_staff and admin.is_superuser, True)

    def test_demo_passwords_work(self):
        for spec in demo.DEMO_USERS:
            with self.subTest(spec.username):
                self.assertEqual(authenticate(username=spec.username, password="stadtlotse-demo").username,
                                 spec.username)

    def test_creates_tickets_across_the_lifecycle(self):
        tickets = demo.demo_tickets()
        self.assertGreaterEqual(tickets.count(), 30)
        statuses = set(tickets.values_list("status", flat=True))
        self.assertGreaterEqual(len(statuses), 5)
        self.assertTrue({"new", "forwarded", "accepted", "in_progress", "done", "rejected", "needs_info",
                         "duplicate"} <= statuses, statuses)
        self.assertEqual(tickets.filter(status="needs_info").count(), 1)
        duplicate = tickets.get(status="duplicate")
        self.assertIn(duplicate.duplicate_of, tickets)
        # Reported at almost the same spot (within about 50 m).
        self.assertLess(abs(duplicate.lat - duplicate.duplicate_of.lat), 0.0005)
        self.assertLess(abs(duplicate.lon - duplicate.duplicate_of.lon), 0.0007)
        self.assertTrue(tickets.filter(publication="published").exists())
        self.assertTrue(tickets.filter(publication="pending").exists())
        self.assertTrue(Event.objects.filter(ticket__in=tickets, kind=Event.Kind.INTERNAL_NOTE).exists())
        for ticket in tickets.filter(status="done"):
            self.assertTrue(ticket.events.filter(status_to="done").exclude(note="").exists(), ticket)
        for ticket in tickets.filter(status="rejected"):
            self.assertTrue(ticket.events.filter(status_to="rejected").exclude(note="").exists(), ticket)

    def test_tickets_cover_every_category_group(self):
        groups = {t.category.group.service_code for t in demo.demo_tickets().select_related("category")}
        self.assertTrue({"abfall", "strasse", "licht", "verkehr", "gruen", "graffiti", "soziales", "sicherheit"}
                        <= groups, groups)

    def test_every_ticket_lies_in_its_district(self):
        texts = {r["text"]: r["district"] for r in demo.load_reports()}
        tickets = demo.demo_tickets().select_related("area")
        for ticket in tickets:
            with self.subTest(ticket.public_id):
                self.assertIsNotNone(ticket.area)
                self.assertEqual(ticket.area.name, texts[ticket.description])
                self.assertTrue(ticket.has_location())
        self.assertEqual(len({t.area_id for t in tickets}), Area.objects.count())  # all twelve districts

    def test_reports_are_spread_over_the_last_sixty_days(self):
        created = list(demo.demo_tickets().values_list("created_at", flat=True))
        self.assertGreaterEqual(min(created), self.started - timedelta(days=61))
        self.assertLess(min(created), self.started - timedelta(days=50))
        self.assertLessEqual(max(created), self.started)
        first_events = Event.objects.filter(kind=Event.Kind.CREATED, ticket__in=demo.demo_tickets())
        for event in first_events.select_related("ticket"):
            self.assertEqual(event.created_at, event.ticket.created_at)

    def test_contacts_are_fictitious(self):
        contacts = Contact.objects.filter(ticket__in=demo.demo_tickets())
        self.assertTrue(contacts.exists())
        self.assertTrue(contacts.filter(email="", wants_feedback=True).exclude(phone="").exists())  # phone only
        for contact in contacts.exclude(email=""):
            self.assertTrue(contact.email.endswith("@example.org"), contact.email)
        self.assertLess(contacts.count(), demo.demo_tickets().count())  # some reports are anonymous

    def test_descriptions_hold_no_email_address_or_licence_plate(self):
        texts = list(demo.demo_tickets().values_list("description", flat=True))
        texts += [r["text"] for r in demo.load_reports()]
        for text in texts:
            with self.subTest(text=text[:40]):
                self.assertIsNone(EMAIL.search(text))
                self.assertIsNone(PLATE.search(text))

    def test_nothing_is_sent_while_seeding(self):
        self.assertEqual(mail.outbox, [])
        self.assertTrue(Notification.objects.filter(status=Notification.Status.PENDING).exists())
        self.assertTrue(DBTaskResult.objects.exists())

    def test_output_lists_progress_and_logins(self):
        total = len(demo.REPORTS)
        self.assertIn(f"  10/{total} tickets\n", self.output)
        self.assertIn(f"  {total}/{total} tickets\n", self.output)
        self.assertIn(f"Tickets: {total} demo tickets created", self.output)
        for spec in demo.DEMO_USERS:
            self.assertRegex(self.output, rf"\n  {re.escape(spec.username)} +{spec.role} .*stadtlotse-demo\n")
        self.assertIn("Ordnungsamt Neukölln", self.output)
        self.assertIn("Texts: 19 text templates, 5 knowledge base articles added.", self.output)

    def test_running_again_keeps_what_the_administrator_changed(self):
        Category.objects.filter(service_code="abfall-sperrmuell").update(name="Sperrmüll (geändert)")
        RoutingRule.objects.filter(category__service_code="abfall-papierkorb").delete()
        seed()
        self.assertEqual(Category.objects.get(service_code="abfall-sperrmuell").name, "Sperrmüll (geändert)")
        self.assertFalse(RoutingRule.objects.filter(category__service_code="abfall-papierkorb").exists())

    def test_prints_the_open311_demo_key_which_works(self):
        from stadtlotse.accounts.models import ApiKey

        self.assertIn("Open311 API key for apps: demo-open311-key", self.output)
        self.assertIsNotNone(ApiKey.verify("demo-open311-key"))

    def test_running_again_changes_nothing(self):
        before = counts()
        output = seed()
        self.assertEqual(counts(), before)
        self.assertIn(f"{len(demo.REPORTS)} demo tickets exist already; none added", output)
        self.assertIn("all existed", output)
        self.assertIn("Texts: 0 text templates, 0 knowledge base articles added.", output)
        self.assertIn("stadtlotse-demo", output)

    def test_existing_passwords_are_kept_unless_reset(self):
        output = seed(STADTLOTSE_DEMO_PASSWORD="anderes-Passwort-1")
        self.assertIn("(not the demo password; --reset-passwords sets it)", output)
        self.assertIsNotNone(authenticate(username="desk", password="stadtlotse-demo"))

        output = seed("--reset-passwords", STADTLOTSE_DEMO_PASSWORD="anderes-Passwort-1")
        self.assertIn("anderes-Passwort-1", output)
        self.assertIsNone(authenticate(username="desk", password="stadtlotse-demo"))
        self.assertIsNotNone(authenticate(username="admin", password="anderes-Passwort-1"))

    def test_missing_users_and_memberships_come_back(self):
        User.objects.filter(username="strasse").delete()
        Membership.objects.filter(user__username="abfall").delete()
        output = seed()
        self.assertIn("(1 created)", output)
        self.assertTrue(User.objects.get(username="strasse").memberships.exists())
        self.assertTrue(User.objects.get(username="abfall").memberships.get().is_lead)


class DemoReportsFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        areas.reset()
        demo.seed_catalog()

    @classmethod
    def tearDownClass(cls):
        areas.reset()
        super().tearDownClass()

    def test_every_text_fits_the_catalog(self):
        reportable = set(Category.objects.reportable().values_list("service_code", flat=True))
        districts = set(Area.objects.values_list("name", flat=True))
        reports = demo.load_reports()
        self.assertGreaterEqual(len(reports), 80)
        for report in reports:
            with self.subTest(report["text"][:40]):
                self.assertEqual(set(report), {"category", "text", "district", "source"})
                self.assertIn(report["category"], reportable)
                self.assertIn(report["district"], districts)
                self.assertIn(report["source"], {"ordnungsamt-online", "stadtlotse"})
                self.assertTrue(20 <= len(report["text"]) <= 600)
        self.assertEqual(len({r["text"] for r in reports}), len(reports))

    def test_every_story_finds_its_text(self):
        reports = demo.load_reports()
        for report in demo.REPORTS:
            with self.subTest(report.text):
                demo._find_text(reports, report.text)


class Rollback(Exception):
    pass


class SeedingFromScratchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        areas.reset()
        demo.seed_catalog()
        demo.seed_users()

    @classmethod
    def tearDownClass(cls):
        areas.reset()
        super().tearDownClass()

    def seeded_points(self):
        try:
            with transaction.atomic():
                demo.seed_tickets()
                points = list(demo.demo_tickets().order_by("public_id").values_list("lat", "lon"))
                raise Rollback
        except Rollback:
            return points

    def test_places_are_the_same_on_every_fresh_run(self):
        first = self.seeded_points()
        self.assertEqual(len(first), len(demo.REPORTS))
        self.assertEqual(self.seeded_points(), first)

    def test_a_story_that_no_longer_fits_the_catalog_saves_nothing(self):
        Department.objects.filter(slug="streetwork").update(is_active=False)
        with self.assertRaisesMessage(CommandError, "none were saved"):
            seed()
        self.assertFalse(Ticket.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())

