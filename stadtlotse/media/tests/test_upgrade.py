"""Photo jobs queued before the pipeline left intake still run after the upgrade (CHANGELOG.md)."""

from django.core import signing
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stadtlotse.media import media
from stadtlotse.testing.cases import StadtlotseTestCase, report, run_jobs

from .images import TemporaryMediaMixin, upload

OLD_PATH = "stadtlotse.intake.tasks.process_photo"
NEW_PATH = "stadtlotse.media.tasks.process_photo"


class QueuedBeforeTheUpgradeTests(TemporaryMediaMixin, StadtlotseTestCase):
    def test_new_photo_jobs_are_queued_under_the_new_path(self):
        report(photos=[upload()])
        self.assertEqual(list(DBTaskResult.objects.filter(task_path__endswith="process_photo")
                              .values_list("task_path", flat=True)), [NEW_PATH])

    def test_a_job_queued_under_the_old_path_still_makes_the_public_version(self):
        ticket = report(photos=[upload()])
        # As the old code wrote it: the same row, naming the task where it used to live.
        DBTaskResult.objects.filter(task_path=NEW_PATH).update(task_path=OLD_PATH)
        run_jobs()
        job = DBTaskResult.objects.get(task_path=OLD_PATH)
        self.assertEqual((job.status, job.return_value), (TaskResultStatus.SUCCESSFUL, "processed"))
        photo = ticket.attachments.get()
        self.assertIsNotNone(photo.processed_at)
        self.assertTrue(photo.public_version.name and photo.thumbnail.name)


class StashAcrossTheUpgradeTests(TemporaryMediaMixin, StadtlotseTestCase):
    def test_a_token_signed_before_the_move_is_taken_back(self):
        [photo] = media.check_photos([upload("sofa.jpg")])
        media.stash(photo)
        # The form a resident opened before the upgrade carries a token signed under the old module's salt.
        kept = signing.loads(photo.token, salt="stadtlotse.intake.media.stash")
        old_token = signing.dumps(kept, salt="stadtlotse.intake.media.stash", compress=True)
        self.assertEqual(media.unstash(old_token).content, photo.content)
