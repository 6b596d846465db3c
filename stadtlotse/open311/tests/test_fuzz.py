"""The OpenAPI description is valid and true: schemathesis fuzzes every operation and finds no 5xx."""

import json

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from stadtlotse.testing.cases import report
from stadtlotse.tickets import moderation
from stadtlotse.tickets.models import Ticket

from .base import Open311TestCase

EXAMPLES_PER_OPERATION = 40


@override_settings(RATELIMIT_ENABLE=False)
class OpenAPIFuzzTests(Open311TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()
        moderation.moderate(cls.ticket, Ticket.Publication.PUBLISHED, by=cls.alice)

    def setUp(self):
        super().setUp()
        # Requests through the WSGI handler run inside this test's transaction; the handler must
        # not close the connection after each one (the test client does the same).
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)

    def test_description_is_served_and_lists_every_endpoint(self):
        response = self.client.get("/open311/v2/openapi.json")
        self.assertEqual(response.status_code, 200)
        spec = json.loads(response.content)
        self.assertEqual(spec["openapi"], "3.0.3")
        self.assertEqual(
            sorted(spec["paths"]),
            sorted(["/open311/discovery.{format}", "/open311/v2/services.{format}",
                    "/open311/v2/services/{service_code}.{format}", "/open311/v2/requests.{format}",
                    "/open311/v2/requests/{service_request_id}.{format}", "/open311/v2/tokens/{token}.{format}",
                    "/open311/v2/servicerequestupdates.{format}"]),
        )
        codes = spec["paths"]["/open311/v2/requests.{format}"]["post"]["requestBody"]["content"][
            "application/x-www-form-urlencoded"]["schema"]["properties"]["service_code"]["enum"]
        self.assertIn("abfall-sperrmuell", codes)

    def test_fuzzing_finds_no_server_error(self):
        schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", WSGIHandler())
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertEqual(len(operations), 9)
        plain_key = self.plain_key
        for operation in operations:
            with self.subTest(operation=operation.label):

                @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                                     suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy())
                def fuzz(case):
                    if isinstance(case.body, dict) and "api_key" in case.body and case.body["api_key"] != "":
                        # Half the keys valid, so the fuzzer reaches past the key check.
                        if len(case.body["api_key"]) % 2 == 0:
                            case.body["api_key"] = plain_key
                    case.call_and_validate(checks=[not_a_server_error, status_code_conformance])

                fuzz()


class FoundByFuzzingTests(Open311TestCase):
    """What the fuzzer found once, kept as plain regressions."""

    def test_dates_far_off_are_a_400_not_an_overflow(self):
        for path in ("v2/requests", "v2/servicerequestupdates"):
            for value in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59"):
                response = self.get(path, "json", data={"start_date": value})
                self.assert_error(response, "json", 400, "start_date", "1900")

    def test_control_characters_echoed_in_xml_stay_well_formed(self):
        import xml.etree.ElementTree as ET

        response = self.get("v2/tokens/ab\x08cd", "xml")
        self.assertEqual(response.status_code, 404)
        tree = ET.fromstring(response.content)
        self.assertIn("ab\ufffdcd", tree.findtext("error/description"))
