from stadtlotse.catalog.models import Department
from stadtlotse.testing.cases import StadtlotseTestCase

SECRET = "k9V2-webhook-secret-for-tests-0123456789"


class ConnectorTestCase(StadtlotseTestCase):
    """Street lighting (where `licht-laterne` reports go directly) is the department with the connector under test."""

    @classmethod
    def use_connector(cls, connector, **settings):
        cls.lighting.connector = connector
        cls.lighting.connector_settings = settings
        cls.lighting.save()

    @classmethod
    def use_webhook(cls, url="http://127.0.0.1:9/hook"):
        cls.use_connector(Department.Connector.WEBHOOK, url=url, secret=SECRET)
