"""A known month of tickets, made through the real intake and workflow with a controlled clock.

March 2026, Berlin time (CET, UTC+1, before the switch to summer time). Hours are counted from the
moment each ticket was received.

  t1  web    Sperrmüll   Neukölln  Mon 02.03. 09:00  auto-forwarded to waste; bob accepts +2 h, resolves +26 h
  t2  phone  Schlagloch  Mitte     Mon 02.03. 12:00  auto-forwarded to streets; carol starts +5 h,
                                                     resolves Mon 16.03. (+336 h, after its deadline 09.03. 12:00)
  t3  web    Sonstiges   Neukölln  Tue 03.03. 10:00  desk: alice forwards to waste +1 h, to streets +3 h;
                                                     carol accepts +4 h; still open
  t4  web    Sperrmüll   Neukölln  Wed 04.03. 08:00  auto-forwarded; alice marks it a duplicate of t1 +0.5 h
  t5  email  Sperrmüll   Spandau   Mon 09.03. 09:00  auto-forwarded; bob rejects +1 h; alice reopens +2 h;
                                                     bob resolves +50 h (deadline Thu 12.03. 09:00)
  t6  web    Sperrmüll   Neukölln  Mon 01.12.2025    before the period; auto-forwarded, open
  t7  app    Sonstiges   Mitte     Tue 10.03. 10:00  in the desk's inbox
  t8  web    Sonstiges   Neukölln  Fri 20.03. 08:00  in the desk's inbox

"Now" is Fri 20.03.2026 12:00.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from stadtlotse.catalog.models import Area
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, SPANDAU_ALTSTADT, StadtlotseTestCase, report
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=BERLIN)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(*args):
    return datetime(*args, tzinfo=BERLIN)


class MarchTestCase(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False) as clock:
            def step(moment, hours=0):
                clock.move_to(moment + timedelta(hours=hours))

            t1 = report("abfall-sperrmuell", HERMANNPLATZ)
            step(at(2026, 3, 2, 9), 2)
            workflow.accept(t1, by=cls.bob)
            step(at(2026, 3, 2, 9), 26)
            workflow.resolve(t1, by=cls.bob, note="Abgeholt.")

            step(at(2026, 3, 2, 12))
            t2 = report("strasse-schlagloch", ALEXANDERPLATZ, channel=Ticket.Channel.PHONE, by=cls.alice)
            step(at(2026, 3, 2, 12), 5)
            workflow.start(t2, by=cls.carol)

            step(at(2026, 3, 3, 10))
            t3 = report("sonstiges", HERMANNPLATZ)
            step(at(2026, 3, 3, 10), 1)
            workflow.forward(t3, cls.waste, by=cls.alice)
            step(at(2026, 3, 3, 10), 3)
            workflow.forward(t3, cls.streets, by=cls.alice)
            step(at(2026, 3, 3, 10), 4)
            workflow.accept(t3, by=cls.carol)

            step(at(2026, 3, 4, 8))
            t4 = report("abfall-sperrmuell", HERMANNPLATZ)
            step(at(2026, 3, 4, 8), 0.5)
            workflow.mark_duplicate(t4, t1, by=cls.alice)

            step(at(2026, 3, 9, 9))
            t5 = report("abfall-sperrmuell", SPANDAU_ALTSTADT, channel=Ticket.Channel.EMAIL)
            step(at(2026, 3, 9, 9), 1)
            workflow.reject(t5, by=cls.bob, reason="Privatgelände.")
            step(at(2026, 3, 9, 9), 2)
            workflow.reopen(t5, by=cls.alice, reason="Doch öffentlich.")
            step(at(2026, 3, 9, 9), 50)
            workflow.resolve(t5, by=cls.bob, note="Abgeholt.")

            step(at(2026, 3, 10, 10))
            t7 = report("sonstiges", ALEXANDERPLATZ, channel=Ticket.Channel.APP)

            step(at(2026, 3, 16, 12))
            workflow.resolve(t2, by=cls.carol, note="Geflickt.")

            step(at(2026, 3, 20, 8))
            t8 = report("sonstiges", HERMANNPLATZ)

            step(at(2025, 12, 1, 10))
            t6 = report("abfall-sperrmuell", HERMANNPLATZ)
        cls.t = {1: t1, 2: t2, 3: t3, 4: t4, 5: t5, 6: t6, 7: t7, 8: t8}
        cls.neukoelln = Area.objects.get(pk=t1.area_id)
        cls.mitte = Area.objects.get(pk=t2.area_id)
        cls.spandau = Area.objects.get(pk=t5.area_id)
