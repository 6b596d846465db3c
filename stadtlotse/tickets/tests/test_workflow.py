import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, report, resident
from stadtlotse.intake import intake
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets import deadlines, moderation, workflow
from stadtlotse.tickets.models import Event, Ticket
from stadtlotse.tickets.workflow import WorkflowError

S = Ticket.Status


class LifecycleTests(StadtlotseTestCase):
    def desk_ticket(self, **kwargs):
        return report("sonstiges", HERMANNPLATZ, description="Die Bank im Park ist seit Wochen umgekippt.", **kwargs)

    def test_whole_lifecycle_writes_events_with_actors(self):
        ticket = self.desk_ticket()
        workflow.classify(ticket, by=self.alice, topic="infrastructure", priority="high")
        workflow.forward(ticket, self.waste, by=self.alice, note="Bitte prüfen")
        workflow.accept(ticket, by=self.bob)
        workflow.start(ticket, by=self.bob, note="Team ist unterwegs")
        workflow.resolve(ticket, by=self.bob, note="Bank wieder aufgestellt.")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, S.DONE)
        self.assertIsNotNone(ticket.accepted_at)
        self.assertIsNotNone(ticket.resolved_at)
        events = list(ticket.events.order_by("created_at", "id"))
        self.assertEqual(
            [e.kind for e in events],
            ["created", "classified", "forwarded", "internal_note", "status_changed", "status_changed",
             "status_changed"],
        )
        self.assertEqual(events[1].actor_user, self.alice)
        self.assertEqual(events[1].data["priority"], ["normal", "high"])
        self.assertEqual(events[2].department, self.waste)
        self.assertEqual(events[3].visibility, Event.Visibility.INTERNAL)
        self.assertEqual(events[-1].actor_user, self.bob)
        self.assertEqual(events[-1].department, self.waste)
        self.assertEqual(events[-1].note, "Bank wieder aufgestellt.")
        self.assertEqual(events[-1].visibility, Event.Visibility.PUBLIC)

    def test_illegal_transition_is_refused_and_changes_nothing(self):
        ticket = self.desk_ticket()
        with self.assertRaisesMessage(WorkflowError, "ist „eingegangen“ und kann nicht „angenommen“ werden"):
            workflow.accept(ticket, by=self.alice)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, S.NEW)
        self.assertEqual(ticket.events.count(), 1)

    def test_department_staff_act_only_on_their_own_department_s_tickets(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)  # forwarded to waste
        with self.assertRaisesMessage(WorkflowError, "Das dürfen Sie"):
            workflow.accept(ticket, by=self.carol)
        with self.assertRaises(WorkflowError):
            workflow.forward(ticket, self.streets, by=self.bob)  # only the desk forwards
        workflow.accept(ticket, by=self.bob)

    def test_resolve_and_reject_need_a_public_note(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        with self.assertRaisesMessage(WorkflowError, "öffentliche Notiz"):
            workflow.resolve(ticket, by=self.bob, note="  ")
        with self.assertRaisesMessage(WorkflowError, "Begründung"):
            workflow.reject(ticket, by=self.bob, reason="")
        workflow.reject(ticket, by=self.bob, reason="Privatgrundstück, nicht städtisch.")
        self.assertEqual(ticket.status, S.REJECTED)

    def test_hand_back_returns_the_ticket_to_the_desk(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.hand_back(ticket, by=self.bob, reason="Liegt auf Bahngelände.")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, S.NEW)
        self.assertIsNone(ticket.department)
        self.assertIn(ticket, Ticket.objects.in_desk_inbox())
        returned = ticket.events.get(kind="status_changed")
        self.assertEqual(returned.visibility, Event.Visibility.INTERNAL)
        self.assertEqual(returned.data["returned_by"], "abfallwirtschaft")

    def test_question_to_the_reporter_pauses_the_deadline(self):
        # Monday to Wednesday of a week without holidays in Berlin: every hour is a working hour.
        monday = dt.datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        with time_machine.travel(monday, tick=False):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        due = ticket.due_at
        with time_machine.travel(monday + dt.timedelta(hours=10), tick=False):
            workflow.request_info(ticket, by=self.bob, question="Liegt der Sperrmüll auf dem Gehweg oder im Hof?")
            self.assertEqual(ticket.status, S.NEEDS_INFO)
            question_mail = ticket.notifications.get(template="question")
            self.assertIn("Gehweg oder im Hof", question_mail.body_text)
        with time_machine.travel(monday + dt.timedelta(hours=58), tick=False):
            workflow.answer_info(ticket, text="Auf dem Gehweg, vor Nr. 20.")
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, S.FORWARDED)
            # 48 working hours passed while waiting; the deadline moved by as much (over the weekend).
            self.assertAlmostEqual(deadlines.working_seconds_between(due, ticket.due_at), 48 * 3600, delta=5)
            self.assertEqual(timezone.localtime(ticket.due_at).weekday(), 0)
        answer = ticket.events.get(kind="message_from_reporter")
        self.assertEqual(answer.actor_kind, Event.ActorKind.REPORTER)

    def test_question_needs_a_way_to_reach_the_reporter(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ, contact=intake.ContactData())
        with self.assertRaisesMessage(WorkflowError, "weder E-Mail-Adresse noch Telefonnummer"):
            workflow.request_info(ticket, by=self.bob, question="Wo genau?")
        self.assertEqual(Ticket.objects.get(pk=ticket.pk).status, S.FORWARDED)

    def test_reopen_goes_back_to_the_department(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.resolve(ticket, by=self.bob, note="Abgeholt.")
        workflow.reopen(ticket, by=workflow.REPORTER, reason="Das Sofa liegt immer noch da.")
        self.assertEqual(ticket.status, S.FORWARDED)
        self.assertIsNone(ticket.resolved_at)

    def test_reporter_may_reopen_only_within_the_window(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.resolve(ticket, by=self.bob, note="Abgeholt.")
        with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
            with self.assertRaisesMessage(WorkflowError, "mehr als 14 Tagen"):
                workflow.reopen(ticket, by=workflow.REPORTER, reason="Noch da.")
            workflow.reopen(ticket, by=self.alice, reason="Anruf: liegt noch da.")
        self.assertEqual(ticket.status, S.FORWARDED)

    def test_reopen_of_an_open_ticket_is_refused(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        with self.assertRaisesMessage(WorkflowError, "nicht abgeschlossen"):
            workflow.reopen(ticket, by=self.alice, reason="?")

    def test_mark_duplicate_adds_supporters_to_the_survivor(self):
        original = report("abfall-sperrmuell", HERMANNPLATZ)
        copy = report("abfall-sperrmuell", HERMANNPLATZ)
        Ticket.objects.filter(pk=copy.pk).update(supporters=2)
        copy.refresh_from_db()
        workflow.mark_duplicate(copy, original, by=self.alice)
        original.refresh_from_db()
        self.assertEqual(copy.status, S.DUPLICATE)
        self.assertEqual(copy.duplicate_of, original)
        self.assertEqual(original.supporters, 3)
        self.assertTrue(original.events.filter(kind="merged", data__from=copy.public_id).exists())
        with self.assertRaisesMessage(WorkflowError, "von sich selbst"):
            workflow.mark_duplicate(original, original, by=self.alice)

    def test_notes_public_and_internal(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        internal = workflow.add_note(ticket, "Anwohner bekannt, ruft oft an.", by=self.bob)
        public = workflow.add_note(ticket, "Abholung ist für Freitag geplant.", by=self.bob, public=True)
        self.assertFalse(internal.is_public)
        self.assertTrue(public.is_public)
        self.assertEqual(ticket.notifications.filter(template="note").count(), 1)
        with self.assertRaisesMessage(WorkflowError, "leer"):
            workflow.add_note(ticket, " ", by=self.bob)

    def test_assign_only_within_the_department(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.assign(ticket, self.bob, by=self.bianca)
        self.assertEqual(ticket.assignee, self.bob)
        with self.assertRaisesMessage(WorkflowError, "arbeitet nicht für die Fachstelle"):
            workflow.assign(ticket, self.carol, by=self.alice)

    def test_moderation_is_separate_from_status(self):
        ticket = report("sicherheit-angstraum", HERMANNPLATZ, description="Unterführung ohne Licht, abends unheimlich.")
        self.assertEqual(ticket.publication, Ticket.Publication.PENDING)
        moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=self.alice,
                            public_description="Unterführung ohne Beleuchtung.")
        ticket.refresh_from_db()
        self.assertTrue(ticket.is_published)
        self.assertEqual(ticket.shown_description, "Unterführung ohne Beleuchtung.")
        self.assertEqual(ticket.status, S.NEW)
        with self.assertRaisesMessage(WorkflowError, "begründen"):
            moderation.moderate(ticket, Ticket.Publication.HIDDEN, by=self.alice)
        with self.assertRaises(WorkflowError):
            moderation.moderate(ticket, Ticket.Publication.HIDDEN, by=self.bob, reason="x")


class ReporterNotificationTests(StadtlotseTestCase):
    def test_one_notification_per_public_status_change(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.accept(ticket, by=self.bob)
        workflow.start(ticket, by=self.bob)
        workflow.add_note(ticket, "intern", by=self.bob)
        workflow.resolve(ticket, by=self.bob, note="Abgeholt.")
        templates = list(ticket.notifications.order_by("id").values_list("template", flat=True))
        self.assertEqual(templates, ["received", "status", "status", "status"])

    def test_no_status_mail_without_keep_me_informed_but_a_receipt(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ, contact=resident(wants_feedback=False))
        workflow.accept(ticket, by=self.bob)
        self.assertEqual(list(ticket.notifications.values_list("template", flat=True)), ["received"])

    def test_phone_only_reporter_gets_callback_tasks(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ, contact=resident(email="", phone="030 1234567"))
        workflow.accept(ticket, by=self.bob)
        callback = ticket.notifications.get()
        self.assertEqual(callback.channel, Notification.Channel.CALLBACK)
        self.assertEqual(callback.recipient, "030 1234567")
        self.assertIn("angenommen", callback.subject)

    def test_english_report_gets_english_notifications(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ, language="en")
        workflow.accept(ticket, by=self.bob)
        subjects = list(ticket.notifications.order_by("id").values_list("subject", flat=True))
        self.assertEqual(subjects[0], f"Your report {ticket.public_id} has been received")
        self.assertEqual(subjects[1], f"Your report {ticket.public_id}: accepted")
