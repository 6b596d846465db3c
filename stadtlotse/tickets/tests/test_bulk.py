"""One action on many tickets: tickets.bulk, without the list's form in between."""

from stadtlotse.notifications.models import Notification
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, StadtlotseTestCase, report, resident
from stadtlotse.tickets import bulk, workflow
from stadtlotse.tickets.models import Event, TextTemplate, Ticket

S = Ticket.Status
P = Ticket.Publication


class BulkTests(StadtlotseTestCase):
    def setUp(self):
        super().setUp()
        self.first = report("sonstiges", HERMANNPLATZ, description="Graffiti an der Schule, bitte prüfen.",
                            contact=resident(name="Xaverine Zedernholz"))
        self.second = report("sonstiges", ALEXANDERPLATZ, description="Graffiti an der Brücke, bitte prüfen.")
        self.tickets = [self.first, self.second]

    def refreshed(self):
        for ticket in self.tickets:
            ticket.refresh_from_db()
        return self.tickets

    def test_forward_says_done_for_each_ticket(self):
        outcomes = bulk.forward(self.tickets, self.streets, by=self.alice, note="Bitte beide prüfen")
        self.assertEqual([(o.ticket, o.done, o.error) for o in outcomes],
                         [(self.first, True, ""), (self.second, True, "")])
        for ticket in self.refreshed():
            self.assertEqual((ticket.status, ticket.department), (S.FORWARDED, self.streets))

    def test_a_refused_ticket_keeps_its_state_and_the_others_are_changed(self):
        workflow.resolve(self.second, by=self.alice, note="Schon erledigt.")
        outcomes = bulk.set_status(self.tickets, S.REJECTED, by=self.alice, note="Privatgelände")
        self.assertTrue(outcomes[0].done)
        self.assertFalse(outcomes[1].done)
        self.assertIn(self.second.public_id, outcomes[1].error)
        first, second = self.refreshed()
        self.assertEqual((first.status, second.status), (S.REJECTED, S.DONE))

    def test_a_template_is_filled_in_per_ticket(self):
        template = TextTemplate.objects.create(name="Erledigt", text="Meldung {ticket_id} ist erledigt.")
        outcomes = bulk.set_status(self.tickets, S.DONE, by=self.alice, template=template)
        self.assertTrue(all(o.done for o in outcomes))
        for ticket in self.refreshed():
            self.assertEqual(ticket.status, S.DONE)
            self.assertEqual(ticket.events.last().note, f"Meldung {ticket.public_id} ist erledigt.")

    def test_a_template_gap_refuses_that_ticket_and_changes_nothing(self):
        # Saved before the audience check existed: a public note naming the reporter.
        thanks = TextTemplate.objects.create(name="Danke", text="Danke, {reporter_name}!")
        events = Event.objects.count()
        outcomes = bulk.set_status(self.tickets, S.DONE, by=self.alice, template=thanks)
        self.assertEqual([o.done for o in outcomes], [False, False])
        self.assertTrue(all("nicht veröffentlicht werden darf" in o.error for o in outcomes), outcomes)
        for ticket in self.refreshed():
            self.assertEqual(ticket.status, S.NEW)
        self.assertEqual(Event.objects.count(), events)
        self.assertFalse(Event.objects.filter(note__contains="Zedernholz").exists())

    def test_a_status_the_list_does_not_offer_is_refused(self):
        with self.assertRaisesMessage(workflow.WorkflowError, "nicht für mehrere Vorgänge auf einmal"):
            bulk.set_status(self.tickets, S.NEEDS_INFO, by=self.alice, note="?")
        self.assertEqual([t.status for t in self.refreshed()], [S.NEW, S.NEW])

    def test_publishing_goes_through_moderation_and_tells_nobody(self):
        outcomes = bulk.publish(self.tickets, by=self.alice)
        self.assertTrue(all(o.done for o in outcomes))
        for ticket in self.refreshed():
            self.assertEqual(ticket.publication, P.PUBLISHED)
            self.assertEqual(ticket.events.filter(kind=Event.Kind.MODERATED).count(), 1)
        self.assertFalse(Notification.objects.filter(template="moderated").exists())

    def test_a_department_may_not_publish(self):
        workflow.forward(self.first, self.waste, by=self.alice)
        [outcome] = bulk.publish([self.first], by=self.bob)
        self.assertIn("dürfen Sie", outcome.error)
        self.first.refresh_from_db()
        self.assertEqual(self.first.publication, P.PENDING)

    def test_assign_refuses_someone_outside_the_department(self):
        workflow.forward(self.first, self.waste, by=self.alice)
        workflow.forward(self.second, self.streets, by=self.alice)
        outcomes = bulk.assign(self.refreshed(), self.bob, by=self.alice)
        self.assertEqual([o.done for o in outcomes], [True, False])
        first, second = self.refreshed()
        self.assertEqual((first.assignee, second.assignee), (self.bob, None))

    def test_merge_keeps_the_oldest_open_unless_told_otherwise(self):
        outcomes = bulk.merge([self.second, self.first], by=self.alice)
        self.assertEqual([o.ticket for o in outcomes], [self.first, self.second])
        first, second = self.refreshed()
        self.assertEqual((first.status, second.status, second.duplicate_of), (S.NEW, S.DUPLICATE, first))

    def test_merge_into_a_chosen_survivor(self):
        bulk.merge(self.tickets, survivor=self.second, by=self.alice)
        first, second = self.refreshed()
        self.assertEqual((first.status, first.duplicate_of, second.status), (S.DUPLICATE, second, S.NEW))

    def test_a_refused_merge_refuses_every_ticket_and_merges_none(self):
        third = report("sonstiges", HERMANNPLATZ)
        workflow.resolve(self.first, by=self.alice, note="Erledigt.")
        outcomes = bulk.merge([self.first, self.second, third], by=self.alice)
        self.assertEqual([o.done for o in outcomes], [False, False, False])
        self.assertIn("ist abgeschlossen", outcomes[0].error)
        for ticket in (self.second, third):
            ticket.refresh_from_db()
            self.assertEqual((ticket.status, ticket.duplicate_of), (S.NEW, None))

    def test_a_survivor_outside_the_selection_is_refused(self):
        other = report("sonstiges", HERMANNPLATZ)
        with self.assertRaisesMessage(workflow.WorkflowError, "muss einer der ausgewählten sein"):
            bulk.merge(self.tickets, survivor=other, by=self.alice)
        self.assertEqual([t.status for t in self.refreshed()], [S.NEW, S.NEW])

    def test_at_most_a_hundred_tickets_at_once(self):
        with self.assertRaisesMessage(workflow.WorkflowError, "Höchstens 100 Vorgänge"):
            bulk.forward([self.first] * (bulk.MAX_TICKETS + 1), self.streets, by=self.alice)
        self.assertEqual(self.refreshed()[0].status, S.NEW)
