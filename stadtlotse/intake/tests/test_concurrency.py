import threading

from django.db import connections
from django.test import TransactionTestCase

from stadtlotse.catalog.loading import load_catalog
from stadtlotse.testing.cases import HERMANNPLATZ, report
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Ticket

REPORTS = 50


class ConcurrentIntakeTests(TransactionTestCase):
    """Real concurrent transactions (threads with their own connections) on the test database."""

    def setUp(self):
        areas.reset()
        load_catalog()

    def tearDown(self):
        areas.reset()

    def test_fifty_simultaneous_reports_get_unique_gap_free_ids(self):
        start = threading.Barrier(REPORTS)
        ids, errors = [], []

        def submit(number):
            try:
                start.wait(timeout=30)
                ticket = report("abfall-sperrmuell", HERMANNPLATZ, description=f"Sperrmüll Nummer {number} am Gehweg.")
                ids.append(ticket.public_id)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(REPORTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        self.assertEqual(errors, [])
        self.assertEqual(len(ids), REPORTS)
        numbers = sorted(int(public_id.rsplit("-", 1)[1]) for public_id in ids)
        self.assertEqual(numbers, list(range(1, REPORTS + 1)), "ids must be unique and without gaps")
        self.assertEqual(Ticket.objects.count(), REPORTS)
        # Every acknowledged report has its first event and its forward.
        self.assertEqual(Ticket.objects.filter(events__kind="created").distinct().count(), REPORTS)
        self.assertEqual(Ticket.objects.filter(deliveries__isnull=False).distinct().count(), REPORTS)
