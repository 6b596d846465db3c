"""Connector settings in the admin: validated when saved, secrets write-only and never in a page or a log line."""

import logging

from django.urls import reverse

from stadtlotse.catalog.models import Department
from stadtlotse.testing.smtp import free_port
from stadtlotse.testing.cases import run_jobs

from .base import SECRET, ConnectorTestCase
from .receiver import Receiver
from .test_mail import lamp

API_KEY_VALUE = "open311-api-key-that-must-stay-secret"


class ConnectorSettingsFormTests(ConnectorTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.erin)
        self.url = reverse("admin:catalog_department_change", args=[self.lighting.pk])

    def post(self, **fields):
        data = {"name": self.lighting.name, "name_en": self.lighting.name_en, "slug": self.lighting.slug,
                "email": self.lighting.email, "is_active": "on", "connector": "webhook", "webhook_url": "",
                "webhook_secret": "", "open311_endpoint": "", "open311_api_key": "", "open311_format": "xml",
                "open311_jurisdiction_id": "", "open311_service_codes": "", "reply_senders": "", **fields}
        return self.client.post(self.url, data)

    def errors(self, response):
        self.assertEqual(response.status_code, 200, "the form comes back with errors")
        return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}

    def test_webhook_needs_url_and_a_long_secret(self):
        errors = self.errors(self.post())
        self.assertIn("webhook_url", errors)
        self.assertIn("webhook_secret", errors)
        errors = self.errors(self.post(webhook_url="https://city.example/hook", webhook_secret="short"))
        self.assertEqual(errors["webhook_secret"], ["Das Geheimnis muss mindestens 32 Zeichen haben."])
        errors = self.errors(self.post(webhook_url="https://user:pw@city.example/hook", webhook_secret=SECRET))
        self.assertIn("webhook_url", errors)
        errors = self.errors(self.post(webhook_url="ftp://city.example/hook", webhook_secret=SECRET))
        self.assertIn("webhook_url", errors)
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector, Department.Connector.EMAIL, "nothing saved")

    def test_secret_is_stored_never_shown_and_kept_when_left_empty(self):
        response = self.post(webhook_url="https://city.example/hook", webhook_secret=SECRET)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and self.errors(response))
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector_settings, {"url": "https://city.example/hook", "secret": SECRET})
        page = self.client.get(self.url)
        self.assertNotContains(page, SECRET)
        self.assertContains(page, "https://city.example/hook")
        self.post(webhook_url="https://city.example/hook2")
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector_settings["secret"], SECRET)
        self.assertEqual(self.lighting.connector_settings["url"], "https://city.example/hook2")
        self.assertNotContains(self.client.get(reverse("admin:catalog_department_changelist")), SECRET)

    def test_open311_settings_with_mapping(self):
        errors = self.errors(self.post(connector="open311", open311_endpoint="https://city.example/open311/v2/"))
        self.assertIn("open311_api_key", errors)
        errors = self.errors(self.post(connector="open311", open311_endpoint="https://city.example/open311/v2/",
                                       open311_api_key=API_KEY_VALUE, open311_service_codes="licht-laterne STR-1"))
        self.assertIn("Zeile 1", errors["open311_service_codes"][0])
        response = self.post(connector="open311", open311_endpoint="https://city.example/open311/v2/",
                             open311_api_key=API_KEY_VALUE, open311_format="json",
                             open311_service_codes="licht-laterne = STR-1\n\n")
        self.assertEqual(response.status_code, 302)
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector_settings["service_codes"], {"licht-laterne": "STR-1"})
        self.assertEqual(self.lighting.connector_settings["format"], "json")
        self.assertNotContains(self.client.get(self.url), API_KEY_VALUE)

    def test_email_senders_are_validated(self):
        errors = self.errors(self.post(connector="email", reply_senders="ok@berlin.example\nkeine-adresse"))
        self.assertIn("keine-adresse", errors["reply_senders"][0])
        self.assertEqual(self.post(connector="email", reply_senders="Ok@Berlin.example").status_code, 302)
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector_settings, {"senders": ["ok@berlin.example"]})

    def test_reachability_check_is_optional(self):
        dead = f"http://127.0.0.1:{free_port()}/hook"
        self.assertEqual(self.post(webhook_url=dead, webhook_secret=SECRET).status_code, 302)
        errors = self.errors(self.post(webhook_url=dead, webhook_secret=SECRET, check_reachable="on"))
        self.assertEqual(errors["webhook_url"], ["Die Adresse ist nicht erreichbar oder antwortet nicht wie erwartet."])
        with Receiver(SECRET) as receiver:
            self.assertEqual(self.post(webhook_url=receiver.url, webhook_secret=SECRET,
                                       check_reachable="on").status_code, 302)

    def test_secrets_never_reach_the_log(self):
        self.lighting.connector = Department.Connector.OPEN311
        self.lighting.connector_settings = {"endpoint": f"http://127.0.0.1:{free_port()}/open311/v2/",
                                            "api_key": API_KEY_VALUE}
        self.lighting.save()
        with self.assertLogs(level=logging.DEBUG) as logs:
            ticket = lamp()
            run_jobs()
        self.assertTrue(any("attempt 1 failed" in line for line in logs.output))
        self.assertFalse(any(API_KEY_VALUE in line for line in logs.output))
        self.assertNotIn(API_KEY_VALUE, ticket.deliveries.get().last_error)
        self.assertFalse(ticket.events.filter(note__contains=API_KEY_VALUE).exists())
