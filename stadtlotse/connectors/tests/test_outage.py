"""The city's system is down while 100 tickets are forwarded; when it is back, each arrives once and its status returns."""

import datetime as dt
import json

import time_machine
from django.utils import timezone

from stadtlotse.catalog.models import Department
from stadtlotse.connectors import open311_client
from stadtlotse.connectors.models import Delivery
from stadtlotse.testing.cases import run_jobs
from stadtlotse.tickets.models import Ticket

from .backend import API_KEY, Backend
from .base import ConnectorTestCase
from .proxy import Proxy
from .test_mail import lamp

COUNT = 100


class OutageTests(ConnectorTestCase):
    def test_hundred_tickets_survive_an_outage_exactly_once(self):
        with Backend() as city, Proxy(city.url, lose_posts=5) as proxy:
            self.lighting.connector = Department.Connector.OPEN311
            self.lighting.connector_settings = {"endpoint": proxy.endpoint, "api_key": API_KEY}
            self.lighting.save()
            city.stop()

            tickets = [lamp() for _ in range(COUNT)]
            self.assertEqual(run_jobs(limit=1000) >= COUNT, True)
            deliveries = Delivery.objects.filter(ticket__in=tickets)
            self.assertEqual(deliveries.filter(status=Delivery.Status.PENDING, attempts=1).count(), COUNT)

            city.start()
            # Two rounds of retries: the first meets five lost answers, the second finds those requests.
            for hours in (1, 3):
                with time_machine.travel(timezone.now() + dt.timedelta(hours=hours)):
                    run_jobs(limit=1000)
            self.assertEqual(deliveries.filter(status=Delivery.Status.DELIVERED).count(), COUNT,
                             list(deliveries.exclude(status=Delivery.Status.DELIVERED).values_list("last_error")))

            remote = json.loads(city.run(
                "import json\nfrom stadtlotse.tickets.models import Ticket\n"
                "print(json.dumps(list(Ticket.objects.values_list('public_id', 'description'))))"
            ).strip().splitlines()[-1])
            ours = {ticket.public_id for ticket in tickets}
            markers = [description.split("]", 1)[0].lstrip("[") for _id, description in remote]
            self.assertEqual(sorted(markers), sorted(ours), "every ticket exactly once in the city's system")
            external = set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("external_id", flat=True))
            self.assertEqual(external, {public_id for public_id, _d in remote})

            city.run(
                "from stadtlotse.tickets import workflow\nfrom stadtlotse.tickets.models import Ticket\n"
                "by = workflow.external('Fachverfahren Licht')\n"
                "for t in Ticket.objects.all():\n    workflow.resolve(t, by=by, note='Repariert nach Ausfall.')\n"
            )
            self.lighting.refresh_from_db()
            counts = open311_client.poll(self.lighting)
            self.assertEqual(counts["refused"], 0, counts)
            self.assertEqual(open311_client.poll(self.lighting)["applied"], 0)
        done = Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=Ticket.Status.DONE)
        self.assertEqual(done.count(), COUNT)
        self.assertEqual(sum(t.events.filter(status_to=Ticket.Status.DONE).count() for t in done), COUNT)
