from stadtlotse.core.testing import HERMANNPLATZ, StadtlotseTestCase, report, run_jobs
from stadtlotse.tickets.models import Ticket


class SmokeTests(StadtlotseTestCase):
    def test_direct_report_is_forwarded(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(ticket.department, self.waste)
        self.assertEqual(ticket.area.name, "Neukölln")
        self.assertGreater(run_jobs(), 0)
