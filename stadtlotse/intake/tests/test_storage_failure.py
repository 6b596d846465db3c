"""Photos that cannot be stored — read-only media directory, full disk — refuse the report cleanly:
a clear message, no ticket, no contact, no jobs, no files left behind.

Real file systems: an immutable directory (chattr +i, read-only even for root) and a 256 KiB tmpfs.
Both need root (as on the test machine); elsewhere the tests are skipped with the reason.
"""

import io
import os
import shutil
import subprocess
import tempfile

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from stadtlotse.core.models import IdempotentResponse
from stadtlotse.testing.cases import StadtlotseTestCase, report
from stadtlotse.publicweb.tests.base import EnglishClient
from stadtlotse.publicweb.tests.test_report import form_data
from stadtlotse.tickets.models import Attachment, Contact, Ticket

from stadtlotse.media.tests.images import upload

MESSAGE = "Your photos could not be saved because of a problem on our side."
GERMAN = "Ihre Fotos konnten wegen eines Problems auf unserer Seite nicht gespeichert werden."


def _run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=False)


class StorageFailureTests(StadtlotseTestCase):
    client_class = EnglishClient

    def media_dir(self):
        path = tempfile.mkdtemp(prefix="stadtlotse-media-fail-")
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    def read_only(self):
        path = self.media_dir()
        if _run("chattr", "+i", path).returncode != 0:
            self.skipTest("chattr +i is not permitted here (needs root)")
        self.addCleanup(_run, "chattr", "-i", path)
        return path

    def full_disk(self):
        path = self.media_dir()
        if _run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", path).returncode != 0:
            self.skipTest("mounting a tmpfs is not permitted here (needs root)")
        self.addCleanup(_run, "umount", path)
        return path

    def assertNothingStored(self, path):
        self.assertFalse(Ticket.objects.exists())
        self.assertFalse(Contact.objects.exists())
        self.assertFalse(Attachment.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())
        left = [os.path.join(root, name) for root, _dirs, names in os.walk(path) for name in names]
        self.assertEqual(left, [], "no half-written files")

    def test_read_only_media_directory(self):
        path = self.read_only()
        with override_settings(MEDIA_ROOT=path), self.assertRaises(ValidationError) as caught, \
                self.assertLogs("stadtlotse.intake.intake", "ERROR"):
            report(photos=[upload("sofa.jpg")])
        self.assertIn(GERMAN, caught.exception.message_dict["photos"][0])
        self.assertNothingStored(path)

    def test_full_disk_leaves_no_partial_file(self):
        path = self.full_disk()
        # Noise does not compress: this PNG alone is larger than the whole file system.
        noise = Image.frombytes("RGB", (320, 320), os.urandom(320 * 320 * 3))
        out = io.BytesIO()
        noise.save(out, "PNG")
        with override_settings(MEDIA_ROOT=path):
            with self.assertRaises(ValidationError) as caught, self.assertLogs("stadtlotse.intake.intake", "ERROR"):
                report(photos=[upload("small.jpg"), upload("noise.png", out.getvalue(), "image/png")])
            self.assertIn(GERMAN, caught.exception.message_dict["photos"][0])
            self.assertNothingStored(path)
            self.assertTrue(report().pk, "a report without photos still goes through")

    def test_web_form_shows_the_reason_and_keeps_the_text(self):
        path = self.read_only()
        url = reverse("publicweb:report")
        with override_settings(MEDIA_ROOT=path), self.assertLogs("stadtlotse.intake.intake", "ERROR"):
            response = self.client.post(url, {**form_data(idempotency_key="k" * 32), "photos": [upload("sofa.jpg")]})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, MESSAGE)
        self.assertContains(response, 'href="#id_photos"')
        self.assertContains(response, "Ein altes Sofa")
        self.assertNotContains(response, 'name="kept_photos"')  # nothing could be kept for the next try
        self.assertFalse(IdempotentResponse.objects.exists(), "an error is not replayed: the retry may succeed")
        self.assertNothingStored(path)
