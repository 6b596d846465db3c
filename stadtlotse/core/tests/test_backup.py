"""`stadtlotse backup` and `restore`: a round trip brings back every ticket, contact, event, job and photo;
a damaged or foreign archive is refused with a clear message and changes nothing."""

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

from stadtlotse.core import backup
from stadtlotse.testing.cases import build_world, report, resident, run_jobs
from stadtlotse.media.tests.images import TemporaryMediaMixin, upload
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Attachment, Ticket


class BackupTests(TemporaryMediaMixin, TransactionTestCase):
    def setUp(self):
        build_world(self)
        self.addCleanup(areas.reset)
        self.dir = Path(tempfile.mkdtemp(prefix="stadtlotse-backup-test-"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.with_photo = report(photos=[upload("sofa.jpg")], contact=resident(email="foto@example.org"))
        run_jobs()  # the photo job writes the public version and thumbnail the backup must carry too
        report(description="Die Straßenlaterne vor Haus 12 ist seit Tagen dunkel.", code="licht-laterne")
        report(contact=resident(name="Rudi Rückfrage", phone="030 1234567", email=""))
        self.archive = self.dir / "backup.tar.gz"

    def run_command(self, *args, **kwargs):
        out = io.StringIO()
        call_command(*args, stdout=out, **kwargs)
        return out.getvalue()

    def photo_bytes(self):
        attachment = Attachment.objects.get(ticket__public_id=self.with_photo.public_id)
        return {name: (Path(settings.MEDIA_ROOT) / name).read_bytes()
                for name in (attachment.original.name, attachment.public_version.name, attachment.thumbnail.name)}

    def test_round_trip_restores_tickets_contacts_jobs_and_photos(self):
        digest, photos = backup.content_digest(), self.photo_bytes()
        out = self.run_command("backup", str(self.archive))
        self.assertIn("Database copied", out)
        self.assertIn("3 tickets", out)
        files = len([p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()])
        self.assertIn(f"Media: {files}/{files} files", out)
        manifest = json.loads(tarfile.open(self.archive).extractfile("manifest.json").read())
        self.assertEqual((manifest["tickets"], manifest["content_digest"]), (3, digest))
        self.assertIn(manifest["engine"], ("sqlite", "postgresql"))

        # Life goes on after the backup: a new report, a changed one, a lost photo.
        report(description="Nach der Sicherung gemeldet: Glasscherben auf dem Radweg.")
        Ticket.objects.filter(pk=self.with_photo.pk).update(description="Verändert nach der Sicherung.")
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "tickets")
        self.assertNotEqual(backup.content_digest(), digest)

        out = self.run_command("restore", str(self.archive))
        self.assertIn("Dry run", out)
        self.assertEqual(Ticket.objects.count(), 4, "a dry run changes nothing")

        out = self.run_command("restore", str(self.archive), commit=True)
        self.assertIn("Restore complete", out)
        self.assertEqual(Ticket.objects.count(), 3)
        self.assertEqual(backup.content_digest(), digest)
        restored = Ticket.objects.get(pk=self.with_photo.pk)
        self.assertEqual(restored.contact.email, "foto@example.org")
        self.assertEqual(self.photo_bytes(), photos)
        self.assertFalse(list(Path(settings.MEDIA_ROOT).parent.glob("*.restoring")))

    def test_media_directory_that_is_a_mount_point(self):
        """MEDIA_ROOT on its own file system cannot be renamed; its contents are replaced instead."""
        photos = self.photo_bytes()
        self.run_command("backup", str(self.archive))
        mount = self.dir / "mounted-media"
        mount.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True).returncode:
            self.skipTest("mounting a tmpfs is not permitted here (needs root)")
        self.addCleanup(subprocess.run, ["umount", str(mount)], capture_output=True)
        (mount / "stray.txt").write_text("from before the restore")
        with self.settings(MEDIA_ROOT=str(mount)):
            self.run_command("restore", str(self.archive), commit=True)
            self.assertEqual(self.photo_bytes(), photos)
        self.assertFalse((mount / "stray.txt").exists())
        self.assertEqual(backup.content_digest(), json.loads(
            tarfile.open(self.archive).extractfile("manifest.json").read())["content_digest"])

    def repack(self, change):
        """A copy of the archive with `change(directory)` applied to its unpacked contents."""
        unpacked = self.dir / "unpacked"
        with tarfile.open(self.archive) as archive:
            archive.extractall(unpacked, filter="data")
        change(unpacked)
        damaged = self.dir / "damaged.tar.gz"
        with tarfile.open(damaged, "w:gz") as archive:
            for path in sorted(unpacked.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=path.relative_to(unpacked).as_posix())
        shutil.rmtree(unpacked)
        return damaged

    def assertRefused(self, archive, message):
        before = backup.content_digest()
        with self.assertRaisesMessage(CommandError, message):
            self.run_command("restore", str(archive), commit=True)
        self.assertEqual(backup.content_digest(), before, "a refused archive changes nothing")
        self.assertEqual(len(self.photo_bytes()), 3)

    def test_damaged_and_foreign_archives_are_refused_and_change_nothing(self):
        self.run_command("backup", str(self.archive))
        report(description="Nach der Sicherung gemeldet: Glasscherben auf dem Radweg.")

        truncated = self.dir / "truncated.tar.gz"
        truncated.write_bytes(self.archive.read_bytes()[: self.archive.stat().st_size // 2])
        self.assertRefused(truncated, "is not a readable Stadtlotse backup")

        text = self.dir / "notes.tar.gz"
        text.write_text("Einkaufsliste: Milch, Brot")
        self.assertRefused(text, "is not a readable Stadtlotse backup")
        self.assertRefused(self.dir / "missing.tar.gz", "No backup archive at")

        def flip_photo(root):
            photo = next((root / "media").rglob("*.jpg"))
            data = bytearray(photo.read_bytes())
            data[len(data) // 2] ^= 0xFF
            photo.write_bytes(bytes(data))
        self.assertRefused(self.repack(flip_photo), "The archive is damaged: the checksum of media/tickets/")

        self.assertRefused(self.repack(lambda root: (root / "manifest.json").unlink()),
                           "has no readable manifest.json")

        def other_engine(root):
            manifest = json.loads((root / "manifest.json").read_text())
            manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
            (root / "manifest.json").write_text(json.dumps(manifest))
        self.assertRefused(self.repack(other_engine), "This backup is of a")

        def smuggle(root):
            (root / "media" / "extra.txt").write_text("nicht im Manifest")
        self.assertRefused(self.repack(smuggle), "files its manifest does not list")

    def test_backup_without_a_name_goes_to_the_data_directory(self):
        with self.settings(DATA_DIR=self.dir):
            out = self.run_command("backup")
        written = list((self.dir / "backups").glob("stadtlotse-*.tar.gz"))
        self.assertEqual(len(written), 1, out)
        self.assertIn(str(written[0]), out)
