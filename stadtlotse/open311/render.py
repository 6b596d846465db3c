"""GeoReport v2 output: one shape of data, rendered as JSON or as the spec's XML.

Views build plain Python data (lists, dicts, strings, numbers, booleans, None) in the JSON shape.
The XML follows from it by the spec's conversion rule read backwards: a list becomes a wrapper
element whose children are all named alike (`services/service`, `attributes/attribute`), a dict
becomes an element with one child per key.
"""

import json
import re
from io import StringIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The element name for the items of a nested list, by the list's own element name.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "status_notes": "status_note",
    "media_urls": "media_url",
}


def render(data, fmt, root, item=None, *, status=200):
    """The response for `data` in `fmt` ("json" or "xml"); XML under `root`, list entries as `item`."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        body = to_xml(data, root, item)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)
    return response


def to_xml(data, root, item=None):
    out = StringIO()
    xml = SimplerXMLGenerator(out, encoding="UTF-8")
    xml.startDocument()
    _element(xml, root, data, item)
    xml.endDocument()
    return out.getvalue()


def _element(xml, name, value, item=None):
    if isinstance(value, dict):
        xml.startElement(name, {})
        for key, child in value.items():
            _element(xml, key, child)
        xml.endElement(name)
    elif isinstance(value, (list, tuple)):
        xml.startElement(name, {})
        for child in value:
            _element(xml, item or ITEM_NAMES.get(name, "item"), child)
        xml.endElement(name)
    else:
        xml.addQuickElement(name, _text(value))


# Characters XML 1.0 cannot carry at all; they can only come from echoed client input.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("\ufffd", str(value))


def datetime_value(value):
    """W3C datetime with the offset of the city's time zone, e.g. 2026-03-01T14:30:00+01:00; None stays None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def errors(fmt, status, messages):
    """An Open311 error list: `messages` is a list of descriptions, all with the HTTP status as code."""
    data = [{"code": status, "description": str(message)} for message in messages]
    return render(data, fmt, "errors", "error", status=status)
