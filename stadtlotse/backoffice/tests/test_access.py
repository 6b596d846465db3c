from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stadtlotse.testing.cases import HERMANNPLATZ, report, resident
from stadtlotse.media.tests.images import TemporaryMediaMixin
from stadtlotse.tickets.models import Attachment, Ticket

from .base import BackofficeTestCase


class AnonymousTests(BackofficeTestCase):
    def test_every_back_office_url_needs_a_login(self):
        ticket = report("abfall-sperrmuell")
        login = reverse("accounts:login")
        gets = [
            reverse("backoffice:home"),
            reverse("backoffice:tickets"),
            reverse("backoffice:ticket", args=[ticket.public_id]),
            reverse("backoffice:attachment", args=[ticket.public_id, 1]),
        ]
        posts = [reverse("backoffice:action", args=[ticket.public_id, action]) for action in (
            "classify", "forward", "accept", "start", "resolve", "reject", "request_info", "hand_back",
            "reopen", "mark_duplicate", "add_note", "assign", "moderate")]
        posts.append(reverse("backoffice:callback_done", args=[ticket.public_id, 1]))
        for url in gets:
            with self.subTest(url=url):
                self.assertRedirects(self.client.get(url), f"{login}?next={url}")
        for url in posts:
            with self.subTest(url=url):
                self.assertRedirects(self.client.post(url), f"{login}?next={url}")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)


class DeskTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.desk_ticket = report("sonstiges", description="Seit Tagen liegt hier etwas herum, wer ist zuständig?")
        cls.waste_ticket = report("abfall-sperrmuell")
        cls.street_ticket = report("strasse-schlagloch")

    def setUp(self):
        self.client.force_login(self.alice)

    def test_inbox_shows_what_waits_for_the_desk(self):
        response = self.client.get(reverse("backoffice:home"))
        self.assertContains(response, "<h1>")
        self.assertEqual([t.public_id for t in response.context["page"]], [self.desk_ticket.public_id])
        self.assertEqual(response.context["queues"], {
            "new": 1, "answered": 0, "returned": 0, "moderation": 1, "overdue": 0, "follow_up": 0, "waiting": 0,
        })
        self.assertContains(response, self.desk_ticket.public_id)
        self.assertNotContains(response, self.waste_ticket.public_id)
        counts = {d.slug: d.open_tickets for d in response.context["departments"]}
        self.assertEqual(counts["abfallwirtschaft"], 1)
        self.assertEqual(counts["strassen-gruenflaechenamt"], 1)

    def test_inbox_puts_urgent_first(self):
        later = report("sonstiges", description="Dringend: eine offene Baugrube ohne Absperrung.")
        later.priority = "urgent"
        later.save()
        response = self.client.get(reverse("backoffice:home"))
        self.assertEqual([t.public_id for t in response.context["page"]],
                         [later.public_id, self.desk_ticket.public_id])

    def test_desk_sees_any_ticket(self):
        for ticket in (self.desk_ticket, self.waste_ticket, self.street_ticket):
            with self.subTest(ticket=ticket.public_id):
                response = self.client.get(reverse("backoffice:ticket", args=[ticket.public_id]))
                self.assertContains(response, ticket.public_id)

    def test_ticket_page_shows_facts_contact_and_timeline(self):
        response = self.client.get(reverse("backoffice:ticket", args=[self.waste_ticket.public_id]))
        self.assertContains(response, "Waste and cleanliness › Bulky waste")
        self.assertContains(response, "Neukölln")
        self.assertContains(response, "openstreetmap.org/?mlat=52.4869&amp;mlon=13.4247")
        self.assertContains(response, "Rita Anwohnerin")
        self.assertContains(response, "rita@example.org")
        self.assertContains(response, "How much is there?")
        self.assertContains(response, "up to 1 m³")
        self.assertContains(response, 'class="badge public"')
        self.assertContains(response, 'class="badge internal"')
        self.assertEqual(len(response.context["deliveries"]), 1)

    def test_callbacks_pending_are_listed(self):
        ticket = report("sonstiges", contact=resident(email="", phone="030 1234567"),
                        description="Ein Mensch liegt seit zwei Tagen im Hauseingang.")
        self.act(ticket, "forward", department=self.streetwork.pk)
        response = self.client.get(reverse("backoffice:home"))
        self.assertEqual(response.context["callback_count"], 1)
        self.assertContains(response, "030 1234567")

    def test_list_shows_every_ticket_newest_first(self):
        response = self.client.get(reverse("backoffice:tickets"))
        self.assertEqual([t.public_id for t in response.context["page"]],
                         [self.street_ticket.public_id, self.waste_ticket.public_id, self.desk_ticket.public_id])

    def test_list_filters(self):
        neukoelln = self.desk_ticket.area
        spandau_ticket = report("abfall-sperrmuell", (52.5363, 13.2040))
        group = self.waste_ticket.category.parent
        cases = [
            ({"status": "new"}, [self.desk_ticket]),
            ({"status": "open"}, [spandau_ticket, self.street_ticket, self.waste_ticket, self.desk_ticket]),
            ({"status": "closed"}, []),
            ({"department": self.waste.pk}, [spandau_ticket, self.waste_ticket]),
            ({"district": neukoelln.pk, "department": self.waste.pk}, [self.waste_ticket]),
            ({"category": group.pk}, [spandau_ticket, self.waste_ticket]),
            ({"category": self.street_ticket.category_id}, [self.street_ticket]),
            ({"publication": "pending"}, [self.desk_ticket]),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                response = self.client.get(reverse("backoffice:tickets"), params)
                self.assertEqual([t.public_id for t in response.context["page"]], [t.public_id for t in expected])

    def test_bad_filter_is_shown_and_ignored(self):
        response = self.client.get(reverse("backoffice:tickets"), {"status": "bogus", "department": self.waste.pk})
        self.assertIn("status", response.context["form"].errors)
        self.assertEqual(len(response.context["page"]), 1)

    def test_list_is_paginated(self):
        for _ in range(50):
            report("abfall-papierkorb")
        response = self.client.get(reverse("backoffice:tickets"), {"department": self.waste.pk})
        self.assertEqual(len(response.context["page"]), 50)
        self.assertContains(response, f"?department={self.waste.pk}&amp;page=2")
        response = self.client.get(reverse("backoffice:tickets"), {"department": self.waste.pk, "page": 2})
        self.assertEqual(len(response.context["page"]), 1)

    def test_unknown_ticket_is_404(self):
        self.assertEqual(self.client.get(reverse("backoffice:ticket", args=["SL-1999-0001"])).status_code, 404)


class DepartmentTests(BackofficeTestCase):
    """Department staff see their department's tickets only; other tickets are 404, forbidden actions 403."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.waste_ticket = report("abfall-sperrmuell")
        cls.street_ticket = report("strasse-schlagloch")
        cls.desk_ticket = report("sonstiges", description="Seit Tagen liegt hier etwas herum, wer ist zuständig?")

    def setUp(self):
        self.client.force_login(self.bob)

    def test_home_lists_the_departments_open_tickets(self):
        response = self.client.get(reverse("backoffice:home"))
        self.assertEqual([t.public_id for t in response.context["page"]], [self.waste_ticket.public_id])
        self.assertNotContains(response, self.street_ticket.public_id)
        self.assertNotContains(response, self.desk_ticket.public_id)
        self.assertNotIn("queues", response.context)

    def test_list_shows_only_own_tickets(self):
        response = self.client.get(reverse("backoffice:tickets"))
        self.assertEqual([t.public_id for t in response.context["page"]], [self.waste_ticket.public_id])
        self.assertEqual(list(response.context["form"].fields["department"].queryset), [self.waste])
        response = self.client.get(reverse("backoffice:tickets"), {"department": self.streets.pk})
        self.assertIn("department", response.context["form"].errors)
        self.assertNotContains(response, self.street_ticket.public_id)

    def test_own_ticket_with_contact_data(self):
        response = self.client.get(reverse("backoffice:ticket", args=[self.waste_ticket.public_id]))
        self.assertContains(response, "rita@example.org")
        offered = [form.action for form in response.context["action_forms"]]
        self.assertEqual(offered, ["accept", "start", "resolve", "reject", "request_info", "hand_back",
                                   "add_note", "assign", "follow_up"])

    def test_other_departments_ticket_is_404(self):
        for ticket in (self.street_ticket, self.desk_ticket):
            with self.subTest(ticket=ticket.public_id):
                self.assertEqual(self.client.get(reverse("backoffice:ticket", args=[ticket.public_id])).status_code, 404)
                self.assertEqual(self.act(ticket, "accept").status_code, 404)
                self.assertEqual(self.act(ticket, "add_note", text="Hallo").status_code, 404)
        self.street_ticket.refresh_from_db()
        self.assertEqual(self.street_ticket.status, Ticket.Status.FORWARDED)
        self.assertFalse(self.street_ticket.events.filter(kind="internal_note").exists())

    def test_outsider_gets_404(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(reverse("backoffice:ticket", args=[self.waste_ticket.public_id])).status_code, 404)
        self.assertEqual(self.act(self.waste_ticket, "resolve", note="Erledigt.").status_code, 404)

    def test_desk_actions_are_403(self):
        cases = {
            "classify": {"topic": "social", "priority": "urgent", "category": self.waste_ticket.category_id},
            "forward": {"department": self.streets.pk},
            "moderate": {"publication": "hidden", "reason": "Spam"},
            "mark_duplicate": {"original": self.street_ticket.public_id},
            "reopen": {"reason": "Noch da."},
        }
        for action, fields in cases.items():
            with self.subTest(action=action):
                self.assertEqual(self.act(self.waste_ticket, action, **fields).status_code, 403)
        self.waste_ticket.refresh_from_db()
        self.assertEqual(self.waste_ticket.department, self.waste)
        self.assertEqual(self.waste_ticket.priority, "normal")

    def test_callbacks_are_for_the_desk(self):
        ticket = report("abfall-sperrmuell", contact=resident(email="", phone="030 1234567"))
        self.act(ticket, "accept", note="Wir kommen morgen.")
        callback = ticket.notifications.get(channel="callback")
        response = self.client.post(reverse("backoffice:callback_done", args=[ticket.public_id, callback.pk]))
        self.assertEqual(response.status_code, 403)
        callback.refresh_from_db()
        self.assertEqual(callback.status, "pending")


class AttachmentTests(TemporaryMediaMixin, BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        cls.photo = Attachment.objects.create(
            ticket=cls.ticket, original=SimpleUploadedFile("sofa.jpg", b"\xff\xd8\xff-not-really-a-jpeg"),
            content_type="image/jpeg", size=19,
        )

    def url(self):
        return reverse("backoffice:attachment", args=[self.ticket.public_id, self.photo.pk])

    def test_department_gets_the_original(self):
        self.client.force_login(self.bob)
        page = self.client.get(reverse("backoffice:ticket", args=[self.ticket.public_id]))
        self.assertContains(page, self.url())
        response = self.client.get(self.url())
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertIn("private", response["Cache-Control"])
        self.assertEqual(b"".join(response.streaming_content), b"\xff\xd8\xff-not-really-a-jpeg")

    def test_other_department_gets_404(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_photo_of_another_ticket_is_404(self):
        other = report("abfall-sperrmuell")
        self.client.force_login(self.alice)
        url = reverse("backoffice:attachment", args=[other.public_id, self.photo.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
