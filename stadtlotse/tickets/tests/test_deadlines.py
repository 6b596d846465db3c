"""Deadlines count working time only: no weekends, no public holidays of the configured federal state."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.test import SimpleTestCase, override_settings

from stadtlotse.testing.cases import HERMANNPLATZ, StadtlotseTestCase, category, report
from stadtlotse.tickets import deadlines, workflow

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def state(code):
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, "HOLIDAY_STATE": code})


class WorkingTimeTests(SimpleTestCase):
    def test_weekend_is_skipped(self):
        # Friday 10:00 + 48 working hours: Friday 14 h, Monday 24 h, Tuesday 10 h.
        self.assertEqual(deadlines.due_at(at(2026, 11, 20, 10), 48), at(2026, 11, 24, 10))

    def test_within_a_working_day(self):
        self.assertEqual(deadlines.due_at(at(2026, 11, 17, 8), 4), at(2026, 11, 17, 12))

    def test_start_on_a_weekend_counts_from_monday(self):
        self.assertEqual(deadlines.due_at(at(2026, 11, 21, 15), 24), at(2026, 11, 24, 0))

    def test_easter_holidays_are_skipped(self):
        # Thursday before Easter 2026: Good Friday 3 April and Easter Monday 6 April are holidays.
        self.assertEqual(deadlines.due_at(at(2026, 4, 2, 12), 24), at(2026, 4, 7, 12))

    def test_holidays_depend_on_the_federal_state(self):
        # 6 January (Epiphany) is a holiday in Bavaria, not in Berlin; 8 March is one only in Berlin.
        start = at(2027, 1, 5, 12)  # a Tuesday
        with state("BE"):
            self.assertEqual(deadlines.due_at(start, 24), at(2027, 1, 6, 12))
        with state("BY"):
            self.assertEqual(deadlines.due_at(start, 24), at(2027, 1, 7, 12))
        with state("BE"):
            self.assertFalse(deadlines.is_working_day(dt.date(2027, 3, 8)))
        with state("BY"):
            self.assertTrue(deadlines.is_working_day(dt.date(2027, 3, 8)))

    def test_no_deadline_without_hours(self):
        self.assertIsNone(deadlines.due_at(at(2026, 11, 20, 10), None))
        self.assertIsNone(deadlines.due_at(at(2026, 11, 20, 10), 0))

    def test_working_seconds_between(self):
        self.assertEqual(deadlines.working_seconds_between(at(2026, 11, 20, 10), at(2026, 11, 24, 10)), 48 * 3600)
        self.assertEqual(deadlines.working_seconds_between(at(2026, 11, 24, 10), at(2026, 11, 20, 10)), 0)


class ForwardDeadlineTests(StadtlotseTestCase):
    def test_forward_sets_the_working_time_deadline(self):
        self.assertEqual(category("abfall-sperrmuell").deadline_hours, 72)
        with time_machine.travel(at(2026, 11, 20, 10), tick=False):  # Friday
            ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        self.assertEqual(ticket.due_at, at(2026, 11, 25, 10))
        with time_machine.travel(at(2026, 11, 25, 11), tick=False):
            self.assertTrue(ticket.is_overdue())
            workflow.request_info(ticket, by=self.bob, question="Wo genau?")
            self.assertFalse(ticket.is_overdue())
