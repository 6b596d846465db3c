"""Bulk actions on tickets selected in the list."""

from django.urls import reverse

from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, report
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import TextTemplate, Ticket

from .base import BackofficeTestCase

S = Ticket.Status
BULK = reverse("backoffice:bulk")


class BulkTests(BackofficeTestCase):
    def setUp(self):
        super().setUp()
        self.a = report("sonstiges", HERMANNPLATZ, description="Graffiti an der Schule, bitte prüfen.")
        self.b = report("sonstiges", ALEXANDERPLATZ, description="Graffiti an der Brücke, bitte prüfen.")
        self.waste_ticket = report("abfall-sperrmuell", HERMANNPLATZ)

    def post(self, user, **data):
        self.client.force_login(user)
        return self.client.post(BULK, data, follow=True)

    def test_forward_many(self):
        response = self.post(self.alice, tickets=[self.a.public_id, self.b.public_id], action="forward",
                             department=self.streets.pk, next="status=open")
        self.assertRedirects(response, reverse("backoffice:tickets") + "?status=open")
        for ticket in (self.a, self.b):
            ticket.refresh_from_db()
            self.assertEqual((ticket.status, ticket.department), (S.FORWARDED, self.streets))
        self.assertIn("2 ticket(s)", self.last_message(response))

    def test_status_with_a_template_is_filled_per_ticket(self):
        template = TextTemplate.objects.create(name="Erledigt", text="Meldung {ticket_id} ist erledigt.")
        self.post(self.alice, tickets=[self.a.public_id, self.b.public_id], action="status", status="done",
                  template=template.pk)
        for ticket in (self.a, self.b):
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, S.DONE)
            self.assertEqual(ticket.events.last().note, f"Meldung {ticket.public_id} ist erledigt.")

    def test_partial_failure_is_reported_per_ticket(self):
        workflow.resolve(self.b, by=self.alice, note="schon erledigt")
        response = self.post(self.alice, tickets=[self.a.public_id, self.b.public_id], action="status",
                             status="rejected", note="Privatgelände")
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, S.REJECTED)
        texts = [str(m) for m in response.context["messages"]]
        self.assertTrue(any(t.startswith(self.b.public_id) for t in texts), texts)

    def test_merge_with_chosen_survivor_and_publish_and_assign(self):
        self.post(self.alice, tickets=[self.a.public_id, self.b.public_id], action="merge", survivor=self.b.public_id)
        self.a.refresh_from_db()
        self.assertEqual((self.a.status, self.a.duplicate_of_id), (S.DUPLICATE, self.b.pk))
        self.post(self.alice, tickets=[self.b.public_id], action="publish")
        self.b.refresh_from_db()
        self.assertEqual(self.b.publication, Ticket.Publication.PUBLISHED)
        self.post(self.bob, tickets=[self.waste_ticket.public_id], action="assign", assignee=self.bob.pk)
        self.waste_ticket.refresh_from_db()
        self.assertEqual(self.waste_ticket.assignee, self.bob)

    def test_bad_input_changes_nothing(self):
        cases = [
            {"tickets": [], "action": "publish"},
            {"tickets": [self.a.public_id], "action": "merge"},
            {"tickets": [self.a.public_id, self.b.public_id], "action": "merge", "survivor": self.waste_ticket.public_id},
            {"tickets": [self.a.public_id], "action": "forward"},
            {"tickets": [self.a.public_id], "action": "status"},
            {"tickets": [self.a.public_id], "action": "explode"},
            {"tickets": ["SL-2026-99999"], "action": "publish"},
            {"tickets": [self.a.public_id], "action": "merge", "survivor": "<script>"},
        ]
        for data in cases:
            with self.subTest(data=data):
                response = self.post(self.alice, **data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(any(m.level_tag == "error" for m in response.context["messages"]))
        for ticket in (self.a, self.b):
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, S.NEW)
            self.assertEqual(ticket.publication, Ticket.Publication.PENDING)

    def test_other_departments_tickets_cannot_be_selected(self):
        response = self.post(self.carol, tickets=[self.waste_ticket.public_id], action="status", status="accepted")
        self.assertIn("not yours", str(list(response.context["messages"])[0]))
        self.waste_ticket.refresh_from_db()
        self.assertEqual(self.waste_ticket.status, S.FORWARDED)
        # A department cannot moderate: the workflow refuses it.
        workflow.forward(self.a, self.waste, by=self.alice)
        response = self.post(self.bob, tickets=[self.a.public_id], action="publish")
        self.assertIn("may not", str(list(response.context["messages"])[0]))
        self.a.refresh_from_db()
        self.assertEqual(self.a.publication, Ticket.Publication.PENDING)

    def test_list_offers_check_boxes(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("backoffice:tickets"))
        self.assertContains(response, f'name="tickets" value="{self.a.public_id}" form="bulk-form"')
        self.assertContains(response, 'id="bulk-form"')
