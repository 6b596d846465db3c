"""Connector targets are public internet addresses, or internal systems on the explicit allow-list.

No test here puts 127.0.0.1 on the allow-list unless it says so: loopback, link-local (the cloud
metadata address), unspecified and private addresses are refused when saved, on every connect and
behind a redirect, and "check that the address answers" tells nothing about internal ports.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from stadtlotse.catalog.models import Department
from stadtlotse.connectors import dispatch, http, open311_client
from stadtlotse.connectors.delivery import DeliveryError
from stadtlotse.core import addresses
from stadtlotse.testing.smtp import free_port
from stadtlotse.testing.cases import run_jobs

from .base import SECRET, ConnectorTestCase
from .receiver import Receiver
from .test_mail import lamp

INTERNAL = [
    "http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook", "http://0.0.0.0:{port}/hook",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/hook", "http://10.1.2.3/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
]


def allowed(*hosts):
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_ALLOWED_HOSTS": list(hosts)})


class Redirector:
    """An allowed internal system that answers every request with a redirect to `location`."""

    def __init__(self, location, host="127.0.0.2"):
        self.location, self.host, self.port, self.hits = location, host, free_port(), 0

    @property
    def url(self):
        return f"http://{self.host}:{self.port}/hook"

    def __enter__(self):
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                redirector.hits += 1
                self.send_response(307)
                self.send_header("Location", redirector.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = answer

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class AddressCheckTests(ConnectorTestCase):
    local_backends = False

    def test_internal_addresses_are_refused_and_public_ones_pass(self):
        for url in INTERNAL:
            with self.subTest(url), self.assertRaisesMessage(addresses.NotPublic, "keine öffentliche Internetadresse"):
                http.target(url.format(port=8080))
        self.assertEqual(addresses.resolve("93.184.215.14", 443), "93.184.215.14")
        self.assertTrue(addresses.is_public("2a00:1450:4001:82b::200e"))

    def test_the_allow_list_takes_names_addresses_and_networks(self):
        cases = [(["localhost"], "localhost", True), (["localhost"], "127.0.0.1", False),
                 (["127.0.0.1"], "localhost", True), (["10.0.0.0/8"], "10.20.30.40", True),
                 (["10.0.0.0/8"], "192.168.1.1", False), (["::1"], "::1", True)]
        for allow_list, host, ok in cases:
            with self.subTest(allow_list=allow_list, host=host):
                if ok:
                    addresses.resolve(host, 80, allowed_hosts=allow_list)
                else:
                    with self.assertRaises(addresses.NotPublic):
                        addresses.resolve(host, 80, allowed_hosts=allow_list)

    def test_the_connection_goes_to_the_checked_address_not_a_second_dns_answer(self):
        with Receiver(SECRET) as receiver:
            # The name cannot be resolved at all: the request still reaches the address that was checked.
            conn = addresses.connection("http", "webhook.stadt.invalid", receiver.port, "127.0.0.1", timeout=5)
            conn.request("POST", "/hook", body=b"{}", headers={"Content-Length": "2"})
            self.assertEqual(conn.getresponse().status, 401)
            conn.close()


class RefusedTargetsTests(ConnectorTestCase):
    local_backends = False

    def setUp(self):
        super().setUp()
        self.client.force_login(self.erin)
        self.url = reverse("admin:catalog_department_change", args=[self.lighting.pk])

    def post(self, **fields):
        data = {"name": self.lighting.name, "name_en": self.lighting.name_en, "slug": self.lighting.slug,
                "email": self.lighting.email, "is_active": "on", "connector": "webhook", "webhook_url": "",
                "webhook_secret": SECRET, "open311_endpoint": "", "open311_api_key": "key", "open311_format": "xml",
                "open311_jurisdiction_id": "", "open311_service_codes": "", "reply_senders": "", **fields}
        return self.client.post(self.url, data)

    def test_internal_targets_are_not_saved(self):
        for url in INTERNAL:
            url = url.format(port=8080)
            for connector, field in (("webhook", "webhook_url"), ("open311", "open311_endpoint")):
                with self.subTest(url=url, connector=connector):
                    response = self.post(connector=connector, **{field: url})
                    self.assertEqual(response.status_code, 200)
                    errors = response.context["adminform"].form.errors
                    self.assertIn("keine öffentliche Internetadresse", str(errors[field]))
        self.lighting.refresh_from_db()
        self.assertEqual(self.lighting.connector, Department.Connector.EMAIL)

    def test_check_reachable_is_no_port_scanner(self):
        with Receiver(SECRET) as receiver:
            closed = f"http://127.0.0.1:{free_port()}/hook"
            messages = []
            for url in (receiver.url, closed):
                response = self.post(webhook_url=url, check_reachable="on")
                messages.append(str(response.context["adminform"].form.errors["webhook_url"]))
            self.assertEqual(messages[0], messages[1], "an open and a closed port look the same")
            self.assertEqual(receiver.requests, [])
            with allowed("127.0.0.1"):
                # An allowed internal system: a closed port and a wrong answer are one message.
                answers = [str(self.post(connector="open311", open311_endpoint=url.rsplit("/", 1)[0] + "/",
                                         check_reachable="on").context["adminform"].form.errors["open311_endpoint"])
                           for url in (receiver.url, closed)]
            self.assertEqual(answers[0], answers[1])
            self.assertIn("nicht erreichbar oder antwortet nicht wie erwartet", answers[0])

    def test_stored_internal_target_is_not_contacted_on_delivery(self):
        with Receiver(SECRET) as receiver:
            self.use_webhook(receiver.url)  # saved before this check existed
            ticket = lamp()
            run_jobs()
            self.assertEqual(receiver.requests, [])
        delivery = ticket.deliveries.get()
        self.assertIn("keine öffentliche Internetadresse", delivery.last_error)
        with allowed("127.0.0.1"), Receiver(SECRET, port=receiver.port) as again:
            delivery.next_attempt_at = None
            delivery.save()
            self.assertTrue(dispatch.attempt(delivery))
            self.assertEqual(len(again.requests), 1, "the allow-list lets the city's own system through")

    def test_open311_polling_of_an_internal_endpoint_is_refused(self):
        self.lighting.connector = Department.Connector.OPEN311
        self.lighting.connector_settings = {"endpoint": f"http://127.0.0.1:{free_port()}/open311/v2/", "api_key": "k"}
        self.lighting.save()
        with self.assertRaisesMessage(DeliveryError, "keine öffentliche Internetadresse"):
            open311_client.poll(self.lighting)

    def test_a_redirect_to_loopback_is_not_followed(self):
        with Receiver(SECRET) as receiver, Redirector(receiver.url) as redirector, allowed("127.0.0.2"):
            self.use_webhook(redirector.url)
            ticket = lamp()
            run_jobs()
            self.assertEqual(redirector.hits, 1)
            self.assertEqual(receiver.requests, [], "the redirect's target was never contacted")
        delivery = ticket.deliveries.get()
        self.assertIn("HTTP 307", delivery.last_error)
        with Redirector("http://169.254.169.254/latest/meta-data/") as metadata, allowed("127.0.0.2"):
            self.assertEqual(http.request("GET", metadata.url)[0], 307)
