"""/admin/login/ is no side door: it sends to the staff login, with its throttle and second factor."""

import time_machine
from django.urls import reverse

from stadtlotse.accounts.tests.test_second_factor import T0, code, enrol
from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase

ADMIN_LOGIN = reverse("admin:login")
LOGIN = reverse("accounts:login")
SECOND = reverse("accounts:second_factor")


class AdminLoginTests(StadtlotseTestCase):
    def test_the_admin_login_page_sends_to_the_staff_login_with_next(self):
        response = self.client.get(ADMIN_LOGIN, {"next": "/admin/tickets/ticket/"})
        self.assertRedirects(response, f"{LOGIN}?next=/admin/tickets/ticket/")
        response = self.client.get("/admin/", follow=True)
        self.assertEqual(response.redirect_chain, [(f"{ADMIN_LOGIN}?next=/admin/", 302), (f"{LOGIN}?next=/admin/", 302)])

    def test_a_password_posted_to_the_admin_login_logs_nobody_in(self):
        response = self.client.post(ADMIN_LOGIN, {"username": "erin", "password": PASSWORD, "next": "/admin/"})
        self.assertRedirects(response, f"{LOGIN}?next=/admin/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_guessing_through_the_admin_meets_the_throttle(self):
        for _ in range(5):
            self.client.post(ADMIN_LOGIN, {"username": "erin", "password": "falsch-123456"})
            self.client.post(LOGIN, {"username": "erin", "password": "falsch-123456", "next": "/admin/"})
        response = self.client.post(LOGIN, {"username": "erin", "password": PASSWORD, "next": "/admin/"})
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_admin_reaches_the_admin_only_with_the_second_factor(self):
        secret, _codes = enrol(self.erin)
        with time_machine.travel(T0 + 60, tick=False):
            response = self.client.post(LOGIN, {"username": "erin", "password": PASSWORD, "next": "/admin/"})
            self.assertRedirects(response, SECOND, fetch_redirect_response=False)
            self.assertRedirects(self.client.get("/admin/"), f"{ADMIN_LOGIN}?next=/admin/", fetch_redirect_response=False)
            response = self.client.post(SECOND, {"code": code(secret, T0 + 60)})
            self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
            self.assertEqual(self.client.get("/admin/").status_code, 200)
            # Already in: the admin's login page sends on to where the admin was going.
            self.assertRedirects(self.client.get(ADMIN_LOGIN, {"next": "/admin/accounts/user/"}), "/admin/accounts/user/")

    def test_staff_without_admin_rights_are_told_so_without_a_loop(self):
        self.client.force_login(self.bob)
        response = self.client.get("/admin/", follow=True)
        self.assertEqual(response.redirect_chain[-1], (reverse("backoffice:home"), 302))
        self.assertContains(response, "Ihr Konto hat keinen Zugang zur Administration.")
