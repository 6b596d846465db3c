"""The demo's moderation steps go through moderation.moderate: its reporters are told like anyone's."""

from types import SimpleNamespace

from stadtlotse.demo import seed
from stadtlotse.notifications.models import Notification
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report
from stadtlotse.tickets import moderation
from stadtlotse.tickets.models import Ticket


class DemoPublicationTests(StadtlotseTestCase):
    def test_hiding_in_the_demo_tells_the_reporter_as_the_desk_would(self):
        by_desk, by_demo = report("sonstiges", HERMANNPLATZ), report("sonstiges", HERMANNPLATZ)
        moderation.moderate(by_desk, Ticket.Publication.HIDDEN, by=self.alice, reason="Name genannt")
        seed.hide("Name genannt")(by_demo, SimpleNamespace(desk=self.alice), {})
        desk_notice, demo_notice = (Notification.objects.get(ticket=t, template="moderated") for t in (by_desk, by_demo))
        self.assertEqual(demo_notice.recipient, desk_notice.recipient)
        self.assertEqual(demo_notice.subject.replace(by_demo.public_id, by_desk.public_id), desk_notice.subject)
        self.assertIn("Grund:\nName genannt", demo_notice.body_text)
        self.assertIn(by_demo.access_token, demo_notice.body_text)  # the private link, as for the desk's

    def test_publishing_in_the_demo_tells_nobody(self):
        ticket = report("sonstiges", HERMANNPLATZ)
        seed.publish("Graffiti an der Schule.")(ticket, SimpleNamespace(desk=self.alice), {})
        ticket.refresh_from_db()
        self.assertEqual((ticket.publication, ticket.public_description),
                         (Ticket.Publication.PUBLISHED, "Graffiti an der Schule."))
        self.assertFalse(Notification.objects.filter(template="moderated").exists())
