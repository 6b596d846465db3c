"""Merging duplicates into a surviving ticket, and undoing it."""

from django.test import override_settings

from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, StadtlotseTestCase, report, resident, run_jobs
from stadtlotse.tickets import merge, workflow
from stadtlotse.tickets.models import Event, Ticket

S = Ticket.Status


class MergeTests(StadtlotseTestCase):
    def setUp(self):
        super().setUp()
        self.survivor = report("abfall-sperrmuell", HERMANNPLATZ)
        self.first = report("abfall-sperrmuell", HERMANNPLATZ, contact=resident(name="Mo", email="mo@example.org"))
        self.second = report("abfall-sperrmuell", HERMANNPLATZ, contact=resident(name="Pia", email="pia@example.org"))
        workflow.accept(self.first, by=self.bob)
        Ticket.objects.filter(pk=self.second.pk).update(supporters=3)
        self.second.refresh_from_db()

    def test_merge_closes_duplicates_adds_supporters_and_records_it(self):
        events = merge.merge(self.survivor, [self.first, self.second], by=self.alice, note="Gleicher Ort")
        self.assertEqual(len(events), 2)
        for ticket in (self.first, self.second):
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, S.DUPLICATE)
            self.assertEqual(ticket.duplicate_of, self.survivor)
        self.survivor.refresh_from_db()
        self.assertEqual(self.survivor.supporters, 1 + 4)
        self.assertEqual(
            sorted(e.data["from"] for e in self.survivor.events.filter(kind=Event.Kind.MERGED)),
            sorted([self.first.public_id, self.second.public_id]),
        )

    def test_reporters_are_told_and_then_follow_the_survivor(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            merge.merge(self.survivor, [self.first], by=self.alice)
            run_jobs()
            merged_mail = smtp.to("mo@example.org")[-1]
            text = merged_mail.get_body(preferencelist=("plain",)).get_content()
            self.assertIn(self.survivor.public_id, text)
            workflow.resolve(self.survivor, by=self.bob, note="Alles abgeholt.")
            run_jobs()
            resolved = smtp.to("mo@example.org")[-1]
            text = resolved.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Alles abgeholt.", text)
            self.assertIn(self.survivor.public_id, text)
            self.assertNotIn("Alles abgeholt.", smtp.to("pia@example.org")[-1].as_string())

    def test_the_survivors_reporter_words_stay_with_them(self):
        # Red-team pass: the reporters of merged reports were mailed the survivor's events as its own
        # reporter reads them, so Mo got the reason the survivor's reporter gave for reopening, in her words.
        merge.merge(self.survivor, [self.first], by=self.alice)
        workflow.resolve(self.survivor, by=self.bob, note="Alles abgeholt.")
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            run_jobs()
            sent = len(smtp.to("mo@example.org"))
            workflow.reopen(self.survivor, by=workflow.REPORTER,
                            reason="Liegt immer noch da, ich wohne im 3. Stock links und sehe es täglich")
            run_jobs()
            own = smtp.to("rita@example.org")[-1]
            mails = smtp.to("mo@example.org")[sent:]
        self.assertIn("3. Stock links", own.get_body(preferencelist=("plain",)).get_content())
        self.assertEqual(len(mails), 1)
        for part in ("plain", "html"):
            body = mails[0].get_body(preferencelist=(part,)).get_content()
            self.assertIn(self.survivor.public_id, body)
            self.assertNotIn("3. Stock", body)

    def test_undo_keeps_its_reason_internal(self):
        merge.merge(self.survivor, [self.first], by=self.alice)
        self.first.refresh_from_db()
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            run_jobs()
            sent = len(smtp.to("mo@example.org"))
            merge.unmerge(self.first, by=self.alice, reason="Doch andere Straßenseite, Herr Mo wohnt dort")
            run_jobs()
            mails = smtp.to("mo@example.org")[sent:]
        # The reporter hears that their report is open again, without the desk's reason and without "Note:".
        self.assertEqual(len(mails), 1)
        mail = mails[0]
        for part in ("plain", "html"):
            body = mail.get_body(preferencelist=(part,)).get_content()
            self.assertIn(self.first.public_id, body)
            self.assertNotIn("andere Straßenseite", body)
            self.assertNotIn("Hinweis", body)
        # The reason is kept, for staff: an internal note; the public event carries none.
        public = self.first.events.get(kind=Event.Kind.UNMERGED)
        self.assertEqual((public.visibility, public.note), (Event.Visibility.PUBLIC, ""))
        internal = self.first.events.filter(kind=Event.Kind.INTERNAL_NOTE).last()
        self.assertEqual((internal.visibility, internal.note),
                         (Event.Visibility.INTERNAL, "Doch andere Straßenseite, Herr Mo wohnt dort"))
        page = self.client.get(self.first.get_private_url())
        self.assertNotContains(page, "andere Straßenseite")

    def test_all_or_nothing(self):
        workflow.reject(self.second, by=self.bob, reason="Privatgelände")
        with self.assertRaises(workflow.WorkflowError):
            merge.merge(self.survivor, [self.first, self.second], by=self.alice)
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, S.ACCEPTED)
        self.survivor.refresh_from_db()
        self.assertEqual(self.survivor.supporters, 0)

    def test_refuses_nonsense(self):
        with self.assertRaises(workflow.WorkflowError):
            merge.merge(self.survivor, [self.survivor], by=self.alice)
        with self.assertRaises(workflow.WorkflowError):
            merge.merge(self.survivor, [self.first], by=self.bob)  # only the desk merges
        workflow.resolve(self.survivor, by=self.bob, note="Erledigt")
        with self.assertRaises(workflow.WorkflowError):
            merge.merge(self.survivor, [self.first], by=self.alice)

    def test_undo_restores_status_and_supporters(self):
        merge.merge(self.survivor, [self.first, self.second], by=self.alice)
        self.first.refresh_from_db()
        merge.unmerge(self.first, by=self.alice, reason="Doch ein anderer Ort")
        self.first.refresh_from_db()
        self.survivor.refresh_from_db()
        self.assertEqual(self.first.status, S.ACCEPTED)
        self.assertIsNone(self.first.duplicate_of)
        self.assertEqual(self.survivor.supporters, 4)
        self.assertEqual(self.first.events.filter(kind=Event.Kind.UNMERGED).count(), 1)
        self.assertEqual(self.survivor.events.get(kind=Event.Kind.UNMERGED).data, {"split": self.first.public_id})
        with self.assertRaises(workflow.WorkflowError):
            merge.unmerge(self.first, by=self.alice, reason="nochmal")
        with self.assertRaises(workflow.WorkflowError):
            merge.unmerge(self.second, by=self.alice, reason="  ")

    def test_undo_unknown_ticket_state(self):
        other = report("abfall-sperrmuell", ALEXANDERPLATZ)
        with self.assertRaises(workflow.WorkflowError):
            merge.unmerge(other, by=self.alice, reason="kein Duplikat")
