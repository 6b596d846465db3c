from django.urls import reverse

from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase


class LoginTests(StadtlotseTestCase):
    url = reverse("accounts:login")

    def test_login_page(self):
        response = self.client.get(self.url)
        self.assertContains(response, "<h1>")
        self.assertContains(response, '<label for="id_username"')
        self.assertContains(response, '<label for="id_password"')

    def test_login_goes_to_the_back_office(self):
        response = self.client.post(self.url, {"username": "alice", "password": PASSWORD})
        self.assertRedirects(response, reverse("backoffice:home"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_login_follows_next(self):
        target = reverse("backoffice:tickets")
        response = self.client.post(self.url, {"username": "bob", "password": PASSWORD, "next": target})
        self.assertRedirects(response, target)

    def test_login_refuses_an_outside_next(self):
        response = self.client.post(self.url, {"username": "bob", "password": PASSWORD, "next": "https://evil.example/"})
        self.assertRedirects(response, reverse("backoffice:home"))

    def test_wrong_password_shows_an_error(self):
        response = self.client.post(self.url, {"username": "alice", "password": "not-the-password"})
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].non_field_errors()
        self.assertEqual(len(errors), 1)
        self.assertContains(response, errors[0])
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_inactive_user_cannot_log_in(self):
        self.bob.is_active = False
        self.bob.save()
        response = self.client.post(self.url, {"username": "bob", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_logged_in_user_is_sent_on(self):
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.get(self.url), reverse("backoffice:home"))


class LogoutTests(StadtlotseTestCase):
    url = reverse("accounts:logout")

    def test_logout_by_post(self):
        self.client.force_login(self.bob)
        response = self.client.post(self.url)
        self.assertRedirects(response, reverse("publicweb:home"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_logout_by_get_is_refused(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertIn("_auth_user_id", self.client.session)

    def test_back_office_offers_logout(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("backoffice:home"))
        self.assertContains(response, f'action="{self.url}"')
