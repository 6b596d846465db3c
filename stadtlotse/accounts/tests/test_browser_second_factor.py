"""An administrator sets up the second factor in a real browser, by keyboard, and logs in with it."""

import re

from django.test import override_settings

from stadtlotse.accounts import totp
from stadtlotse.accounts.models import SecondFactor, User
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import PASSWORD, make_user


@override_settings(STAFF_2FA_REQUIRED="admin")
class SecondFactorInBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        make_user("ada", User.Role.ADMIN, is_staff=True, is_superuser=True)

    def log_in(self):
        page = self.page
        page.goto(self.url("/konto/anmelden"))
        page.fill("#id_username", "ada")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")

    def test_set_up_by_keyboard_then_log_in_with_a_code(self):
        page = self.page
        self.log_in()
        page.wait_for_url(re.compile(r".*/konto/zweiter-faktor\?next=.*"))
        self.assertTrue(page.locator("svg.segno").is_visible(), "the QR code is shown")
        self.assert_accessible()
        typed_key = page.inner_text("code.secret").replace(" ", "")
        self.assertEqual(typed_key, SecondFactor.objects.get(user__username="ada").secret)
        page.focus("#id_code")
        page.keyboard.type(totp.code_at(typed_key, totp.current_step()))
        page.keyboard.press("Enter")
        page.wait_for_selector("ul.recovery-codes")
        self.assertEqual(page.locator("ul.recovery-codes li").count(), 10)
        self.assert_accessible()
        page.get_by_role("link", name=re.compile("weiter")).click()
        page.wait_for_url(self.url("/backoffice/"))

        # Next time: password, then a code from the app (the next step's: the first one is used up).
        self.context.clear_cookies()
        self.log_in()
        page.wait_for_url(self.url("/konto/zweiter-faktor"))
        self.assert_accessible()
        page.fill("#id_code", totp.code_at(typed_key, totp.current_step() + 1))
        page.keyboard.press("Enter")
        page.wait_for_url(self.url("/backoffice/"))
