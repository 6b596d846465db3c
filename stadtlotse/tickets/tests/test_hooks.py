"""The hooks through which the tickets app has the apps above it do their part (tickets/hooks.py)."""

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, TestCase
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stadtlotse.core import jobs
from stadtlotse.tickets import hooks


class HookRegistryTests(SimpleTestCase):
    def test_every_hook_has_a_listener_once_the_apps_are_ready(self):
        self.assertEqual(hooks.unanswered(), [])

    def test_forwarding_is_answered_by_the_connectors_and_status_changes_by_notifications(self):
        from stadtlotse.connectors import delivery
        from stadtlotse.notifications import notify, subscriptions

        self.assertEqual(hooks._listeners["forwarded"], [delivery.queue_forward])
        # Followers first, then the reporters: both hear of a public status change.
        self.assertEqual(hooks._listeners["status_changed"], [subscriptions.status_changed, notify.status_changed])

    def test_a_hook_nobody_answers_fails_loudly_instead_of_losing_the_work(self):
        saved = hooks._listeners["forwarded"]
        hooks._listeners["forwarded"] = []
        try:
            with self.assertRaisesMessage(ImproperlyConfigured, "No app listens to the ticket hook 'forwarded'"):
                hooks.call("forwarded", None, None, None)
        finally:
            hooks._listeners["forwarded"] = saved

    def test_an_unknown_hook_cannot_be_listened_to(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "Unknown ticket hook 'forwardd'"):
            hooks.listen("forwardd", print)

    def test_listening_twice_registers_once(self):
        before = list(hooks._listeners["moderated"])
        hooks.listen("moderated", before[0])
        self.assertEqual(hooks._listeners["moderated"], before)


class PeriodicJobTests(TestCase):
    def test_serve_starts_every_apps_cycle_once(self):
        names = jobs.start_periodic()
        self.assertEqual(names, ["analytics refresh", "contact retention", "daily digest",
                                 "polling the departments' systems", "weekly summary"])
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        self.assertEqual(waiting.count(), 5)
        jobs.start_periodic()
        self.assertEqual(waiting.count(), 5, "a second start queues nothing new")
