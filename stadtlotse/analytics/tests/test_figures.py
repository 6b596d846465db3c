from datetime import date

from stadtlotse.analytics import figures
from stadtlotse.analytics.figures import Filter
from stadtlotse.testing.cases import category
from stadtlotse.tickets.models import Ticket

from .base import MARCH, NOW, MarchTestCase


def f(**kwargs):
    return Filter(*MARCH, **kwargs)


class IntakeTests(MarchTestCase):
    def test_per_day_by_channel(self):
        rows = {row["period"]: row for row in figures.intake(f(), unit="day")}
        self.assertEqual(len(rows), 31)
        self.assertEqual(rows[date(2026, 3, 2)]["total"], 2)
        self.assertEqual(rows[date(2026, 3, 2)]["web"], 1)
        self.assertEqual(rows[date(2026, 3, 2)]["phone"], 1)
        self.assertEqual(rows[date(2026, 3, 9)]["email"], 1)
        self.assertEqual(rows[date(2026, 3, 10)]["app"], 1)
        self.assertEqual(rows[date(2026, 3, 20)]["web"], 1)
        self.assertEqual(rows[date(2026, 3, 1)]["total"], 0)
        self.assertEqual(sum(row["total"] for row in rows.values()), 7)

    def test_per_week_and_month(self):
        weeks = [(row["period"], row["total"]) for row in figures.intake(f(), unit="week")]
        self.assertEqual(weeks, [(date(2026, 2, 23), 0), (date(2026, 3, 2), 4), (date(2026, 3, 9), 2),
                                 (date(2026, 3, 16), 1), (date(2026, 3, 23), 0), (date(2026, 3, 30), 0)])
        months = figures.intake(Filter(date(2025, 12, 1), date(2026, 3, 31)), unit="month")
        self.assertEqual([(row["period"], row["total"], row["web"]) for row in months],
                         [(date(2025, 12, 1), 1, 1), (date(2026, 1, 1), 0, 0), (date(2026, 2, 1), 0, 0),
                          (date(2026, 3, 1), 7, 4)])

    def test_local_days(self):
        # t8 arrived at 08:00 Berlin time (07:00 UTC): a one-day period holds exactly it.
        self.assertEqual(Filter(date(2026, 3, 20), date(2026, 3, 20)).tickets().get(), self.t[8])

    def test_filters(self):
        self.assertEqual(f(channel="web").tickets().count(), 4)
        self.assertEqual(f(district=self.neukoelln).tickets().count(), 4)
        self.assertEqual(set(f(department=self.waste).tickets()), {self.t[1], self.t[4], self.t[5]})
        self.assertEqual(f(category=category("abfall")).tickets().count(), 3)  # the group holds Sperrmüll
        self.assertEqual(f(departments=frozenset({self.streets.pk})).tickets().count(), 2)

    def test_unknown_unit(self):
        with self.assertRaises(ValueError):
            figures.intake(f(), unit="year")


class BacklogTests(MarchTestCase):
    def test_age_buckets(self):
        self.assertEqual(figures.backlog(f(), now=NOW), [
            ("d0_1", 1), ("d1_7", 0), ("d7_30", 2), ("d30_90", 0), ("d90_", 1)])

    def test_filtered(self):
        self.assertEqual(dict(figures.backlog(f(department=self.waste), now=NOW))["d90_"], 1)
        self.assertEqual(sum(n for _label, n in figures.backlog(f(department=self.waste), now=NOW)), 1)


class DurationTests(MarchTestCase):
    def test_first_response(self):
        d = figures.time_to_first_response(f())
        self.assertEqual(d.values, [0.5, 1, 1, 2, 5])
        self.assertEqual((d.count, d.median, d.p90), (5, 1, 5))

    def test_acceptance(self):
        d = figures.time_to_acceptance(f())
        self.assertEqual((d.values, d.median, d.p90), ([2, 4, 5], 4, 5))

    def test_resolution(self):
        d = figures.time_to_resolution(f())
        self.assertEqual((d.values, d.median, d.p90), ([26, 50, 336], 50, 336))

    def test_even_count_and_empty(self):
        d = figures.time_to_resolution(f(department=self.waste))
        self.assertEqual((d.values, d.median, d.p90), ([26, 50], 38, 50))
        self.assertEqual(figures.time_to_resolution(f(channel="letter")).median, None)

    def test_percentile_nearest_rank(self):
        values = list(range(1, 11))
        self.assertEqual(figures.percentile(values, 90), 9)
        self.assertEqual(figures.percentile([7], 90), 7)


class DeadlineTests(MarchTestCase):
    def test_per_department(self):
        rows = {s.label: (s.total, s.part) for s in figures.within_deadline(f(), by="department")}
        self.assertEqual(rows, {self.waste.display_name: (2, 2), self.streets.display_name: (0 + 1, 0)})

    def test_per_category(self):
        rows = {s.label: (s.total, s.part, s.share) for s in figures.within_deadline(f(), by="category")}
        self.assertEqual(rows, {category("abfall-sperrmuell").display_name: (2, 2, 1.0),
                                category("strasse-schlagloch").display_name: (1, 0, 0.0)})


class RateTests(MarchTestCase):
    def test_counts_and_shares(self):
        counts = figures.rates(f())
        self.assertEqual(counts, {"total": 7, "forwarded": 5, "reforwarded": 1, "reopened": 1, "duplicates": 1,
                                  "direct": 4, "desk": 1})
        shares = figures.shares(counts)
        self.assertAlmostEqual(shares["duplicates"], 1 / 7)
        self.assertAlmostEqual(shares["reforwarded"], 1 / 5)
        self.assertAlmostEqual(shares["direct"], 4 / 5)

    def test_empty(self):
        counts = figures.rates(f(channel="letter"))
        self.assertEqual(counts["total"], 0)
        self.assertIsNone(figures.shares(counts)["reopened"])


class DistrictTests(MarchTestCase):
    def test_top_categories(self):
        top = dict(figures.top_categories(f()))
        sperr, sonst = category("abfall-sperrmuell").display_name, category("sonstiges").display_name
        self.assertEqual(top[self.neukoelln.name], sorted([(sperr, 2), (sonst, 2)]))
        self.assertEqual(top[self.spandau.name], [(sperr, 1)])
        self.assertEqual(len(top[self.mitte.name]), 2)
        self.assertEqual(dict(figures.top_categories(f(), limit=1))[self.neukoelln.name], [min((sperr, 2), (sonst, 2))])

    def test_per_district_and_area(self):
        rows = {row.area.name: row for row in figures.districts(f())}
        self.assertEqual(len(rows), 12)
        self.assertEqual((rows[self.neukoelln.name].count, rows[self.mitte.name].count), (4, 2))
        # Neukölln covers about 44.9 km² (Amt für Statistik Berlin-Brandenburg).
        self.assertAlmostEqual(rows[self.neukoelln.name].km2, 44.9, delta=1.0)
        self.assertAlmostEqual(rows[self.neukoelln.name].per_km2, 4 / rows[self.neukoelln.name].km2)


class StatusSanityTests(MarchTestCase):
    def test_the_story_happened(self):
        # The scenario itself, so a changed workflow shows here first.
        statuses = {n: Ticket.objects.get(pk=t.pk).status for n, t in self.t.items()}
        self.assertEqual(statuses, {1: "done", 2: "done", 3: "accepted", 4: "duplicate", 5: "done", 6: "forwarded",
                                    7: "new", 8: "new"})
