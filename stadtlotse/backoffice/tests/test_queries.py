from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stadtlotse.testing.cases import ALEXANDERPLATZ, SPANDAU_ALTSTADT, report, resident
from stadtlotse.tickets import workflow

from .base import BackofficeTestCase

# Session, user, memberships, the page's own queries: a fixed number, whatever the ticket count.
# The list also fills the choices of its filter and bulk forms (categories, districts, departments,
# people, text templates), one query each; the desk's home one count per queue (seven).
MAX_QUERIES = 16
# The ticket page reads one query per section: events, photos, deliveries, notifications, knowledge
# base, merged duplicates, text templates, plus the forms' choices.
MAX_DETAIL_QUERIES = 15


class QueryCountTests(BackofficeTestCase):
    """List and detail pages run a fixed number of queries, however many rows they show."""

    def queries(self, url, user):
        self.client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def add_tickets(self, count):
        places = [ALEXANDERPLATZ, SPANDAU_ALTSTADT]
        for number in range(count):
            report("abfall-sperrmuell", places[number % 2])
            report("sonstiges", places[number % 2], description="Unklare Lage, bitte die Koordinationsstelle.")

    def test_pages_do_not_grow_with_tickets(self):
        self.add_tickets(2)
        pages = [
            (reverse("backoffice:home"), self.alice),
            (reverse("backoffice:home"), self.bob),
            (reverse("backoffice:tickets"), self.alice),
            (reverse("backoffice:tickets") + f"?status=open&department={self.waste.pk}", self.bob),
            (reverse("backoffice:tickets") + "?q=Sofa&sort=urgency&status=open", self.alice),
            (reverse("backoffice:tickets") + "?queue=moderation&sort=deadline&assignee=none", self.alice),
            (reverse("backoffice:tickets") + "?assignee=me&channel=web&received_from=2026-01-01", self.bob),
        ]
        few = [self.queries(url, user) for url, user in pages]
        self.add_tickets(15)
        many = [self.queries(url, user) for url, user in pages]
        self.assertEqual(many, few)
        for count in many:
            self.assertLessEqual(count, MAX_QUERIES)

    def test_ticket_page_does_not_grow_with_its_history(self):
        ticket = report("sonstiges", contact=resident(email="", phone="030 1234567"),
                        description="Unklare Lage, bitte die Koordinationsstelle.")
        url = reverse("backoffice:ticket", args=[ticket.public_id])
        workflow.forward(ticket, self.waste, by=self.alice)
        few = self.queries(url, self.alice), self.queries(url, self.bob)
        for number in range(30):
            workflow.add_note(ticket, f"Notiz {number}", by=self.bob, public=number % 2 == 0)
        workflow.forward(ticket, self.streets, by=self.alice)
        workflow.forward(ticket, self.waste, by=self.alice)
        many = self.queries(url, self.alice), self.queries(url, self.bob)
        self.assertEqual(many, few)
        for count in many:
            self.assertLessEqual(count, MAX_DETAIL_QUERIES)
