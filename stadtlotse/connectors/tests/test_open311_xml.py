"""A back end's Open311 XML answer cannot expand entities or read files, in whatever encoding it comes."""

import codecs
import tempfile
import time

from django.test import SimpleTestCase

from stadtlotse.connectors import open311_client

ANSWER = '<?xml version="1.0" encoding="{encoding}"?>{doctype}<service_requests><request>' \
         "<service_request_id>{value}</service_request_id></request></service_requests>"
BILLION_LAUGHS = "<!DOCTYPE service_requests [" + '<!ENTITY a0 "ha">' + "".join(
    f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>"

# Each encoding an XML parser detects by itself, with and without the byte-order mark.
ENCODINGS = {
    "UTF-8": ("UTF-8", b""),
    "UTF-8 with BOM": ("UTF-8", codecs.BOM_UTF8),
    "UTF-16 LE with BOM": ("UTF-16-LE", codecs.BOM_UTF16_LE),
    "UTF-16 BE with BOM": ("UTF-16-BE", codecs.BOM_UTF16_BE),
    "UTF-16 LE without BOM": ("UTF-16-LE", b""),
    "UTF-16 BE without BOM": ("UTF-16-BE", b""),
}


def answer(codec, bom, *, doctype="", value="4711"):
    # The declaration names UTF-16 for both byte orders, as a real UTF-16 document does.
    declared = "UTF-16" if codec.startswith("UTF-16") else codec
    return bom + ANSWER.format(encoding=declared, doctype=doctype, value=value).encode(codec)


class Open311XmlTests(SimpleTestCase):
    def test_a_plain_answer_is_read_in_every_encoding(self):
        for name, (codec, bom) in ENCODINGS.items():
            with self.subTest(name):
                self.assertEqual(open311_client.parse(answer(codec, bom), "xml"), [{"service_request_id": "4711"}])

    def test_billion_laughs_is_refused_in_every_encoding(self):
        for name, (codec, bom) in ENCODINGS.items():
            with self.subTest(name):
                started = time.monotonic()
                with self.assertRaisesMessage(ValueError, "XML with a DOCTYPE or entities is not accepted"):
                    open311_client.parse(answer(codec, bom, doctype=BILLION_LAUGHS, value="&a9;"), "xml")
                self.assertLess(time.monotonic() - started, 1)

    def test_an_external_entity_is_refused_in_every_encoding(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as secret:
            secret.write("geheim")
            secret.flush()
            doctype = f'<!DOCTYPE service_requests [<!ENTITY xxe SYSTEM "file://{secret.name}">]>'
            for name, (codec, bom) in ENCODINGS.items():
                with self.subTest(name):
                    with self.assertRaisesMessage(ValueError, "XML with a DOCTYPE or entities is not accepted"):
                        open311_client.parse(answer(codec, bom, doctype=doctype, value="&xxe;"), "xml")

    def test_an_external_dtd_alone_is_refused(self):
        doctype = '<!DOCTYPE service_requests SYSTEM "http://127.0.0.1:9/evil.dtd">'
        for name, (codec, bom) in ENCODINGS.items():
            with self.subTest(name):
                with self.assertRaisesMessage(ValueError, "XML with a DOCTYPE or entities is not accepted"):
                    open311_client.parse(answer(codec, bom, doctype=doctype), "xml")

    def test_malformed_xml_is_a_value_error(self):
        with self.assertRaisesMessage(ValueError, "malformed XML"):
            open311_client.parse(b"<service_requests><request>", "xml")
