"""The back office in Chromium: keyboard-only work on a ticket, and axe-core's WCAG checks."""

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Department
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import PASSWORD, make_user, report, resident
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket


class BackofficeInBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", User.Role.DESK)
        self.ticket = report("sonstiges", contact=resident(email="", phone="030 1234567"),
                             description="Seit Tagen sitzt eine Person im Hauseingang, wirkt verwirrt.")
        self.page.goto(self.url("/konto/anmelden"))
        self.assert_accessible()
        self.page.focus("#id_username")
        self.page.keyboard.type("alice")
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))

    def test_desk_pages_pass_axe(self):
        workflow.forward(self.ticket, Department.objects.get(slug="streetwork"), by=self.alice)
        report("abfall-sperrmuell")
        self.page.reload()
        self.assert_accessible()
        self.page.goto(self.url("/backoffice/tickets?status=open"))
        self.assert_accessible()
        self.page.goto(self.url(self.ticket.get_backoffice_url()))
        self.page.locator("details").evaluate_all("nodes => nodes.forEach(node => node.open = true)")
        self.assert_accessible()

    def test_resolve_with_the_keyboard(self):
        self.page.goto(self.url(self.ticket.get_backoffice_url()))
        self.page.focus('details:has(form[action$="/resolve"]) summary')
        self.page.keyboard.press("Enter")
        self.page.keyboard.press("Tab")
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_resolve-note")
        # An empty note is refused with the field's error, and that form is open again.
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Enter")
        self.page.locator("details[open] .errorlist").wait_for()
        self.page.focus("#id_resolve-note")
        self.page.keyboard.type("Die Streetwork hat die Person erreicht.")
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Enter")
        self.page.locator(".message.success").wait_for()
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
