"""The desk's and the departments' daily work in Chromium, with axe-core on every page visited."""

from django.test import override_settings
from django.utils import timezone

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Department
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.smtp import SMTPServer
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, PASSWORD, make_user, report, run_jobs
from stadtlotse.tickets import workflow
from stadtlotse.media.tests.images import TemporaryMediaMixin, upload
from stadtlotse.tickets.models import Ticket

S = Ticket.Status

class DeskWorkInBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.waste = Department.objects.get(slug="abfallwirtschaft")
        self.alice = make_user("alice", User.Role.DESK)
        self.bob = make_user("bob", User.Role.DEPARTMENT, [self.waste])

    def login(self, username):
        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))

    def test_triage_and_forward_with_shortcuts(self):
        ticket = report("sonstiges", HERMANNPLATZ, description="Sperrmüll und Bauschutt im Hinterhof, unklar wem.")
        self.login("alice")
        self.assert_accessible()
        self.page.click(f"text={ticket.public_id}")
        self.page.wait_for_url(self.url(ticket.get_backoffice_url()))
        self.assert_accessible()
        # "c" opens the classification; pick the urgency and save.
        self.page.keyboard.press("c")
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_classify-topic")
        self.page.select_option("#id_classify-priority", "high")
        self.page.click('form[action$="/classify"] button[type=submit]')
        self.page.locator(".message.success").wait_for()
        # "f" opens forwarding with the department field focused.
        self.page.keyboard.press("f")
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_forward-department")
        self.page.select_option("#id_forward-department", str(self.waste.pk))
        self.page.fill("#id_forward-note", "Bitte Abholung prüfen.")
        self.page.click('form[action$="/forward"] button[type=submit]')
        self.page.locator(".message.success").wait_for()
        ticket.refresh_from_db()
        self.assertEqual((ticket.status, ticket.department, ticket.priority), (S.FORWARDED, self.waste, "high"))

    def test_department_accepts_and_resolves_and_the_reporter_gets_mail(self):
        with SMTPServer() as smtp, override_settings(**smtp.settings()):
            ticket = report("abfall-sperrmuell", HERMANNPLATZ)
            self.login("bob")
            self.page.click(f"text={ticket.public_id}")
            self.page.click('details:has(form[action$="/accept"]) summary')
            self.page.click('form[action$="/accept"] button[type=submit]')
            self.page.locator(".message.success").wait_for()
            self.page.keyboard.press("r")
            self.page.fill("#id_resolve-note", "Der Sperrmüll wurde heute abgeholt.")
            self.page.click('form[action$="/resolve"] button[type=submit]')
            self.page.locator(".message.success").wait_for()
            run_jobs()
            subjects = [m["Subject"].strip() for m in smtp.to("rita@example.org")]
            self.assertIn(f"Ihre Meldung {ticket.public_id}: erledigt", subjects)
            last = smtp.to("rita@example.org")[-1].get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Der Sperrmüll wurde heute abgeholt.", last)

    def test_merge_in_the_list_and_undo(self):
        first = report("sonstiges", HERMANNPLATZ, description="Graffiti am Spielplatz an der Mauer.")
        second = report("sonstiges", HERMANNPLATZ, description="Graffiti an der Spielplatzmauer, schon wieder.")
        self.login("alice")
        self.page.goto(self.url("/backoffice/tickets?status=open"))
        self.page.check(f'input[name=tickets][value="{first.public_id}"]')
        self.page.check(f'input[name=tickets][value="{second.public_id}"]')
        self.page.click("details.bulk summary")
        self.assert_accessible()
        self.page.select_option("#id_action", "merge")
        self.page.fill("#id_survivor", first.public_id)
        self.page.click("#bulk-form button[type=submit]")
        self.page.locator(".message.success").wait_for()
        second.refresh_from_db()
        self.assertEqual((second.status, second.duplicate_of_id), (S.DUPLICATE, first.pk))
        self.page.goto(self.url(second.get_backoffice_url()))
        self.page.click('details:has(form[action$="/unmerge"]) summary')
        self.page.fill("#id_unmerge-reason", "Doch zwei verschiedene Mauern.")
        self.page.click('form[action$="/unmerge"] button[type=submit]')
        self.page.locator(".message.success").wait_for()
        second.refresh_from_db()
        self.assertEqual((second.status, second.duplicate_of_id), (S.NEW, None))

    def test_moderation_hides_with_a_reason(self):
        ticket = report("sonstiges", HERMANNPLATZ, description="Der Nachbar Herr X. wirft Müll aus dem Fenster.")
        self.login("alice")
        self.page.click('a[href*="queue=moderation"]')
        self.assert_accessible()
        self.page.click(f"text={ticket.public_id}")
        # The shortcut needs backoffice.js, which runs once the page has loaded.
        self.page.wait_for_load_state("load")
        self.page.keyboard.press("m")
        self.page.check("#id_moderate-publication_1")
        self.page.fill("#id_moderate-reason", "Nennt eine Person.")
        self.page.click('form[action$="/moderate"] button[type=submit]')
        self.page.locator(".message.success").wait_for()
        ticket.refresh_from_db()
        self.assertEqual(ticket.publication, Ticket.Publication.HIDDEN)

    def test_follow_up_due_shows_in_the_queue(self):
        ticket = report("sonstiges", ALEXANDERPLATZ, description="Wiederkehrende Lärmbelästigung am Abend.")
        self.login("alice")
        self.page.goto(self.url(ticket.get_backoffice_url()))
        self.page.keyboard.press("u")
        self.page.fill("#id_follow_up-date", timezone.localdate().isoformat())
        self.page.fill("#id_follow_up-reason", "Ordnungsamt anrufen")
        self.page.click('form[action$="/follow_up"] button[type=submit]')
        self.page.locator(".message.success").wait_for()
        self.page.goto(self.url("/backoffice/"))
        queue = self.page.locator('a[href*="queue=follow_up"]')
        self.assertEqual(queue.locator(".count").inner_text(), "1")
        queue.click()
        self.page.locator(f"text={ticket.public_id}").wait_for()
        self.assert_accessible()

    def test_search_from_the_keyboard(self):
        lamp = report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"},
                      description="Die Laterne vor Hausnummer 7 flackert.")
        report("abfall-sperrmuell", ALEXANDERPLATZ)
        workflow.resolve(lamp, by=self.alice, note="Leuchtmittel getauscht.")
        self.login("alice")
        self.page.goto(self.url("/backoffice/tickets"))
        self.page.keyboard.press("/")
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_q")
        self.page.keyboard.type("Laternen")
        self.page.keyboard.press("Enter")
        self.page.wait_for_url("**q=Laternen**")
        rows = self.page.locator("table.tickets tbody a.ticket-id")
        self.assertEqual(rows.all_inner_texts(), [lamp.public_id])
        self.assert_accessible()

    def test_staff_entry_page_passes_axe(self):
        self.login("alice")
        self.page.goto(self.url("/backoffice/tickets/new"))
        self.assert_accessible()
        self.page.click("button.primary")
        self.page.locator(".errorlist").first.wait_for()
        self.assert_accessible()


class RedactionInBrowserTests(TemporaryMediaMixin, BrowserTestCase):
    def setUp(self):
        super().setUp()
        make_user("alice", User.Role.DESK)

    def test_desk_drags_a_rectangle_over_the_photo(self):
        from pathlib import Path

        content = (Path(__file__).parents[2] / "media" / "tests" / "data" / "astronaut.jpg").read_bytes()
        ticket = report("abfall-sperrmuell", HERMANNPLATZ, photos=[upload("nasa.jpg", content)])
        run_jobs()
        photo = ticket.attachments.get()
        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", "alice")
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))
        self.page.goto(self.url(ticket.get_backoffice_url()))
        self.page.click(f"#photo-{photo.pk} summary")
        image = self.page.locator(f'img[data-redaction-for="redact-{photo.pk}"]')
        self.wait_until(f"document.querySelector('img[data-redaction-for=\"redact-{photo.pk}\"]').naturalWidth > 0")
        self.assert_accessible()
        box = image.bounding_box()
        scale = 512 / box["width"]
        # From (300, 300) to (420, 400) in the photo's own pixels.
        self.page.mouse.move(box["x"] + 300 / scale, box["y"] + 300 / scale)
        self.page.mouse.down()
        self.page.mouse.move(box["x"] + 360 / scale, box["y"] + 350 / scale, steps=5)
        self.page.mouse.move(box["x"] + 420 / scale, box["y"] + 400 / scale, steps=5)
        self.page.mouse.up()
        values = {name: int(self.page.input_value(f"#redact-{photo.pk}-{name}")) for name in "xywh"}
        for name, expected in {"x": 300, "y": 300, "w": 120, "h": 100}.items():
            self.assertAlmostEqual(values[name], expected, delta=3)
        self.page.click(f"#redact-{photo.pk} button[type=submit]")
        self.page.locator(".message.success").wait_for()
        photo.refresh_from_db()
        self.assertEqual(len(photo.redactions), 1)
        self.assertAlmostEqual(photo.redactions[0]["x"], 300, delta=3)
