"""The reporter answers on the private page in Chromium; the department sees it marked in its list and on the ticket."""

import os

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Department
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import HERMANNPLATZ, PASSWORD, make_user, report
from stadtlotse.tickets import workflow

ANSWER = "Das Sofa steht vor Hausnummer 12, im Hof links."


class AnswerInBrowserTests(BrowserTestCase):
    def test_the_department_sees_the_answer_marked(self):
        waste = Department.objects.get(slug="abfallwirtschaft")
        bob = make_user("bob", User.Role.DEPARTMENT, [waste])
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        workflow.request_info(ticket, by=bob, question="Vor welcher Hausnummer steht das Sofa?")

        self.page.goto(self.url(ticket.get_private_url()))
        self.page.fill("#id_answer-text", ANSWER)
        self.page.click("button[name=action][value=answer]")
        self.page.wait_for_url(self.url(ticket.get_private_url()))

        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", "bob")
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))
        row = self.page.locator("tr", has_text=ticket.public_id)
        self.assertIn("Antwort eingegangen", row.inner_text())
        self.assertIn("1 Vorgang von der meldenden Person beantwortet", self.page.locator(".notice").inner_text())
        self.assert_accessible()
        shots = os.environ.get("STADTLOTSE_SCREENSHOTS", "/tmp")
        self.page.screenshot(path=os.path.join(shots, "answers-department-list.png"), full_page=True)

        self.page.click(f"text={ticket.public_id}")
        self.page.wait_for_url(self.url(ticket.get_backoffice_url()))
        self.assertIn(ANSWER, self.page.locator(".answered-notice").inner_text())
        self.assert_accessible()
        self.page.screenshot(path=os.path.join(shots, "answers-department-ticket.png"), full_page=False)

        # Acting on it (an internal note) clears the mark.
        self.page.goto(self.url(ticket.get_backoffice_url()))
        workflow.add_note(ticket, "Gelesen.", by=bob)
        self.page.reload()
        self.assertEqual(self.page.locator(".answered-notice").count(), 0)
