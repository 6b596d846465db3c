import csv
import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from .base import MarchTestCase

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


class EnglishClient(Client):
    def __init__(self, **kwargs):
        super().__init__(headers={"Accept-Language": "en"}, **kwargs)


class DashboardTests(MarchTestCase):
    client_class = EnglishClient

    def get(self, user, name="backoffice:analytics", args=(), **params):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), {**MARCH_QUERY, **params})

    def test_desk_sees_every_figure_with_chart_table_and_csv(self):
        response = self.get(self.alice)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        # One accessible SVG per chart, each with its title and description, and a table with caption.
        self.assertEqual(html.count('role="img"'), 7)
        self.assertEqual(html.count("<title id="), 7)
        self.assertEqual(html.count("<desc id="), 7)
        self.assertEqual(html.count("<caption>"), 8)
        self.assertEqual(html.count(".csv?"), 8)
        self.assertIn("7 reports in 31 periods", html)
        # The backlog is open tickets now, the one before the period included: t3, t6, t7, t8.
        self.assertIn("4 tickets are open now", html)

    def test_department_user_sees_only_their_department(self):
        response = self.get(self.bob)
        tables = {t.key: t for t in response.context["tables"]}
        # Waste: t1, t4 and t5 of March.
        self.assertEqual(sum(row[1] for row in tables["intake"].rows), 3)
        self.assertNotIn(self.streets.display_name, [r[0] for r in tables["deadline_department"].rows])
        # Asking for another department's figures is not a choice they have.
        response = self.get(self.bob, department=self.streets.pk)
        self.assertFalse(response.context["form"].is_valid())
        self.assertEqual(list(response.context["tables"]), [])

    def test_filters_narrow_the_figures(self):
        response = self.get(self.alice, district=self.neukoelln.pk, unit="week")
        tables = {t.key: t for t in response.context["tables"]}
        self.assertEqual([row[1] for row in tables["intake"].rows], [0, 3, 0, 1, 0, 0])

    def test_bad_period_is_refused_clearly(self):
        response = self.get(self.alice, start="2026-03-31", end="2026-03-01")
        self.assertContains(response, "The start of the period lies after its end.")
        response = self.get(self.alice, start="2020-01-01", end="2026-03-01")
        self.assertContains(response, "Please choose a period of at most 731 days.")
        response = self.get(self.alice, start="2026-01-01", end="2026-06-30", unit="day")
        self.assertContains(response, "please choose week or month")
        response = self.get(self.alice, "backoffice:analytics_csv", ["rates"], start="nonsense")
        self.assertEqual(response.status_code, 400)

    def test_csv(self):
        response = self.get(self.alice, "backoffice:analytics_csv", ["rates"])
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], ["Figure", "Tickets", "Base", "Base is", "Share (%)"])
        self.assertEqual(rows[4][:3], ["Duplicates", "1", "7"])
        self.assertEqual(self.get(self.alice, "backoffice:analytics_csv", ["nothing"]).status_code, 404)

    def test_xlsx_has_a_cover_sheet_with_period_and_filters(self):
        response = self.get(self.alice, "backoffice:analytics_xlsx", channel="web")
        book = load_workbook(io.BytesIO(response.content))
        cover = [[c for c in row if c is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
        self.assertIn(["Period", "01.03.2026 – 31.03.2026"], cover)
        self.assertIn(["Channel", "web form"], cover)
        self.assertEqual(len(book.worksheets), 9)
        intake = list(book.worksheets[1].iter_rows(values_only=True))
        self.assertEqual(sum(row[1] for row in intake[3:]), 4)


class QueryCountTests(MarchTestCase):
    """The dashboard's queries do not grow with the tickets: no query per ticket, district or category."""

    def count(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.force_login(self.alice)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(reverse("backoffice:analytics"), MARCH_QUERY).status_code, 200)
        return len(queries)

    def test_same_number_of_queries_with_more_tickets(self):
        import time_machine

        from stadtlotse.analytics import aggregates
        from stadtlotse.testing.cases import SPANDAU_ALTSTADT, report

        from .base import at

        direct = self.count()
        with time_machine.travel(at(2026, 3, 12, 10), tick=False):
            for code, place in (("strasse-gehweg", SPANDAU_ALTSTADT), ("licht-laterne", SPANDAU_ALTSTADT),
                                ("gruen-baum", SPANDAU_ALTSTADT)):
                report(code, place)
        self.assertEqual(self.count(), direct)
        aggregates.refresh(full=True)
        from_aggregates = self.count()
        with time_machine.travel(at(2026, 3, 13, 10), tick=False):
            report("verkehr-ampel", SPANDAU_ALTSTADT)
        aggregates.refresh()
        self.assertEqual(self.count(), from_aggregates)


class ChartTests(MarchTestCase):
    def test_map_classes_are_quantiles(self):
        from stadtlotse.analytics import charts

        self.assertEqual(charts.classes([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]), [0, 2, 4, 6, 8])
        self.assertEqual(charts.classes([]), [0.0] * 5)

    def test_chart_text_is_escaped(self):
        from stadtlotse.analytics import charts

        svg = charts.bars("x", "<script>", "d", [("<b>", 1)])
        self.assertNotIn("<script>", svg)
        self.assertIn("&lt;b&gt;", svg)
