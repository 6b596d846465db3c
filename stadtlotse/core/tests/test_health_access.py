"""/healthz tells the public only ok or fail; the checks go to trusted networks and the token holder."""

from stadtlotse.testing.cases import StadtlotseTestCase, report
from stadtlotse.core.tests.test_health import stadtlotse_settings

TOKEN = "health-token-for-the-monitoring-0123456789"
OUTSIDE = "203.0.113.9"


class HealthzAccessTests(StadtlotseTestCase):
    def setUp(self):
        report()  # a due job, just enqueued: the installation is healthy

    def test_the_public_learns_only_ok(self):
        response = self.client.get("/healthz", REMOTE_ADDR=OUTSIDE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")

    def test_the_public_learns_only_fail_with_503(self):
        with stadtlotse_settings(HEALTH_MIN_FREE_DISK_MB=10**12):
            response = self.client.get("/healthz", REMOTE_ADDR=OUTSIDE)
        self.assertEqual((response.status_code, response.content), (503, b"fail\n"))

    def test_loopback_sees_the_checks(self):
        for address in ("127.0.0.1", "::1"):
            with self.subTest(address):
                body = self.client.get("/healthz", REMOTE_ADDR=address).json()
                self.assertIn("free_mb", body["checks"]["disk"])

    def test_a_configured_network_sees_the_checks(self):
        with stadtlotse_settings(HEALTH_TRUSTED_NETWORKS=["203.0.113.0/24"]):
            self.assertIn("checks", self.client.get("/healthz", REMOTE_ADDR=OUTSIDE).json())
            self.assertEqual(self.client.get("/healthz", REMOTE_ADDR="127.0.0.1").content, b"ok\n")

    def test_the_token_shows_the_checks_from_anywhere(self):
        with stadtlotse_settings(HEALTH_TOKEN=TOKEN):
            good = self.client.get("/healthz", REMOTE_ADDR=OUTSIDE, headers={"authorization": f"Bearer {TOKEN}"})
            wrong = self.client.get("/healthz", REMOTE_ADDR=OUTSIDE, headers={"authorization": f"Bearer {TOKEN}x"})
        self.assertIn("jobs", good.json()["checks"])
        self.assertEqual(wrong.content, b"ok\n")

    def test_no_token_configured_means_no_token_works(self):
        response = self.client.get("/healthz", REMOTE_ADDR=OUTSIDE, headers={"authorization": "Bearer "})
        self.assertEqual(response.content, b"ok\n")

    def test_behind_a_proxy_the_clients_address_counts(self):
        # nginx on the same machine: REMOTE_ADDR is loopback for everyone.
        forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": OUTSIDE}
        with self.settings(TRUSTED_PROXY_COUNT=1):
            self.assertEqual(self.client.get("/healthz", **forwarded).content, b"ok\n")
            local = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
            self.assertIn("checks", self.client.get("/healthz", **local).json())
        # A proxy nobody declared: the loopback address proves nothing.
        self.assertEqual(self.client.get("/healthz", **forwarded).content, b"ok\n")
