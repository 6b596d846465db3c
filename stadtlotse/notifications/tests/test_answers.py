"""Answers reach the right person: the reporter's answer is mailed to whoever asked, marked until staff act,
and a phone-only reporter has one open callback, not one per status change."""

from django.test import override_settings
from django.urls import reverse

from stadtlotse.backoffice import queues
from stadtlotse.notifications.models import Notification
from stadtlotse.testing.cases import StadtlotseTestCase, PASSWORD, report, resident, run_jobs
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.notifications import notify
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import Event, Ticket

ANSWER = "Das Sofa steht vor Hausnummer 12, im Hof links."
QUESTION = "Vor welcher Hausnummer genau steht das Sofa?"
DESK = "koordination@stadtlotse.localhost"


class AnswerReachesTheAskerTests(StadtlotseTestCase):
    def answer(self, ticket: Ticket, text: str = ANSWER):
        return self.client.post(ticket.get_private_url(), {"action": "answer", "answer-text": text})

    def asked(self, by=None, **kwargs) -> Ticket:
        ticket = report("abfall-sperrmuell", **kwargs)
        workflow.request_info(ticket, by=by or self.bob, question=QUESTION)
        return ticket

    def test_the_department_hears_the_answer_by_mail_with_the_question_and_a_link(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = self.asked()
            self.assertEqual(self.answer(ticket).status_code, 302)
            run_jobs()
            # Nobody assigned: the department's members hear it, the lead among them.
            for address in ("bob@stadtlotse.localhost", "bianca@stadtlotse.localhost"):
                [mail] = smtp.to(address)
                self.assertEqual(mail["Subject"].strip(), f"[{ticket.public_id}] Antwort auf Ihre Rückfrage")
                body = mail.get_body(preferencelist=("plain",)).get_content()
                self.assertIn(ANSWER, body)
                self.assertIn(QUESTION, body)
                self.assertIn(ticket.get_backoffice_url(), body)
                self.assertIn(ANSWER, mail.get_body(preferencelist=("html",)).get_content())
            self.assertEqual(smtp.to("carol@stadtlotse.localhost"), [])
            self.assertEqual(smtp.to(DESK), [])
            # The reporter is not sent their own answer.
            self.assertNotIn(ANSWER, "".join(m.as_string() for m in smtp.to("rita@example.org")))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertIsNotNone(ticket.answered_at)
        self.assertTrue(ticket.events.filter(kind=Event.Kind.MESSAGE_FROM_REPORTER, note=ANSWER).exists())

    def test_only_the_assignee_hears_it_when_someone_is_assigned(self):
        ticket = report("abfall-sperrmuell")
        workflow.assign(ticket, self.bianca, by=self.bob)
        workflow.request_info(ticket, by=self.bianca, question=QUESTION)
        self.answer(ticket)
        mails = Notification.objects.filter(ticket=ticket, template="answer-received")
        self.assertEqual([n.recipient for n in mails], ["bianca@stadtlotse.localhost"])

    def test_the_desk_hears_it_when_the_desk_asked(self):
        ticket = report("sonstiges", description="Seit Tagen sitzt jemand im Hauseingang.")
        self.assertIsNone(ticket.department)
        workflow.request_info(ticket, by=self.alice, question=QUESTION)
        self.answer(ticket)
        [mail] = Notification.objects.filter(ticket=ticket, template="answer-received")
        self.assertEqual(mail.recipient, DESK)
        ticket.refresh_from_db()
        # Back in `new`, but not brand new: in "answer received", out of "new".
        self.assertEqual(ticket.status, Ticket.Status.NEW)
        tickets = Ticket.objects.filter(pk=ticket.pk)
        self.assertEqual(queues.counts(tickets)["new"], 0)
        self.assertEqual(queues.counts(tickets)["answered"], 1)

    @override_settings(LANGUAGE_CODE="en")
    def test_the_mail_is_in_the_staff_language(self):
        ticket = self.asked()
        self.answer(ticket)
        mail = Notification.objects.filter(ticket=ticket, template="answer-received").first()
        self.assertEqual(mail.subject, f"[{ticket.public_id}] The reporter answered your question")
        self.assertIn("answered the question", mail.body_text)

    def test_the_answer_stays_internal(self):
        ticket = self.asked()
        moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=self.alice)
        self.answer(ticket)
        self.assertNotContains(self.client.get(ticket.get_absolute_url()), ANSWER)

    def test_an_empty_answer_is_refused_and_nobody_is_told(self):
        ticket = self.asked()
        response = self.answer(ticket, "   ")
        self.assertContains(response, "Bitte schreiben Sie Ihre Antwort.")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.NEEDS_INFO)
        self.assertIsNone(ticket.answered_at)
        self.assertFalse(Notification.objects.filter(template="answer-received").exists())


class AnsweredMarkTests(StadtlotseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell")
        workflow.request_info(cls.ticket, by=cls.bob, question=QUESTION)
        workflow.answer_info(cls.ticket, text=ANSWER)

    def test_the_department_sees_the_mark_in_its_list_and_on_the_ticket(self):
        self.client.login(username="bob", password=PASSWORD)
        home = self.client.get(reverse("backoffice:home"))
        self.assertContains(home, "Antwort eingegangen")
        self.assertContains(home, "1 Vorgang von der meldenden Person beantwortet")
        page = self.client.get(self.ticket.get_backoffice_url())
        self.assertContains(page, "von der meldenden Person beantwortet")
        self.assertContains(page, ANSWER)
        listed = self.client.get(reverse("backoffice:tickets"), {"queue": "answered"})
        self.assertContains(listed, self.ticket.public_id)

    def test_in_english_too(self):
        self.client.login(username="bob", password=PASSWORD)
        page = self.client.get(self.ticket.get_backoffice_url(), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "answered by the reporter")

    def test_another_department_does_not_see_it(self):
        self.client.login(username="carol", password=PASSWORD)
        self.assertEqual(self.client.get(self.ticket.get_backoffice_url()).status_code, 404)
        listed = self.client.get(reverse("backoffice:tickets"), {"queue": "answered"})
        self.assertNotContains(listed, self.ticket.public_id)

    def test_the_next_staff_action_clears_the_mark(self):
        workflow.add_note(self.ticket, "Gelesen, Fahrzeug kommt.", by=self.bob)
        self.ticket.refresh_from_db()
        self.assertIsNone(self.ticket.answered_at)
        self.assertEqual(queues.counts(Ticket.objects.filter(pk=self.ticket.pk))["answered"], 0)

    def test_a_system_event_does_not_clear_it(self):
        workflow.record(self.ticket, Event.Kind.NOTIFICATION_SENT, by=workflow.SYSTEM)
        self.ticket.refresh_from_db()
        self.assertIsNotNone(self.ticket.answered_at)


class DeskInboxTests(StadtlotseTestCase):
    def test_waiting_tickets_are_not_in_the_inbox_but_in_their_queue(self):
        waiting = report("sonstiges", description="Ein Einkaufswagen liegt im Kanal.")
        workflow.request_info(waiting, by=self.alice, question=QUESTION)
        fresh = report("sonstiges", description="Ein Schild ist umgefallen.")
        self.client.login(username="alice", password=PASSWORD)
        home = self.client.get(reverse("backoffice:home"))
        inbox = [t.public_id for t in home.context["page"]]
        self.assertIn(fresh.public_id, inbox)
        self.assertNotIn(waiting.public_id, inbox)
        self.assertEqual(home.context["queues"]["waiting"], 1)


class OneCallbackPerTicketTests(StadtlotseTestCase):
    def phone_report(self) -> Ticket:
        return report("abfall-sperrmuell", contact=resident(email="", phone="030 1234567"))

    def callbacks(self, ticket: Ticket):
        return list(ticket.notifications.filter(channel=Notification.Channel.CALLBACK).order_by("id"))

    def test_several_status_changes_make_one_callback_with_the_latest_message(self):
        ticket = self.phone_report()
        workflow.accept(ticket, by=self.bob)
        workflow.start(ticket, by=self.bob)
        workflow.resolve(ticket, by=self.bob, note="Der Sperrmüll wurde abgeholt.")
        [callback] = self.callbacks(ticket)
        self.assertEqual(callback.status, Notification.Status.PENDING)
        self.assertIn("Der Sperrmüll wurde abgeholt.", callback.body_text)
        self.assertIn("erledigt", callback.subject)

    def test_completing_closes_it_and_the_next_change_opens_a_new_one(self):
        ticket = self.phone_report()
        workflow.accept(ticket, by=self.bob)
        [callback] = self.callbacks(ticket)
        self.assertIs(notify.complete_callback(callback, by=self.alice), True)
        workflow.start(ticket, by=self.bob)
        first, second = self.callbacks(ticket)
        self.assertEqual(first.status, Notification.Status.DONE)
        self.assertEqual(second.status, Notification.Status.PENDING)

    def test_an_open_question_is_kept_when_the_status_changes(self):
        ticket = self.phone_report()
        workflow.request_info(ticket, by=self.bob, question=QUESTION)
        workflow.reject(ticket, by=self.bob, reason="Kein Sperrmüll, sondern Bauschutt.")
        workflow.reopen(ticket, by=self.alice, reason="Doch Sperrmüll.")
        [callback] = self.callbacks(ticket)
        self.assertEqual(callback.body_text.count(QUESTION), 1)
        self.assertNotIn("Bauschutt", callback.body_text)  # the latest message replaced the one before
        self.assertIn("weitergeleitet", callback.subject)

    def test_the_desk_lists_one_callback_per_ticket(self):
        for _ in range(2):
            ticket = self.phone_report()
            workflow.accept(ticket, by=self.bob)
            workflow.start(ticket, by=self.bob)
        self.client.login(username="alice", password=PASSWORD)
        self.assertEqual(self.client.get(reverse("backoffice:home")).context["callback_count"], 2)

