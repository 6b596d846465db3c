from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stadtlotse.analytics import summary, tasks
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import run_jobs

from .base import MarchTestCase

BERLIN = ZoneInfo("Europe/Berlin")
# Monday after the scenario's third week: the summary covers Mon 9.3.–Sun 15.3., the week before 2.3.–8.3.
MONDAY = datetime(2026, 3, 16, 7, 0, tzinfo=BERLIN)


class WeeklySummaryTests(MarchTestCase):
    def test_week_figures(self):
        week = summary.week_of(self.waste, now=MONDAY)
        # Waste now holds t1, t4 (closed), t5 (closed 11.03.) and t6 (open, due 04.12.2025).
        self.assertEqual((week.backlog, week.overdue), (1, 1))
        self.assertEqual((week.received, week.received_before), (1, 2))   # t5; t1 and t4
        # t5; the week before t1 only: t4 was closed as a duplicate, which is not a resolution.
        self.assertEqual((week.resolved, week.resolved_before), (1, 1))

    def test_sent_to_department_leads_over_smtp(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            with time_machine.travel(MONDAY, tick=False):
                self.assertEqual(summary.send_weekly_summary(), 1)
        [message] = smtp.to("bianca@stadtlotse.localhost")
        self.assertEqual(len(smtp.messages), 1)  # bob is not a lead; other departments have no lead
        self.assertIn("1 offen, 1 überfällig", message["Subject"])
        body = message.get_content()
        self.assertIn("Diese Woche eingegangen: 1 (Woche davor: 2)", body)
        self.assertIn("/backoffice/auswertung?department=", body)

    def test_the_job_schedules_the_next_week(self):
        with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=BERLIN), tick=False):
            self.assertTrue(tasks.schedule_weekly_summary())
            self.assertFalse(tasks.schedule_weekly_summary())
        waiting = DBTaskResult.objects.filter(task_path=tasks.weekly_summary.module_path,
                                              status=TaskResultStatus.READY)
        self.assertEqual(waiting.get().run_after, datetime(2026, 3, 23, 7, tzinfo=BERLIN))
        with time_machine.travel(datetime(2026, 3, 23, 7, 0, 1, tzinfo=BERLIN), tick=False):
            with SMTPServer() as smtp, override_settings(**smtp.settings()):
                run_jobs()
            # The scenario's reporter notifications went out with it; the lead got one summary.
            self.assertEqual(len(smtp.to("bianca@stadtlotse.localhost")), 1)
        self.assertEqual(waiting.get().run_after, datetime(2026, 3, 30, 7, tzinfo=BERLIN))
