"""The ticket list: queues, full-text search, filters, sort, saved views and "my tickets"."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils import timezone

from stadtlotse.accounts.models import SavedView
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, report
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

from .base import BackofficeTestCase

BERLIN = ZoneInfo("Europe/Berlin")
LIST = reverse("backoffice:tickets")


class InboxTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=BERLIN), tick=False):
            cls.sofa = report("abfall-sperrmuell", HERMANNPLATZ, description="Ein Sofa und Matratzen am Gehweg.")
        with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=BERLIN), tick=False):
            cls.lamp = report("licht-laterne", ALEXANDERPLATZ, answers={"art": "flackert"},
                              description="Die Laterne flackert seit Tagen.", channel=Ticket.Channel.PHONE)
            cls.unclear = report("sonstiges", HERMANNPLATZ, description="Eine Person sitzt seit Tagen im Hauseingang.")
            cls.returned = report("abfall-sperrmuell", ALEXANDERPLATZ, description="Bauschutt auf Bahngelände.")
        workflow.hand_back(cls.returned, by=cls.bob, reason="Bahngelände, nicht unseres")
        workflow.request_info(cls.unclear, by=cls.alice, question="Wo genau?")
        workflow.assign(cls.sofa, cls.bob, by=cls.bianca)
        workflow.classify(cls.lamp, by=cls.alice, priority="urgent")

    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)

    def listed(self, **params):
        response = self.client.get(LIST, params)
        self.assertEqual(response.status_code, 200)
        return [t.public_id for t in response.context["page"]]

    def test_queues_are_counted_and_listed(self):
        with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=BERLIN), tick=False):
            response = self.client.get(reverse("backoffice:home"))
            queues = response.context["queues"]
            self.assertEqual(queues["returned"], 1)
            self.assertEqual(queues["waiting"], 1)
            self.assertEqual(queues["overdue"], 2)  # sofa (72 working h from 2 Nov) and the lamp
            self.assertEqual(self.listed(queue="returned"), [self.returned.public_id])
            self.assertEqual(self.listed(queue="waiting"), [self.unclear.public_id])
            self.assertEqual(sorted(self.listed(queue="overdue")), sorted([self.sofa.public_id, self.lamp.public_id]))
            self.assertContains(response, "?queue=returned")

    def test_follow_up_queue(self):
        today = dt.datetime(2026, 11, 20, 12, tzinfo=BERLIN)
        with time_machine.travel(today, tick=False):
            self.act(self.lamp, "follow_up", date="2026-11-20", reason="Nachfragen beim Lichtamt")
            self.act(self.sofa, "follow_up", date="2026-11-27", reason="Später")
            self.assertEqual(self.listed(queue="follow_up"), [self.lamp.public_id])
            response = self.act(self.lamp, "follow_up", date="2026-11-21", reason="")
            self.assertEqual(response.status_code, 200)
            [form] = [f for f in response.context["action_forms"] if f.action == "follow_up"]
            self.assertIn("reason", form.errors)
            self.lamp.refresh_from_db()
            self.assertEqual(timezone.localtime(self.lamp.follow_up_at).date(), dt.date(2026, 11, 20))

    def test_full_text_search_in_the_list(self):
        self.assertEqual(self.listed(q="Laternen"), [self.lamp.public_id])
        self.assertEqual(self.listed(q="Bahngelände"), [self.returned.public_id])  # the hand-back note
        self.assertEqual(self.listed(q=self.sofa.public_id), [self.sofa.public_id])
        self.assertEqual(self.listed(q="Laternen", status="closed"), [])
        workflow.resolve(self.lamp, by=self.alice, note="Leuchtmittel getauscht")
        self.assertEqual(self.listed(q="Leuchtmittel", status="closed"), [self.lamp.public_id])

    def test_department_search_sees_only_its_tickets(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.listed(q="Sofa"), [])
        self.client.force_login(self.bob)
        self.assertEqual(self.listed(q="Sofa"), [self.sofa.public_id])

    def test_filters(self):
        self.assertEqual(self.listed(channel="phone"), [self.lamp.public_id])
        self.assertEqual(self.listed(priority="urgent"), [self.lamp.public_id])
        self.assertEqual(self.listed(assignee=str(self.bob.pk)), [self.sofa.public_id])
        self.assertEqual(self.listed(received_from="2026-11-01", received_to="2026-11-02"), [self.sofa.public_id])
        self.assertEqual(len(self.listed(received_from="2026-11-10")), 3)
        self.client.force_login(self.bob)
        self.assertEqual(self.listed(assignee="me"), [self.sofa.public_id])

    def test_sort(self):
        self.assertEqual(self.listed(sort="urgency")[0], self.lamp.public_id)
        self.assertEqual(self.listed(sort="oldest")[0], self.sofa.public_id)
        self.assertEqual(self.listed(sort="deadline")[0], self.sofa.public_id)

    def test_urgency_follows_a_priority_change(self):
        self.assertEqual(Ticket.objects.get(pk=self.lamp.pk).urgency, 0)
        self.assertEqual(Ticket.objects.get(pk=self.sofa.pk).urgency, 2)
        workflow.classify(self.sofa, by=self.alice, priority="high")
        self.assertEqual(Ticket.objects.get(pk=self.sofa.pk).urgency, 1)
        self.assertEqual(self.listed(sort="urgency")[:2], [self.lamp.public_id, self.sofa.public_id])

    def test_a_huge_list_is_counted_up_to_a_cap(self):
        from stadtlotse.backoffice.views import CappedPaginator

        with mock.patch.object(CappedPaginator, "COUNT_CAP", 2):
            response = self.client.get(LIST, {"status": "open"})
            self.assertContains(response, "More than 2 tickets")
            self.assertEqual(response.context["page"].paginator.num_pages, 1)
        response = self.client.get(LIST, {"status": "open"})
        self.assertContains(response, "4 tickets")
        self.assertEqual(len(response.context["page"]), 4)

    def test_bad_filter_input_is_reported_and_ignored(self):
        response = self.client.get(LIST, {"received_from": "2026-13-45", "sort": "evil", "queue": "nope",
                                          "q": "x" * 500, "assignee": "99999"})
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        for field in ("received_from", "sort", "queue", "q", "assignee"):
            self.assertIn(field, errors)
        self.assertEqual(len(response.context["page"]), 4)
        response = self.client.get(LIST, {"received_from": "2026-11-05", "received_to": "2026-11-01"})
        self.assertIn("received_to", response.context["form"].errors)

    def test_saved_views(self):
        response = self.client.post(reverse("backoffice:save_view"),
                                    {"name": "Dringend", "query": "priority=urgent&evil=1&sort=urgency"})
        view = SavedView.objects.get(user=self.alice)
        self.assertEqual(view.query, "priority=urgent&sort=urgency")
        self.assertRedirects(response, f"{LIST}?{view.query}")
        response = self.client.get(LIST)
        self.assertContains(response, "Dringend")
        response = self.client.post(reverse("backoffice:save_view"), {"name": "Dringend", "query": ""}, follow=True)
        self.assertIn("already have a view", self.last_message(response))
        self.assertEqual(SavedView.objects.count(), 1)
        # Views are personal: another user cannot see or delete it.
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(LIST), "Dringend")
        self.assertEqual(self.client.post(reverse("backoffice:delete_view", args=[view.pk])).status_code, 404)
        self.client.force_login(self.alice)
        self.client.post(reverse("backoffice:delete_view", args=[view.pk]))
        self.assertFalse(SavedView.objects.exists())

    def test_my_tickets_link(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("backoffice:home"))
        self.assertContains(response, "?assignee=me&amp;status=open")
