from django.urls import reverse

from stadtlotse.catalog.models import Department
from stadtlotse.connectors.models import Delivery
from stadtlotse.testing.cases import category, report, resident
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

from .base import BackofficeTestCase

S = Ticket.Status


class DeskActionTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("sonstiges", description="Seit Tagen liegt hier etwas herum, wer ist zuständig?")

    def setUp(self):
        self.client.force_login(self.alice)

    def test_classify(self):
        pothole = category("strasse-schlagloch")
        response = self.act(self.ticket, "classify", topic="safety", priority="urgent", category=pothole.pk)
        self.assertRedirects(response, self.ticket.get_backoffice_url())
        self.ticket.refresh_from_db()
        self.assertEqual((self.ticket.topic, self.ticket.priority, self.ticket.category), ("safety", "urgent", pothole))
        self.assertTrue(self.ticket.events.filter(kind=Event.Kind.CLASSIFIED, actor_user=self.alice).exists())

    def test_forward_suggests_and_forwards(self):
        page = self.client.get(self.ticket.get_backoffice_url())
        forward = next(form for form in page.context["action_forms"] if form.action == "forward")
        # "sonstiges" has no rule of its own; the district's rule (Neukölln) is the suggestion.
        self.assertEqual(forward.initial["department"], Department.objects.get(slug="ordnungsamt-neukoelln").pk)
        response = self.act(self.ticket, "forward", department=self.streets.pk, note="Bitte prüfen.")
        self.assertRedirects(response, self.ticket.get_backoffice_url())
        self.ticket.refresh_from_db()
        self.assertEqual((self.ticket.status, self.ticket.department), (S.FORWARDED, self.streets))
        self.assertTrue(Delivery.objects.filter(ticket=self.ticket, department=self.streets).exists())
        note = self.ticket.events.get(kind=Event.Kind.INTERNAL_NOTE)
        self.assertEqual((note.note, note.visibility), ("Bitte prüfen.", Event.Visibility.INTERNAL))

    def test_request_info(self):
        self.act(self.ticket, "request_info", question="Wo genau ist das?")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.NEEDS_INFO)
        self.assertEqual(self.ticket.events.get(kind=Event.Kind.MESSAGE_TO_REPORTER).note, "Wo genau ist das?")

    def test_request_info_without_contact_shows_the_error(self):
        anonymous = report("sonstiges", contact=resident(name="", email="", wants_feedback=False),
                           description="Ohne Kontaktdaten gemeldet, bitte ansehen.")
        response = self.act(anonymous, "request_info", question="Wo genau?", follow=True)
        self.assertIn("cannot be asked", self.last_message(response))
        anonymous.refresh_from_db()
        self.assertEqual(anonymous.status, S.NEW)

    def test_resolve_and_reopen(self):
        self.act(self.ticket, "resolve", note="Wurde beseitigt.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.DONE)
        page = self.client.get(self.ticket.get_backoffice_url())
        offered = [form.action for form in page.context["action_forms"]]
        self.assertIn("reopen", offered)
        self.assertNotIn("resolve", offered)
        self.act(self.ticket, "reopen", reason="Liegt wieder da.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.NEW)
        self.assertEqual(self.ticket.events.filter(kind=Event.Kind.REOPENED).get().note, "Liegt wieder da.")

    def test_reject(self):
        self.act(self.ticket, "reject", reason="Privatgrundstück.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.REJECTED)
        event = self.ticket.events.get(status_to=S.REJECTED)
        self.assertEqual((event.note, event.visibility), ("Privatgrundstück.", Event.Visibility.PUBLIC))

    def test_mark_duplicate(self):
        original = report("sonstiges", description="Dasselbe Problem, schon einmal gemeldet.")
        response = self.act(self.ticket, "mark_duplicate", original=original.public_id)
        self.assertRedirects(response, self.ticket.get_backoffice_url())
        self.ticket.refresh_from_db()
        original.refresh_from_db()
        self.assertEqual((self.ticket.status, self.ticket.duplicate_of), (S.DUPLICATE, original))
        self.assertEqual(original.supporters, 1)

    def test_mark_duplicate_of_unknown_ticket_is_a_form_error(self):
        response = self.act(self.ticket, "mark_duplicate", original="SL-1999-0001")
        self.assertEqual(response.status_code, 200)
        form = next(form for form in response.context["action_forms"] if form.action == "mark_duplicate")
        self.assertIn("original", form.errors)
        self.assertContains(response, "SL-1999-0001")

    def test_mark_duplicate_of_itself_shows_the_error(self):
        response = self.act(self.ticket, "mark_duplicate", original=self.ticket.public_id, follow=True)
        self.assertEqual(self.last_message(response), "A ticket cannot be a duplicate of itself.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.NEW)

    def test_add_notes(self):
        self.act(self.ticket, "add_note", text="Nur für uns.")
        self.act(self.ticket, "add_note", text="Wir kümmern uns.", public="on")
        notes = {e.note: e.visibility for e in self.ticket.events.filter(kind__in=["internal_note", "public_note"])}
        self.assertEqual(notes, {"Nur für uns.": "internal", "Wir kümmern uns.": "public"})
        page = self.client.get(self.ticket.get_backoffice_url())
        self.assertContains(page, "Nur für uns.")

    def test_assign_within_the_desk(self):
        self.act(self.ticket, "assign", assignee=self.alice.pk)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.assignee, self.alice)
        self.act(self.ticket, "assign", assignee="")
        self.ticket.refresh_from_db()
        self.assertIsNone(self.ticket.assignee)
        self.assertEqual(self.ticket.events.filter(kind=Event.Kind.ASSIGNED).count(), 2)

    def test_assign_outside_the_department_is_a_form_error(self):
        response = self.act(self.ticket, "assign", assignee=self.dave.pk)
        self.assertEqual(response.status_code, 200)
        self.ticket.refresh_from_db()
        self.assertIsNone(self.ticket.assignee)

    def test_moderate(self):
        self.act(self.ticket, "moderate", publication="published", public_description="Gegenstände am Gehweg.")
        self.ticket.refresh_from_db()
        self.assertEqual((self.ticket.publication, self.ticket.public_description),
                         (Ticket.Publication.PUBLISHED, "Gegenstände am Gehweg."))
        self.assertEqual(self.ticket.events.get(kind=Event.Kind.MODERATED).data["to"], "published")

    def test_hiding_without_reason_shows_the_error(self):
        response = self.act(self.ticket, "moderate", publication="hidden", follow=True)
        self.assertEqual(self.last_message(response), "Please give a reason for hiding the report.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.publication, Ticket.Publication.PENDING)
        self.assertFalse(self.ticket.events.filter(kind=Event.Kind.MODERATED).exists())

    def test_illegal_transition_shows_the_error_and_changes_nothing(self):
        workflow.resolve(self.ticket, by=self.alice, note="Erledigt.")
        events = self.ticket.events.count()
        response = self.act(self.ticket, "resolve", note="Nochmal erledigt.", follow=True)
        self.assertRedirects(response, self.ticket.get_backoffice_url())
        message = self.last_message(response)
        self.assertIn("cannot become", message)
        self.assertContains(response, 'class="message error"')
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.DONE)
        self.assertEqual(self.ticket.events.count(), events)

    def test_missing_required_field_rerenders_with_the_error(self):
        response = self.act(self.ticket, "reject", reason="  ")
        self.assertEqual(response.status_code, 200)
        form = next(form for form in response.context["action_forms"] if form.action == "reject")
        self.assertIn("reason", form.errors)
        self.assertContains(response, '<details class="action" open>')
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.NEW)

    def test_actions_need_post(self):
        url = reverse("backoffice:action", args=[self.ticket.public_id, "resolve"])
        self.assertEqual(self.client.get(url).status_code, 405)

    def test_unknown_action_is_404(self):
        self.assertEqual(self.client.post(f"{self.ticket.get_backoffice_url()}/delete").status_code, 404)


class DepartmentActionTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell")

    def setUp(self):
        self.client.force_login(self.bob)

    def test_accept_start_resolve(self):
        self.act(self.ticket, "accept", note="Übernommen.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.ACCEPTED)
        self.act(self.ticket, "start")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.IN_PROGRESS)
        response = self.act(self.ticket, "resolve", note="Abgeholt.", follow=True)
        self.assertEqual(self.last_message(response), "Done: Mark as done.")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.DONE)
        event = self.ticket.events.get(status_to=S.DONE)
        self.assertEqual((event.actor_user, event.department, event.note), (self.bob, self.waste, "Abgeholt."))

    def test_accepting_twice_shows_the_error(self):
        self.act(self.ticket, "start")
        response = self.act(self.ticket, "accept", follow=True)
        self.assertIn("cannot become", self.last_message(response))
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.IN_PROGRESS)

    def test_resolve_needs_a_public_note(self):
        response = self.act(self.ticket, "resolve", note="")
        self.assertEqual(response.status_code, 200)
        form = next(form for form in response.context["action_forms"] if form.action == "resolve")
        self.assertIn("note", form.errors)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, S.FORWARDED)

    def test_assign_a_colleague(self):
        self.act(self.ticket, "assign", assignee=self.bianca.pk)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.assignee, self.bianca)

    def test_hand_back_leads_home(self):
        response = self.act(self.ticket, "hand_back", reason="Das ist kein Sperrmüll.")
        self.assertRedirects(response, reverse("backoffice:home"))
        self.ticket.refresh_from_db()
        self.assertEqual((self.ticket.status, self.ticket.department), (S.NEW, None))
        self.client.force_login(self.alice)
        inbox = self.client.get(reverse("backoffice:home")).context["page"]
        self.assertEqual([t.public_id for t in inbox], [self.ticket.public_id])


class CallbackTests(BackofficeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell", contact=resident(email="", phone="030 1234567"))
        workflow.accept(cls.ticket, by=cls.bob)
        cls.callback = cls.ticket.notifications.get(channel=Notification.Channel.CALLBACK)

    def url(self):
        return reverse("backoffice:callback_done", args=[self.ticket.public_id, self.callback.pk])

    def test_desk_marks_callback_done(self):
        self.client.force_login(self.alice)
        page = self.client.get(self.ticket.get_backoffice_url())
        self.assertContains(page, f'action="{self.url()}"')
        response = self.client.post(self.url(), {f"callback-{self.callback.pk}-note": "Erreicht."}, follow=True)
        self.assertEqual(self.last_message(response), "Callback marked as done.")
        self.callback.refresh_from_db()
        self.assertEqual(self.callback.status, Notification.Status.DONE)
        event = self.ticket.events.get(kind=Event.Kind.NOTIFICATION_SENT, actor_user=self.alice)
        self.assertEqual(event.note, "Erreicht.")

    def test_marking_twice_records_once(self):
        self.client.force_login(self.alice)
        self.client.post(self.url())
        response = self.client.post(self.url(), follow=True)
        self.assertEqual(self.last_message(response), "This callback was already marked as done.")
        self.assertEqual(self.ticket.events.filter(kind=Event.Kind.NOTIFICATION_SENT).count(), 1)

    def test_callback_of_another_ticket_is_404(self):
        other = report("abfall-sperrmuell")
        self.client.force_login(self.alice)
        url = reverse("backoffice:callback_done", args=[other.public_id, self.callback.pk])
        self.assertEqual(self.client.post(url).status_code, 404)
