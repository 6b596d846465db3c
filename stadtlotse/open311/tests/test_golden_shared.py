"""The optional leg: our output against golden files that may not be copied into the repository.

open311/schema-validation's JSON Schemas carry no licence, so they stay in ../shared beside the
checkout. Without it these tests are skipped with the reason; in CI (CI=true) ../shared is there
and a missing folder fails them.
"""

import json

from stadtlotse.testing.cases import report
from stadtlotse.tickets import moderation
from stadtlotse.tickets.models import Ticket

from .base import Open311TestCase, needs_shared, validate_shared


@needs_shared
class SharedSchemaTests(Open311TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()
        moderation.moderate(cls.ticket, Ticket.Publication.PUBLISHED, by=cls.alice)

    def json_of(self, path, **params):
        response = self.get(path, "json", data=params)
        self.assertEqual(response.status_code, 200, response.content)
        return json.loads(response.content)

    def test_services(self):
        validate_shared(self.json_of("v2/services"), "services")
        validate_shared(self.json_of("v2/services", locale="en"), "services")

    def test_service_definitions(self):
        for code in ("licht-laterne", "graffiti"):
            validate_shared(self.json_of(f"v2/services/{code}"), "service-definition")

    def test_requests(self):
        data = self.json_of("v2/requests")
        self.assertIn(self.ticket.public_id, [r["service_request_id"] for r in data])
        validate_shared(data, "requests")
        validate_shared(self.json_of(f"v2/requests/{self.ticket.public_id}"), "requests")
