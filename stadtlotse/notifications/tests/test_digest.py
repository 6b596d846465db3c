"""The daily digest: overdue tickets are escalated once and listed for the desk and the department lead;
due follow-ups are listed for the desk. Mail goes through a real SMTP server."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, StadtlotseTestCase, report, run_jobs
from stadtlotse.notifications import digest, tasks
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN)
DESK = "koordination@stadtlotse.localhost"


def body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


class DigestTests(StadtlotseTestCase):
    def test_overdue_tickets_are_escalated_and_mailed_to_desk_and_lead(self):
        with time_machine.travel(MONDAY, tick=False):
            late = report("abfall-sperrmuell", HERMANNPLATZ)             # waste, 72 working hours
            on_time = report("abfall-sperrmuell", ALEXANDERPLATZ)
            streets = report("strasse-schlagloch", HERMANNPLATZ)
        with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
            workflow.forward(on_time, self.waste, by=self.alice)           # deadline starts an hour later
        with time_machine.travel(dt.datetime(2026, 11, 19, 9, 30, tzinfo=BERLIN), tick=False):
            self.assertTrue(late.is_overdue())
            self.assertFalse(on_time.is_overdue())
            with SMTPServer() as smtp, override_settings(**smtp.settings()):
                out = StringIO()
                call_command("send_digest", stdout=out)
                desk_mails, lead_mails = smtp.to(DESK), smtp.to("bianca@stadtlotse.localhost")
                self.assertEqual(len(desk_mails), 1)
                self.assertEqual(len(lead_mails), 1)
                self.assertEqual(smtp.to("bob@stadtlotse.localhost"), [])  # staff, not lead
                self.assertIn(late.public_id, body(desk_mails[0]))
                self.assertNotIn(on_time.public_id, body(desk_mails[0]))
                self.assertIn(late.public_id, body(lead_mails[0]))
                self.assertIn("überfällig", lead_mails[0]["Subject"])
                if streets.due_at and streets.is_overdue():
                    self.assertNotIn(streets.public_id, body(lead_mails[0]))
            late.refresh_from_db()
            self.assertIsNotNone(late.escalated_at)
            self.assertEqual(late.events.filter(kind=Event.Kind.ESCALATED).count(), 1)
            # The next day's digest lists it again but does not escalate twice.
            digest.send_digest(now=dt.datetime(2026, 11, 20, 9, 30, tzinfo=BERLIN))
            self.assertEqual(late.events.filter(kind=Event.Kind.ESCALATED).count(), 1)

    def test_due_follow_ups_are_listed_for_the_desk(self):
        with time_machine.travel(MONDAY, tick=False):
            ticket = report("sonstiges", HERMANNPLATZ, description="Wiederkehrende Ruhestörung am Abend.")
            later = report("sonstiges", ALEXANDERPLATZ, description="Noch ein Fall, erst nächste Woche.")
            workflow.set_follow_up(ticket, MONDAY + dt.timedelta(days=2, hours=5), by=self.alice,
                                   reason="Mit Ordnungsamt telefonieren")
            workflow.set_follow_up(later, MONDAY + dt.timedelta(days=9), by=self.alice, reason="Nachfassen")
        self.assertEqual(ticket.events.filter(kind=Event.Kind.FOLLOW_UP).count(), 1)
        wednesday = MONDAY + dt.timedelta(days=2)  # 09:00; the follow-up is due at 14:00 today
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            self.assertEqual(digest.send_digest(now=wednesday - dt.timedelta(days=1)), 0)
            self.assertEqual(digest.send_digest(now=wednesday), 1)
            [mail] = smtp.to(DESK)
            self.assertIn(ticket.public_id, body(mail))
            self.assertIn("Mit Ordnungsamt telefonieren", body(mail))
            self.assertNotIn(later.public_id, body(mail))

    def test_follow_up_needs_a_reason(self):
        ticket = report("sonstiges", HERMANNPLATZ, description="Wiederkehrende Ruhestörung am Abend.")
        with self.assertRaisesMessage(workflow.WorkflowError, "Grund"):
            workflow.set_follow_up(ticket, MONDAY, by=self.alice, reason="  ")
        with self.assertRaises(workflow.WorkflowError):
            workflow.set_follow_up(ticket, MONDAY, by=self.dave, reason="fremd")
        ticket.refresh_from_db()
        self.assertIsNone(ticket.follow_up_at)

    def test_the_digest_job_schedules_the_next_one(self):
        with time_machine.travel(MONDAY, tick=False):
            self.assertTrue(tasks.schedule_daily_digest())
            self.assertFalse(tasks.schedule_daily_digest())
            waiting = DBTaskResult.objects.filter(task_path=tasks.daily_digest.module_path,
                                                  status=TaskResultStatus.READY)
            self.assertEqual(waiting.get().run_after, dt.datetime(2026, 11, 17, 7, tzinfo=BERLIN))
        with time_machine.travel(dt.datetime(2026, 11, 17, 7, 0, 1, tzinfo=BERLIN), tick=False):
            with SMTPServer() as smtp, override_settings(**smtp.settings()):
                run_jobs()
            self.assertEqual(waiting.get().run_after, dt.datetime(2026, 11, 18, 7, tzinfo=BERLIN))
