"""Discovery, the service list and service definitions, in JSON and XML."""

from django.test import override_settings

from stadtlotse.testing.cases import category

from .base import DATA, FORMATS, Open311TestCase


class GoldenDataTests(Open311TestCase):
    def test_golden_data_is_in_the_repository(self):
        for name in ("swagger.json", "post_request.http", "SOURCES.md"):
            self.assertTrue((DATA / name).is_file(), DATA / name)


@override_settings(SITE_URL="https://stadtlotse.example.org")
class DiscoveryTests(Open311TestCase):
    def test_discovery_json(self):
        data = self.body(self.get("discovery", "json"), "json")
        self.assertEqual(set(data), {"changeset", "contact", "key_service", "endpoints"})
        [endpoint] = data["endpoints"]
        self.assertEqual(endpoint["url"], "https://stadtlotse.example.org/open311/v2/")
        self.assertEqual(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2")
        self.assertEqual(endpoint["formats"], ["text/xml", "application/json"])
        self.assertEqual(endpoint["changeset"], data["changeset"])

    def test_discovery_xml(self):
        tree = self.body(self.get("discovery", "xml"), "xml", root="discovery")
        self.assertTrue(tree.findtext("key_service"))
        endpoint = tree.find("endpoints/endpoint")
        self.assertEqual(endpoint.findtext("url"), "https://stadtlotse.example.org/open311/v2/")
        self.assertEqual([f.text for f in endpoint.findall("formats/format")], ["text/xml", "application/json"])

    def test_a_configured_test_endpoint_is_listed(self):
        from django.conf import settings

        test_url = "https://test.stadtlotse.example.org/open311/v2/"
        with override_settings(STADTLOTSE={**settings.STADTLOTSE, "OPEN311_TEST_URL": test_url}):
            data = self.body(self.get("discovery", "json"), "json")
        self.assertEqual([(e["type"], e["url"]) for e in data["endpoints"]],
                         [("production", "https://stadtlotse.example.org/open311/v2/"), ("test", test_url)])

    def test_discovery_also_under_v2(self):
        self.assertEqual(self.get("v2/discovery", "json").status_code, 200)


class ServiceListTests(Open311TestCase):
    def test_services_json_in_german_by_default(self):
        data = self.body(self.get("v2/services", "json"), "json", schema="services")
        by_code = {s["service_code"]: s for s in data}
        bulky = by_code["abfall-sperrmuell"]
        self.assertEqual(bulky["service_name"], "Sperrmüll")
        self.assertEqual(bulky["group"], "Abfall und Sauberkeit")
        self.assertIs(bulky["metadata"], True)
        self.assertEqual(bulky["type"], "realtime")
        self.assertEqual(bulky["keywords"], "Sofa,Matratze,Möbel,Sperrmüll")
        self.assertIs(by_code["abfall-ablagerung"]["metadata"], False)
        # Groups with children are not services; top-level leaves are their own group.
        self.assertNotIn("abfall", by_code)
        self.assertEqual(by_code["graffiti"]["group"], by_code["graffiti"]["service_name"])

    @override_settings(RATELIMIT_ENABLE=False)  # the limiter's own cache queries are not counted here
    def test_services_in_one_query(self):
        with self.assertNumQueries(1):
            self.get("v2/services", "xml")

    def test_services_in_english_by_locale_or_accept_language(self):
        for response in (self.get("v2/services", "json", data={"locale": "en"}),
                         self.get("v2/services", "json", headers={"accept-language": "en-GB,en;q=0.8"})):
            by_code = {s["service_code"]: s for s in self.body(response, "json", schema="services")}
            self.assertEqual(by_code["abfall-sperrmuell"]["service_name"], "Bulky waste")
            self.assertEqual(by_code["abfall-sperrmuell"]["group"], "Waste and cleanliness")
            self.assertEqual(response["Content-Language"], "en")

    def test_services_xml(self):
        tree = self.body(self.get("v2/services", "xml"), "xml", root="services", item="service")
        bulky = next(s for s in tree if s.findtext("service_code") == "abfall-sperrmuell")
        self.assertEqual(bulky.findtext("service_name"), "Sperrmüll")
        self.assertEqual(bulky.findtext("metadata"), "true")
        self.assertEqual(bulky.findtext("type"), "realtime")
        self.assertEqual(bulky.findtext("group"), "Abfall und Sauberkeit")

    def test_inactive_categories_are_not_listed(self):
        graffiti = category("graffiti")
        graffiti.is_active = False
        graffiti.save()
        for fmt in FORMATS:
            self.assertNotIn(b"<service_code>graffiti<", self.get("v2/services", fmt).content)
            self.assertNotIn(b'"graffiti"', self.get("v2/services", fmt).content)

    def test_wrong_method_is_405(self):
        for fmt in FORMATS:
            response = self.client.post(f"/open311/v2/services.{fmt}")
            self.assert_error(response, fmt, 405, "POST")
            self.assertIn("GET", response["Allow"])

    def test_unknown_format_is_404(self):
        self.assertEqual(self.client.get("/open311/v2/services.html").status_code, 404)


class ServiceDefinitionTests(Open311TestCase):
    def test_definition_json(self):
        data = self.body(self.get("v2/services/licht-laterne", "json"), "json", schema="service-definition")
        self.assertEqual(data["service_code"], "licht-laterne")
        art, mast = data["attributes"]
        self.assertEqual((art["code"], art["datatype"], art["required"], art["variable"], art["order"]),
                         ("art", "singlevaluelist", True, True, 1))
        self.assertEqual(art["description"], "Was ist mit der Laterne?")
        self.assertIn({"key": "aus", "name": "leuchtet nicht"}, art["values"])
        self.assertEqual((mast["code"], mast["datatype"], mast["required"]), ("mastnummer", "string", False))
        self.assertNotIn("values", mast)

    def test_definition_in_english(self):
        data = self.body(self.get("v2/services/licht-laterne", "json", data={"locale": "en"}), "json",
                         schema="service-definition")
        self.assertEqual(data["attributes"][0]["description"], "What is wrong with the light?")
        self.assertIn({"key": "aus", "name": "not lit"}, data["attributes"][0]["values"])

    def test_definition_xml(self):
        tree = self.body(self.get("v2/services/sicherheit-angstraum", "xml"), "xml", root="service_definition")
        self.assertEqual(tree.findtext("service_code"), "sicherheit-angstraum")
        attributes = tree.find("attributes")
        self.assertEqual({a.tag for a in attributes}, {"attribute"})
        [time_of_day] = attributes
        self.assertEqual(time_of_day.findtext("datatype"), "multivaluelist")
        self.assertEqual(time_of_day.findtext("required"), "false")
        self.assertEqual(time_of_day.findtext("variable"), "true")
        values = time_of_day.find("values")
        self.assertEqual({v.tag for v in values}, {"value"})
        self.assertTrue(all(v.findtext("key") and v.findtext("name") for v in values))

    def test_definition_without_questions_has_empty_attributes(self):
        data = self.body(self.get("v2/services/graffiti", "json"), "json", schema="service-definition")
        self.assertEqual(data, {"service_code": "graffiti", "attributes": []})
        tree = self.body(self.get("v2/services/graffiti", "xml"), "xml", root="service_definition")
        self.assertEqual(list(tree.find("attributes")), [])

    def test_unknown_or_group_code_is_404(self):
        for code in ("gibt-es-nicht", "abfall"):
            for fmt in FORMATS:
                self.assert_error(self.get(f"v2/services/{code}", fmt), fmt, 404, code)

    def test_404_in_english(self):
        text = self.assert_error(self.get("v2/services/nope", "json", data={"locale": "en"}), "json", 404)
        self.assertIn("There is no service", text)
