"""API keys: stored hashed, checked, issued in the admin once, and the demo key."""

from stadtlotse.accounts.models import ApiKey
from stadtlotse.testing.cases import PASSWORD, env
from stadtlotse.open311.keys import DEMO_KEY, ensure_demo_key

from .base import Open311TestCase


class ApiKeyTests(Open311TestCase):
    def test_only_the_hash_is_stored(self):
        api_key, plain = ApiKey.issue("Stadt-App", "Stadt Musterstadt")
        self.assertGreaterEqual(len(plain), 32)
        api_key.refresh_from_db()
        self.assertEqual(len(api_key.key_hash), 64)
        self.assertNotIn(plain, [api_key.key_hash, api_key.name, api_key.owner])
        self.assertEqual(api_key.key_hash, ApiKey.digest_of(plain))

    def test_verify(self):
        self.assertIsNone(self.app_key.last_used_at)
        self.assertEqual(ApiKey.verify(self.plain_key), self.app_key)
        self.assertIsNotNone(ApiKey.objects.get(pk=self.app_key.pk).last_used_at)
        for wrong in ("", None, "x", self.app_key.key_hash, self.plain_key + " "):
            self.assertIsNone(ApiKey.verify(wrong))
        ApiKey.objects.filter(pk=self.app_key.pk).update(is_active=False)
        self.assertIsNone(ApiKey.verify(self.plain_key))

    def test_demo_key_is_idempotent(self):
        api_key, plain, created = ensure_demo_key()
        self.assertEqual((plain, created), (DEMO_KEY, True))
        self.assertEqual(ApiKey.verify(DEMO_KEY), api_key)
        ApiKey.objects.filter(pk=api_key.pk).update(is_active=False)
        again, _plain, created = ensure_demo_key()
        self.assertEqual((again, created), (api_key, False))
        self.assertTrue(ApiKey.objects.get(pk=api_key.pk).is_active)
        self.assertEqual(ApiKey.objects.filter(name=api_key.name).count(), 1)

    def test_demo_key_from_the_environment(self):
        with env(STADTLOTSE_DEMO_API_KEY="mein-demo-schluessel"):
            _api_key, plain, _created = ensure_demo_key()
        self.assertEqual(plain, "mein-demo-schluessel")
        self.assertIsNotNone(ApiKey.verify("mein-demo-schluessel"))
        self.assertIsNone(ApiKey.verify(DEMO_KEY))

    def test_admin_shows_a_new_key_once(self):
        self.client.login(username="erin", password=PASSWORD)
        response = self.client.post("/admin/accounts/apikey/add/", {"name": "Bürger-App", "owner": "Musterfirma",
                                                                    "is_active": "on"}, follow=True)
        self.assertEqual(response.status_code, 200)
        api_key = ApiKey.objects.get(name="Bürger-App")
        words = " ".join(str(m) for m in response.context["messages"]).split()
        [plain] = [w.rstrip(".") for w in words if ApiKey.digest_of(w.rstrip(".")) == api_key.key_hash]
        self.assertEqual(ApiKey.verify(plain), api_key)
        self.assertNotContains(self.client.get("/admin/accounts/apikey/"), plain)
        # Editing keeps the key.
        self.client.post(f"/admin/accounts/apikey/{api_key.pk}/change/", {"name": "Bürger-App 2", "owner": "x"})
        api_key.refresh_from_db()
        self.assertEqual((api_key.name, api_key.is_active), ("Bürger-App 2", False))
        self.assertEqual(api_key.key_hash, ApiKey.digest_of(plain))
        self.assertNotContains(self.client.get(f"/admin/accounts/apikey/{api_key.pk}/change/"), api_key.key_hash)
