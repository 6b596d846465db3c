from django.conf import settings
from django.test import override_settings

from stadtlotse.catalog.models import Department
from stadtlotse.testing.cases import StadtlotseTestCase

SECRET = "k9V2-webhook-secret-for-tests-0123456789"


def allow_local_backends():
    """The fake back ends of these tests run on 127.0.0.1, which a city lists as an internal system."""
    return override_settings(STADTLOTSE={**settings.STADTLOTSE, "CONNECTOR_ALLOWED_HOSTS": ["127.0.0.1"]})


class ConnectorTestCase(StadtlotseTestCase):
    """Street lighting (where `licht-laterne` reports go directly) is the department with the connector under test.

    local_backends: put 127.0.0.1 on the connector allow-list for each test (False: nothing allowed).
    """

    local_backends = True

    def setUp(self):
        super().setUp()
        if self.local_backends:
            overrides = allow_local_backends()
            overrides.enable()
            self.addCleanup(overrides.disable)

    @classmethod
    def use_connector(cls, connector, **settings):
        cls.lighting.connector = connector
        cls.lighting.connector_settings = settings
        cls.lighting.save()

    @classmethod
    def use_webhook(cls, url="http://127.0.0.1:9/hook"):
        cls.use_connector(Department.Connector.WEBHOOK, url=url, secret=SECRET)
