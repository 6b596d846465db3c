"""`stadtlotse reindex` and search.reindex_all(): rebuilds the search index in short batches, resumable,
with a progress line only on a terminal; and no "database is locked" while another process writes."""

import datetime as dt
import unittest
from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone
import time_machine

from stadtlotse.routing import areas
from stadtlotse.testing.cases import StadtlotseTestCase, build_world, report
from stadtlotse.testing.sqlite_writer import OtherWriter
from stadtlotse.tickets import search, workflow
from stadtlotse.tickets.models import Ticket


def wipe_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.TABLE}")  # noqa: S608 - a module constant


def found(query: str) -> set[str]:
    return set(search.search(Ticket.objects.all(), query).values_list("public_id", flat=True))


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


class CtrlCAfterFirstBatch(Terminal):
    """A terminal whose user presses Ctrl-C as the first progress line appears."""

    def write(self, text: str) -> int:
        if "tickets" in text:
            raise KeyboardInterrupt
        return super().write(text)


class ReindexCommandTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sofa = report(description="Ein altes Sofa am Gehweg.")
        cls.lamp = report("licht-laterne", description="Die Laterne flackert seit Tagen.")
        workflow.add_note(cls.lamp, "Elektriker ist bestellt.", by=cls.alice, public=False)

    def run_command(self, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("reindex", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_rebuilds_an_empty_index_quietly_when_not_on_a_terminal(self):
        wipe_index()
        self.assertEqual(found("Sofa"), set())
        out, err = self.run_command("--batch", "1")
        self.assertIn("Reindexed 2 ticket(s)", out)
        self.assertEqual(err, "")
        self.assertEqual(found("Sofa"), {self.sofa.public_id})
        self.assertEqual(found("Elektriker"), {self.lamp.public_id})  # notes from the timeline too
        # Again: the same documents, no duplicates (idempotent).
        self.run_command()
        self.assertEqual(found("Laterne"), {self.lamp.public_id})

    def test_progress_line_on_a_terminal(self):
        err = Terminal()
        call_command("reindex", "--batch", "1", stdout=StringIO(), stderr=err)
        self.assertIn("2/2 tickets", err.getvalue())
        self.assertIn("/s", err.getvalue())
        self.assertIn("s left", err.getvalue())

    def test_dry_run_counts_and_writes_nothing(self):
        wipe_index()
        out, _err = self.run_command("--dry-run")
        self.assertIn("Would reindex 2 ticket(s)", out)
        self.assertEqual(found("Sofa"), set())

    def test_given_ids_only(self):
        wipe_index()
        out, _err = self.run_command(self.lamp.public_id)
        self.assertIn("Reindexed 1 ticket(s)", out)
        self.assertEqual(found("Laterne"), {self.lamp.public_id})
        self.assertEqual(found("Sofa"), set())

    def test_since_takes_tickets_changed_or_noted_since(self):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        out, _err = self.run_command("--dry-run", "--since", "2000-01-01")
        self.assertIn("Would reindex 2 ticket(s)", out)
        out, _err = self.run_command("--dry-run", "--since", tomorrow.isoformat())
        self.assertIn("Would reindex 0 ticket(s)", out)
        with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
            workflow.add_note(self.sofa, "Abholung beauftragt.", by=self.alice)
        wipe_index()
        out, _err = self.run_command("--since", tomorrow.isoformat())
        self.assertIn("Reindexed 1 ticket(s)", out)
        self.assertEqual(found("Abholung"), {self.sofa.public_id})
        self.assertEqual(found("Laterne"), set())

    def test_after_continues_an_interrupted_run(self):
        wipe_index()
        first, second = sorted([self.sofa, self.lamp], key=lambda t: t.pk)
        out, _err = self.run_command("--dry-run", "--after", str(first.pk))
        self.assertIn("Would reindex 1 ticket(s)", out)
        out, _err = self.run_command("--after", str(first.pk))
        self.assertIn("Reindexed 1 ticket(s)", out)
        self.assertEqual(found(second.description.split()[-3]), {second.public_id})
        self.assertEqual(found(first.description.split()[-3]), set())

    def test_an_interrupted_run_says_where_to_continue(self):
        wipe_index()
        first, second = sorted([self.sofa, self.lamp], key=lambda t: t.pk)
        with self.assertRaisesMessage(CommandError, f"Continue with --after {first.pk}."):
            call_command("reindex", "--batch", "1", stdout=StringIO(), stderr=CtrlCAfterFirstBatch())
        # The first batch was committed before the interruption; the rest follows with --after.
        self.assertEqual((first, second), (self.sofa, self.lamp))
        self.assertEqual(found("Sofa"), {self.sofa.public_id})
        self.assertEqual(found("Laterne"), set())
        out, _err = self.run_command("--after", str(first.pk))
        self.assertIn("Reindexed 1 ticket(s)", out)
        self.assertEqual(found("Laterne"), {self.lamp.public_id})

    def test_bad_input_is_refused_in_german_and_changes_nothing(self):
        wipe_index()
        for args, message in [
            (["SL-1999-9999"], "Kein Vorgang mit der Nummer SL-1999-9999."),
            (["--since", "gestern"], "„gestern“ ist kein Datum"),
            (["--batch", "0"], "--batch muss mindestens 1 sein."),
        ]:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.run_command(*args)
        self.assertEqual(found("Sofa"), set())


class ReindexWhileOthersWriteTests(TransactionTestCase):
    """The server commits while the reindex runs (SQLite: a stale read snapshot cannot become a write)."""

    def setUp(self):
        if connection.vendor != "sqlite":
            raise unittest.SkipTest("the lock problem is SQLite's; PostgreSQL has row locks")
        build_world(self)
        self.addCleanup(areas.reset)
        self.tickets = [report(description=f"Sperrmüll Nummer {i}") for i in range(30)]

    def test_reindex_all_in_batches_while_another_process_commits(self):
        wipe_index()
        with OtherWriter(connection.settings_dict["NAME"]) as writer, writer.before_each_write():
            count = search.reindex_all(Ticket.objects.all(), batch=5)
        self.assertEqual(count, 30)
        self.assertGreater(writer.commits, 1)
        self.assertEqual(len(found("Sperrmüll")), 30)
