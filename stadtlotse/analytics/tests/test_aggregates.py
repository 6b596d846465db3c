import io
from datetime import date

import time_machine
from django.core.management import call_command

from stadtlotse.analytics import aggregates, figures, report
from stadtlotse.analytics.figures import Filter
from stadtlotse.analytics.models import DURATION_BINS, DailyFigure, MonthlyFigure
from stadtlotse.testing.cases import category
from stadtlotse.tickets import workflow

from .base import MARCH, NOW, MarchTestCase


class AggregateTests(MarchTestCase):
    def setUp(self):
        super().setUp()
        with time_machine.travel(NOW, tick=False):
            aggregates.refresh(full=True)

    def filters(self):
        yield Filter(*MARCH)
        yield Filter(*MARCH, channel="web")
        yield Filter(*MARCH, district=self.neukoelln)
        yield Filter(*MARCH, department=self.waste)
        yield Filter(*MARCH, category=category("abfall"))
        yield Filter(*MARCH, departments=frozenset({self.streets.pk}))
        yield Filter(date(2025, 12, 1), date(2026, 3, 31))    # whole months only
        yield Filter(date(2025, 11, 20), date(2026, 3, 9))    # days, months, days
        yield Filter(date(2026, 3, 2), date(2026, 3, 9), channel="web")

    def test_counts_equal_the_direct_figures(self):
        for f in self.filters():
            with self.subTest(f=f):
                for unit in ("day", "week", "month"):
                    self.assertEqual(aggregates.intake(f, unit=unit), figures.intake(f, unit=unit))
                self.assertEqual(aggregates.rates(f), figures.rates(f))
                for by in ("department", "category"):
                    self.assertEqual(aggregates.within_deadline(f, by=by), figures.within_deadline(f, by=by))
                self.assertEqual(aggregates.top_categories(f), figures.top_categories(f))
                self.assertEqual(aggregates.district_counts(f), figures.district_counts(f))

    def test_months_are_read_from_monthly_rows(self):
        f = Filter(date(2025, 11, 20), date(2026, 3, 9))
        models = [qs.model.__name__ for qs in aggregates.parts(f)]
        self.assertEqual(models, ["MonthlyFigure", "DailyFigure", "DailyFigure"])
        self.assertEqual(MonthlyFigure.objects.filter(day=date(2026, 3, 1)).count(), 6)  # t1 and t4 share a row
        self.assertEqual(sum(MonthlyFigure.objects.values_list("received", flat=True)), 8)

    def test_durations_fall_in_their_class(self):
        binned = aggregates.durations(Filter(*MARCH))
        exact = figures.durations(Filter(*MARCH))
        # First response: values 0.5, 1, 1, 2, 5 → median 1 (class ≤ 1), p90 5 (class ≤ 6).
        self.assertEqual((binned["first_response"].count, binned["first_response"].median,
                          binned["first_response"].p90), (5, 1, 6))
        self.assertEqual((binned["resolution"].median, binned["resolution"].p90), (72, 336))
        for key in exact:
            b, e = binned[key], exact[key]
            self.assertEqual(b.count, e.count)
            lower = {upper: DURATION_BINS[i - 1] if i else 0 for i, upper in enumerate(DURATION_BINS)}
            self.assertTrue(lower[b.p90] < e.p90 <= b.p90, (key, e.p90, b.p90))

    def test_refresh_rebuilds_only_changed_days(self):
        self.assertEqual(aggregates.refresh(), (0, 0))
        with time_machine.travel(NOW, tick=False):
            aggregates.refresh()  # stamps the rows "now"
        with time_machine.travel(date(2026, 3, 25), tick=False):
            workflow.resolve(self.t[3], by=self.carol, note="Erledigt.")
            days, _rows = aggregates.refresh()
        self.assertEqual(days, 1)
        self.assertEqual(aggregates.rates(Filter(date(2026, 3, 3), date(2026, 3, 3))), figures.rates(
            Filter(date(2026, 3, 3), date(2026, 3, 3))))
        self.assertEqual(aggregates.durations(Filter(*MARCH))["resolution"].count, 4)

    def test_dashboard_reads_the_aggregates(self):
        src, computed_at = report.source()
        self.assertIs(src, aggregates)
        tables = report.build(Filter(*MARCH), src=src)
        self.assertEqual(tables["durations"].rows[2], ["Erledigung", 3, "≤ 72", "≤ 336"])
        self.assertEqual(sum(r[1] for r in tables["intake"].rows), 7)

    def test_command_reports_progress(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("aggregate_figures", "--full", stdout=out, stderr=err)
        self.assertIn("Rebuilt 110 day(s)", out.getvalue())
        self.assertIn("days: 110/110", err.getvalue())
        self.assertEqual(DailyFigure.objects.filter(day=date(2026, 3, 2)).count(), 2)
