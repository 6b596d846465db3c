"""POST Service Request: keys, the way into intake, and bad input that stores nothing."""

from urllib.parse import parse_qsl, urlencode

from django.test import Client

from stadtlotse.accounts.models import ApiKey
from stadtlotse.testing.cases import ALEXANDERPLATZ, HAMBURG, HERMANNPLATZ
from stadtlotse.tickets.models import Contact, Event, Ticket

from .base import DATA, FORMATS, Open311TestCase

FORM = "application/x-www-form-urlencoded; charset=utf-8"


class PostRequestTests(Open311TestCase):
    def params(self, **overrides):
        values = {
            "api_key": self.plain_key,
            "service_code": "abfall-sperrmuell",
            "lat": str(HERMANNPLATZ[0]),
            "long": str(HERMANNPLATZ[1]),
            "description": "Ein altes Sofa und zwei Matratzen am Gehweg.",
            "attribute[menge]": "mittel",
        }
        values.update(overrides)
        return {key: value for key, value in values.items() if value is not None}

    def post(self, fmt, params, **kwargs):
        body = params if isinstance(params, (bytes, str)) else urlencode(params, doseq=True)
        return self.client.post(f"/open311/v2/requests.{fmt}", body, content_type=FORM, **kwargs)

    def assert_refused(self, fmt, params, status, *fragments, **kwargs):
        """The POST is answered with an error naming the fragments, and nothing is stored."""
        before = (Ticket.objects.count(), Contact.objects.count(), Event.objects.count())
        text = self.assert_error(self.post(fmt, params, **kwargs), fmt, status, *fragments)
        self.assertEqual((Ticket.objects.count(), Contact.objects.count(), Event.objects.count()), before)
        return text

    def test_post_json_creates_a_ticket_through_intake(self):
        response = self.post("json", self.params(email="rita@example.org", first_name="Rita",
                                                 last_name="Anwohnerin", phone="030 123456"))
        self.assertEqual(response.status_code, 201, response.content)
        [result] = self.body(response, "json")
        self.assertEqual(set(result), {"service_request_id", "service_notice", "account_id"})
        ticket = Ticket.objects.get()
        self.assertEqual(result["service_request_id"], ticket.public_id)
        self.assertEqual(ticket.channel, Ticket.Channel.APP)
        self.assertEqual(ticket.category.service_code, "abfall-sperrmuell")
        self.assertEqual(ticket.attributes, {"menge": "mittel"})
        self.assertEqual((ticket.lat, ticket.lon), HERMANNPLATZ)
        self.assertEqual(ticket.area.name, "Neukölln")
        self.assertEqual((ticket.contact.name, ticket.contact.email, ticket.contact.phone),
                         ("Rita Anwohnerin", "rita@example.org", "030 123456"))
        self.assertIs(ticket.contact.wants_feedback, True)
        # A direct category goes straight to the department chosen by the routing rules.
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(ticket.department, self.waste)
        self.assertIn("Abfallwirtschaft", result["service_notice"])
        self.assertIsNone(result["account_id"])

    def test_post_xml(self):
        response = self.post("xml", self.params(locale="en"))
        self.assertEqual(response.status_code, 201, response.content)
        tree = self.body(response, "xml", root="service_requests", item="request")
        ticket = Ticket.objects.get()
        self.assertEqual(tree.findtext("request/service_request_id"), ticket.public_id)
        self.assertEqual(tree.findtext("request/token"), None)
        self.assertIn("Waste management", tree.findtext("request/service_notice"))
        self.assertEqual(ticket.language, "en")

    def test_desk_category_waits_for_the_desk(self):
        answers = {"attribute[menge]": None, "attribute[tageszeit][]": ["abends", "nachts"]}
        response = self.post("json", self.params(service_code="sicherheit-angstraum", **answers))
        self.assertEqual(response.status_code, 201, response.content)
        ticket = Ticket.objects.get()
        self.assertEqual((ticket.status, ticket.department), (Ticket.Status.NEW, None))
        self.assertEqual(ticket.attributes, {"tageszeit": ["abends", "nachts"]})

    def test_address_only(self):
        response = self.post("json", self.params(lat=None, long=None, address_string="Hermannplatz 5, 12051 Berlin"))
        self.assertEqual(response.status_code, 201, response.content)
        ticket = Ticket.objects.get()
        self.assertEqual((ticket.address, ticket.lat), ("Hermannplatz 5, 12051 Berlin", None))

    def test_no_csrf_token_needed(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/open311/v2/requests.json", urlencode(self.params()), content_type=FORM)
        self.assertEqual(response.status_code, 201, response.content)

    def test_spec_example_through_our_input_side(self):
        raw = (DATA / "post_request.http").read_text(encoding="utf-8")
        head, body = raw.split("\n\n", 1)
        self.assertIn("application/x-www-form-urlencoded", head)
        params = dict(parse_qsl(body.strip(), keep_blank_values=True))
        self.assertEqual(params["attribute[WHISPAWN]"], "123456")
        # As sent: the key is not ours.
        for fmt in FORMATS:
            self.assert_refused(fmt, body.strip(), 403, "api_key")
        # With our key, service 001 does not exist here: 404 per the spec.
        params["api_key"] = self.plain_key
        for fmt in FORMATS:
            self.assert_refused(fmt, params, 404, "001")
        # Our service code, but the example's attributes are not its questions.
        params["service_code"] = "abfall-ablagerung"
        for fmt in FORMATS:
            self.assert_refused(fmt, params, 400, "attribute[WHISPAWN]", "attribute[WHISDORN]")
        # San Francisco lies outside Berlin.
        del params["attribute[WHISPAWN]"], params["attribute[WHISDORN]"]
        for fmt in FORMATS:
            self.assert_refused(fmt, params, 400, "lat/long")
        # In Berlin the rest of the example is accepted: contact data, device and account ids, media_url.
        params["lat"], params["long"] = map(str, ALEXANDERPLATZ)
        response = self.post("json", params)
        self.assertEqual(response.status_code, 201, response.content)
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.description, "A large sinkhole is destroying the street")
        self.assertEqual(ticket.address, "1234 5th street")
        self.assertEqual((ticket.contact.name, ticket.contact.email, ticket.contact.phone),
                         ("john smith", "smit333@sfgov.edu", "111111111"))

    def test_missing_or_invalid_key_is_403(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(api_key=None), 403, "api_key")
            self.assert_refused(fmt, self.params(api_key="falsch"), 403, "api_key")

    def test_inactive_key_is_403(self):
        ApiKey.objects.filter(pk=self.app_key.pk).update(is_active=False)
        self.assert_refused("json", self.params(), 403)

    def test_key_given_twice_with_different_values_is_400(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(api_key=[self.plain_key, "anderer"]), 400, "api_key")
        # The same value twice is harmless.
        self.assertEqual(self.post("json", self.params(api_key=[self.plain_key, self.plain_key])).status_code, 201)

    def test_missing_service_code_is_400(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(service_code=None), 400, "service_code")

    def test_category_with_stopper_is_400_on_service_code(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(service_code="notfall", **{"attribute[menge]": None}), 400,
                                "service_code: ")

    def test_bad_coordinates_name_the_field(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(lat="Hermannplatz"), 400, "lat: ")
            self.assert_refused(fmt, self.params(long="13,4247"), 400, "long: ")
            self.assert_refused(fmt, self.params(lat="95.0"), 400, "lat: ")
            self.assert_refused(fmt, self.params(lat="nan"), 400, "lat: ")
            self.assert_refused(fmt, self.params(long=None), 400, "long: ")
            self.assert_refused(fmt, self.params(lat=None, long=None), 400, "lat: ")
            # Swapped, as some real systems send them.
            text = self.assert_refused(fmt, self.params(lat=str(HERMANNPLATZ[1]), long=str(HERMANNPLATZ[0])),
                                       400, "lat: ")
            self.assertIn("vertauscht", text)

    def test_outside_the_city_is_400(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(lat=str(HAMBURG[0]), long=str(HAMBURG[1])), 400, "lat/long: ")

    def test_attribute_errors_name_the_attribute(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(**{"attribute[menge]": None}), 400, "attribute[menge]")
            self.assert_refused(fmt, self.params(**{"attribute[menge]": "riesig"}), 400, "attribute[menge]")
            self.assert_refused(fmt, self.params(**{"attribute[farbe]": "rot"}), 400, "attribute[farbe]")
            self.assert_refused(fmt, self.params(**{"attribute[menge][]": ["klein", "gross"]}), 400,
                                "attribute[menge]")
            self.assert_refused(fmt, self.params(**{"attribute[menge]": ["klein", "gross"]}), 400,
                                "attribute[menge]")
            self.assert_refused(fmt, self.params(**{"attribute[menge][x]": "klein"}), 400, "attribute[menge][x]")

    def test_multivaluelist_with_an_unknown_key_is_400(self):
        params = self.params(service_code="sicherheit-angstraum", **{"attribute[menge]": None,
                                                                     "attribute[tageszeit][]": ["abends", "mittags?"]})
        self.assert_refused("json", params, 400, "attribute[tageszeit]")

    def test_description_and_contact_errors(self):
        for fmt in FORMATS:
            self.assert_refused(fmt, self.params(description="kurz"), 400, "description: ")
            self.assert_refused(fmt, self.params(description=None), 400, "description: ")
            self.assert_refused(fmt, self.params(email="keine-adresse"), 400, "email: ")
            self.assert_refused(fmt, self.params(phone="call me"), 400, "phone: ")
            self.assert_refused(fmt, self.params(address_string="Hermannplatz " * 30), 400, "address_string: ")
            self.assert_refused(fmt, self.params(description="Sofa\x00 am Gehweg, seit Tagen."), 400,
                                "description: ")

    def test_several_errors_at_once(self):
        text = self.assert_refused("json", self.params(description="kurz", **{"attribute[menge]": None}), 400)
        self.assertIn("description: ", text)
        self.assertIn("attribute[menge]", text)

    def test_invalid_utf8_is_400(self):
        body = urlencode(self.params()).encode().replace(b"description=Ein", b"description=Ein%FF%FE")
        for fmt in FORMATS:
            self.assert_refused(fmt, body, 400, "description")

    def test_errors_in_german_by_default_and_english_on_request(self):
        from django.utils import translation

        with translation.override("de"):
            german = translation.gettext("This is not a coordinate on Earth (WGS84).")
        english = self.assert_refused("json", self.params(lat="95", locale="en"), 400)
        self.assertIn("This is not a coordinate on Earth", english)
        self.assertIn(german, self.assert_refused("json", self.params(lat="95"), 400))
        self.assertIn("This is not a coordinate on Earth",
                      self.assert_refused("json", self.params(lat="95"), 400, HTTP_ACCEPT_LANGUAGE="en"))

    def test_get_with_a_wrong_method_is_405(self):
        for fmt in FORMATS:
            response = self.client.put(f"/open311/v2/requests.{fmt}", urlencode(self.params()), content_type=FORM)
            self.assert_error(response, fmt, 405)
            self.assertEqual(Ticket.objects.count(), 0)
