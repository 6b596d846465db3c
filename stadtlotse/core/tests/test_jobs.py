import datetime as dt
import io

import time_machine
from django.core.management import call_command

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stadtlotse.core import jobs
from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report, run_jobs
from stadtlotse.notifications.models import Notification


class InterruptedJobTests(StadtlotseTestCase):
    def test_job_of_a_killed_worker_runs_again_after_requeue(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        # A worker claims every job and is killed before finishing any of them.
        claimed = list(DBTaskResult.objects.ready())
        for job in claimed:
            job.claim("killed-worker")
        self.assertEqual(run_jobs(), 0, "claimed jobs are not picked up again by themselves")

        self.assertEqual(jobs.requeue_stale(started_before=timezone.now() - dt.timedelta(minutes=5)), 0,
                         "recently started jobs may still be running elsewhere")
        self.assertEqual(jobs.requeue_stale(started_before=timezone.now() + dt.timedelta(seconds=1)), len(claimed))
        # The two requeued jobs, and the mail to the department that the delivery writes.
        self.assertEqual(run_jobs(), len(claimed) + 1)
        self.assertEqual(ticket.notifications.get(template="received").status, Notification.Status.SENT)
        self.assertEqual(ticket.deliveries.get().status, "delivered")

    def test_requeue_jobs_command(self):
        report("abfall-sperrmuell", HERMANNPLATZ)
        claimed = list(DBTaskResult.objects.ready())
        for job in claimed:
            job.claim("killed-worker")
        out = io.StringIO()
        call_command("requeue_jobs", "--older-than-minutes", "5", stdout=out)
        self.assertEqual(out.getvalue().strip(), "Requeued 0 job(s).")
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
            call_command("requeue_jobs", "--older-than-minutes", "5", stdout=out)
        self.assertIn(f"Requeued {len(claimed)} job(s).", out.getvalue())
        self.assertEqual(DBTaskResult.objects.ready().count(), len(claimed))

    def test_a_job_that_already_did_its_work_does_nothing_twice(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        run_jobs()
        notification = ticket.notifications.get(template="received")
        from stadtlotse.notifications.tasks import send_notification

        self.assertEqual(send_notification.call(notification.pk), "skipped")
        self.assertEqual(ticket.events.filter(kind="notification_sent", data__notification=notification.pk).count(), 1)

    def test_backoff_doubles_and_is_capped(self):
        delays = [jobs.retry_delay(attempt).total_seconds() for attempt in (1, 2, 3, 20)]
        self.assertTrue(45 <= delays[0] <= 75)
        self.assertTrue(90 <= delays[1] <= 150)
        self.assertTrue(180 <= delays[2] <= 300)
        self.assertLessEqual(delays[3], 6 * 3600 * 1.25)
