"""Failures elsewhere cannot lock a staff member out of the browser they log in from."""

import time_machine
from django.test import override_settings
from django.urls import reverse

from stadtlotse.accounts import security
from stadtlotse.accounts.tests.test_second_factor import T0, code, enrol
from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase

LOGIN = reverse("accounts:login")
SECOND = reverse("accounts:second_factor")
HOME = reverse("backoffice:home")
OFFICE = "192.0.2.10"
ATTACKER = "203.0.113.66"
WRONG = {"username": "alice", "password": "falsch-123456"}
RIGHT = {"username": "alice", "password": PASSWORD}


class LockoutTests(StadtlotseTestCase):
    def setUp(self):
        self.owner = self.client_class(REMOTE_ADDR=OFFICE)
        self.attacker = self.client_class(REMOTE_ADDR=ATTACKER)

    def log_in_once(self):
        """Alice's usual browser: one complete login there, then logged out again."""
        self.assertRedirects(self.owner.post(LOGIN, RIGHT), HOME, fetch_redirect_response=False)
        self.assertIn(security.DEVICE_COOKIE, self.owner.cookies)
        self.owner.post(reverse("accounts:logout"))

    def test_an_attacker_elsewhere_is_throttled_and_the_owner_still_gets_in(self):
        self.log_in_once()
        for _ in range(5):
            self.assertEqual(self.attacker.post(LOGIN, WRONG).status_code, 200)
        # Throttled even with the right password: the attacker learns nothing more.
        self.assertEqual(self.attacker.post(LOGIN, RIGHT).status_code, 429)
        self.assertNotIn("_auth_user_id", self.attacker.session)
        self.assertRedirects(self.owner.post(LOGIN, RIGHT), HOME, fetch_redirect_response=False)
        self.assertEqual(int(self.owner.session["_auth_user_id"]), self.alice.pk)

    def test_the_owner_gets_in_from_a_new_place_too_while_one_attacker_is_locked(self):
        for _ in range(5):
            self.attacker.post(LOGIN, WRONG)
        self.assertRedirects(self.owner.post(LOGIN, RIGHT), HOME, fetch_redirect_response=False)

    @override_settings(LOGIN_FAILURES_PER_ACCOUNT_TOTAL="12/900")
    def test_guessing_from_many_addresses_locks_new_places_but_not_the_usual_browser(self):
        self.log_in_once()
        for n in range(12):
            self.client_class(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN, WRONG)
        self.assertEqual(self.client_class(REMOTE_ADDR="198.51.100.200").post(LOGIN, RIGHT).status_code, 429)
        self.assertRedirects(self.owner.post(LOGIN, RIGHT), HOME, fetch_redirect_response=False)

    @override_settings(STAFF_2FA_REQUIRED="admin")
    def test_the_owner_gets_in_with_password_and_second_factor_while_locked_elsewhere(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.owner.post(LOGIN, RIGHT)
            self.assertRedirects(self.owner.post(SECOND, {"code": code(secret, T0 + 60)}), HOME,
                                 fetch_redirect_response=False)
            self.owner.post(reverse("accounts:logout"))
        with time_machine.travel(T0 + 120, tick=False):
            for _ in range(5):
                self.attacker.post(LOGIN, WRONG)
            self.assertEqual(self.attacker.post(LOGIN, RIGHT).status_code, 429)
            self.assertRedirects(self.owner.post(LOGIN, RIGHT), SECOND, fetch_redirect_response=False)
            response = self.owner.post(SECOND, {"code": code(secret, T0 + 120)})
        self.assertRedirects(response, HOME, fetch_redirect_response=False)
        self.assertEqual(int(self.owner.session["_auth_user_id"]), self.alice.pk)

    def test_the_usual_browser_is_throttled_by_its_own_failures(self):
        self.log_in_once()
        for _ in range(5):
            self.owner.post(LOGIN, WRONG)
        self.assertEqual(self.owner.post(LOGIN, RIGHT).status_code, 429)

    def test_a_forged_or_borrowed_device_cookie_is_not_trusted(self):
        self.log_in_once()
        for _ in range(5):
            self.attacker.post(LOGIN, WRONG)
        self.attacker.cookies[security.DEVICE_COOKIE] = self.owner.cookies[security.DEVICE_COOKIE].value + "x"
        self.assertEqual(self.attacker.post(LOGIN, RIGHT).status_code, 429)
        # Bob's own browser is known for bob, not for alice.
        bob = self.client_class(REMOTE_ADDR=ATTACKER)
        bob.post(LOGIN, {"username": "bob", "password": PASSWORD})
        bob.post(reverse("accounts:logout"))
        self.assertIn(security.DEVICE_COOKIE, bob.cookies)
        self.assertEqual(bob.post(LOGIN, RIGHT).status_code, 429)

    def test_a_wrong_password_marks_no_browser(self):
        self.owner.post(LOGIN, WRONG)
        self.assertNotIn(security.DEVICE_COOKIE, self.owner.cookies)
