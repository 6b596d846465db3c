"""Publication changes only through moderation.moderate, so its notice rule holds on every path."""

from stadtlotse.notifications.models import Notification
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report
from stadtlotse.tickets import bulk, moderation, workflow
from stadtlotse.tickets.models import Event, Ticket

P = Ticket.Publication


def notices(ticket):
    return list(Notification.objects.filter(ticket=ticket, template="moderated").values_list("recipient", flat=True))


class PublicationTests(StadtlotseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = report("sonstiges", HERMANNPLATZ, description="Graffiti mit einem Namen darin.")

    def test_hiding_tells_the_reporter_once_and_publishing_tells_nobody(self):
        moderation.moderate(self.ticket, P.PUBLISHED, by=self.alice)
        self.assertEqual(notices(self.ticket), [])
        moderation.moderate(self.ticket, P.HIDDEN, by=self.alice, reason="Nennt eine Person beim Namen")
        self.assertEqual(notices(self.ticket), ["rita@example.org"])
        moderation.moderate(self.ticket, P.HIDDEN, by=self.alice, reason="Immer noch")
        self.assertEqual(notices(self.ticket), ["rita@example.org"])  # already hidden: not told again
        self.assertEqual(self.ticket.events.filter(kind=Event.Kind.MODERATED).count(), 3)

    def test_bulk_publishing_is_the_same_moderation(self):
        bulk.publish([self.ticket], by=self.alice)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.publication, P.PUBLISHED)
        event = self.ticket.events.get(kind=Event.Kind.MODERATED)
        self.assertEqual(event.data, {"from": P.PENDING, "to": P.PUBLISHED})
        self.assertEqual(notices(self.ticket), [])

    def test_bad_input_is_refused_and_changes_nothing(self):
        for publication, reason, by, message in [
            ("shown", "", self.alice, "Unbekannter Veröffentlichungsstatus"),
            (P.HIDDEN, " ", self.alice, "Bitte begründen Sie"),
            (P.HIDDEN, "x", self.bob, "Das dürfen Sie"),
        ]:
            with self.subTest(publication=publication, by=by), \
                    self.assertRaisesMessage(workflow.WorkflowError, message):
                moderation.moderate(self.ticket, publication, by=by, reason=reason)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.publication, P.PENDING)
        self.assertFalse(self.ticket.events.filter(kind=Event.Kind.MODERATED).exists())
        self.assertEqual(notices(self.ticket), [])

    def test_the_workflow_offers_no_second_way(self):
        self.assertFalse(hasattr(workflow, "set_publication"))
