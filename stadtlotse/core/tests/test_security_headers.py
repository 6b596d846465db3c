from django.test import Client, override_settings
from django.urls import reverse

from stadtlotse.core import security
from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase


def directives(response):
    return dict(
        (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split("; ")
    )


class SecurityHeaderTests(StadtlotseTestCase):
    def test_every_kind_of_page_forbids_inline_and_foreign_scripts(self):
        self.client.force_login(self.alice)
        for path in (reverse("publicweb:home"), reverse("publicweb:report"), reverse("accounts:login"),
                     reverse("backoffice:home"), "/admin/", "/open311/v2/services.json", "/does-not-exist"):
            response = self.client.get(path)
            policy = directives(response)
            self.assertEqual(policy["script-src"], ["'self'"], path)
            self.assertEqual(policy["object-src"], ["'none'"], path)
            self.assertEqual(policy["frame-ancestors"], ["'none'"], path)
            self.assertIn("geolocation=(self)", response["Permissions-Policy"])
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_the_policy_is_the_one_written_by_hand_before_django_csp(self):
        self.assertEqual(directives(self.client.get(reverse("publicweb:home"))), {
            "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"], "connect-src": ["'self'"],
            "font-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        })

    def test_map_tiles_are_allowed_from_the_configured_server_only(self):
        policy = directives(self.client.get(reverse("publicweb:home")))
        self.assertIn("https://tile.openstreetmap.org", policy["img-src"])
        other = security.content_security_policy(map_tile_url="https://{s}.tiles.example.de/{z}/{x}/{y}.png")
        with self.settings(CONTENT_SECURITY_POLICY=other):
            policy = directives(self.client.get(reverse("publicweb:home")))
        self.assertIn("https://*.tiles.example.de", policy["img-src"])
        self.assertNotIn("https://tile.openstreetmap.org", policy["img-src"])

    def test_static_files_and_errors_carry_the_policy_too(self):
        for path in ("/static/leaflet/leaflet.js", "/does-not-exist"):
            response = self.client.get(path)
            self.assertEqual(directives(response)["script-src"], ["'self'"], path)

    @override_settings(SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
    def test_https_responses_pin_https_and_cookies_are_secure(self):
        response = self.client.get(reverse("accounts:login"), secure=True)
        self.assertEqual(response["Strict-Transport-Security"], "max-age=31536000")
        self.assertTrue(response.cookies["csrftoken"]["secure"])

    def test_session_cookie_is_not_readable_by_scripts(self):
        response = self.client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
        self.assertTrue(response.cookies["sessionid"]["httponly"])
        self.assertEqual(response.cookies["sessionid"]["samesite"], "Lax")

    def test_forms_need_their_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("accounts:login"), {"username": "alice", "password": "x"})
        self.assertEqual(response.status_code, 403)
        client.force_login(self.alice)
        self.assertEqual(client.post(reverse("backoffice:bulk"), {}).status_code, 403)
