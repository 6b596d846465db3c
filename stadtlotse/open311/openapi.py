"""The OpenAPI 3.0 description of the Open311 endpoints, served at /open311/v2/openapi.json.

Built from the same catalog the endpoints read, so `service_code` lists the real codes and a
fuzzer (the test suite runs schemathesis against it) reaches past the first validation step.
"""

from django.conf import settings

from stadtlotse.catalog.models import Category

from .forms import MAX_PAGE_SIZE, MAX_UPDATE_TEXT
from .updates import INCOMING_STATUS

V2 = "/open311/v2"
FORMAT = {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]},
          "description": "Response format."}


def _query(name, description, schema=None, required=False):
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _path(name, description):
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/.]+$"}}


COMMON = [_query("jurisdiction_id", "Checked when the server is configured with one."),
          _query("locale", "de (default) or en.", {"type": "string", "enum": ["de", "en"]})]
DATETIME = {"type": "string", "format": "date-time"}


def _responses(ok_status, schema_ref, *errors):
    responses = {
        str(ok_status): {
            "description": "Success",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}},
                        "text/xml": {"schema": {"type": "string"}}},
        },
        # Any request: 400 for an address with a null character, 429 over the rate (core/limits.py, ratelimit).
        "400": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
    }
    for status in errors:
        responses[str(status)] = {"$ref": "#/components/responses/Error"}
    return responses


def _form(properties, required):
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": True}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema},
                                          "multipart/form-data": {"schema": schema}}}


def _string_or_null():
    return {"type": "string", "nullable": True}


def build():
    codes = list(Category.objects.reportable().exclude(service_code="").values_list("service_code", flat=True))
    service_code = {"type": "string", "enum": codes} if codes else {"type": "string"}
    request_object = {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _string_or_null(),
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": _string_or_null(),
            "agency_responsible": _string_or_null(),
            "service_notice": _string_or_null(),
            "requested_datetime": DATETIME,
            "updated_datetime": {**DATETIME, "nullable": True},
            "expected_datetime": {**DATETIME, "nullable": True},
            "address": _string_or_null(),
            "address_id": _string_or_null(),
            "zipcode": _string_or_null(),
            "lat": {"type": "number", "nullable": True},
            "long": {"type": "number", "nullable": True},
            "media_url": _string_or_null(),
            "extended_attributes": {"type": "object"},
        },
    }
    schemas = {
        "Error": {"type": "array", "items": {
            "type": "object", "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}},
        "Discovery": {"type": "object", "required": ["changeset", "endpoints"], "properties": {
            "changeset": DATETIME, "contact": {"type": "string"}, "key_service": {"type": "string"},
            "endpoints": {"type": "array", "items": {"type": "object"}}}},
        "Services": {"type": "array", "items": {"type": "object", "required": ["service_code", "service_name"],
                                                "properties": {"service_code": {"type": "string"},
                                                               "service_name": {"type": "string"},
                                                               "metadata": {"type": "boolean"},
                                                               "type": {"type": "string"},
                                                               "keywords": {"type": "string"},
                                                               "group": {"type": "string"}}}},
        "ServiceDefinition": {"type": "object", "required": ["service_code", "attributes"], "properties": {
            "service_code": {"type": "string"}, "attributes": {"type": "array", "items": {"type": "object"}}}},
        "Requests": {"type": "array", "items": request_object},
        "Created": {"type": "array", "items": {"type": "object", "required": ["service_request_id"], "properties": {
            "service_request_id": {"type": "string"}, "service_notice": _string_or_null(),
            "account_id": _string_or_null()}}},
        "Tokens": {"type": "array", "items": {"type": "object", "properties": {
            "service_request_id": {"type": "string"}, "token": {"type": "string"}}}},
        "Updates": {"type": "array", "items": {"type": "object", "required": [
            "update_id", "service_request_id", "status", "updated_datetime", "description"], "properties": {
            "update_id": {"type": "string"}, "service_request_id": {"type": "string"},
            "status": {"type": "string"}, "updated_datetime": DATETIME, "description": {"type": "string"},
            "media_url": {"type": "string"}, "external_status_code": _string_or_null()}}},
        "UpdateCreated": {"type": "array", "items": {"type": "object", "required": ["update_id"], "properties": {
            "update_id": {"type": "string"}, "account_id": _string_or_null()}}},
    }
    page = [_query("page", "Page number (extension).", {"type": "integer", "minimum": 1}),
            _query("page_size", f"Results per page, at most {MAX_PAGE_SIZE} (extension).",
                   {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})]
    window = [_query("start_date", "W3C datetime with time zone.", DATETIME),
              _query("end_date", "W3C datetime with time zone.", DATETIME)]
    number = {"type": "number"}
    paths = {
        "/open311/discovery.{format}": {"get": {
            "summary": "Service discovery", "parameters": [FORMAT],
            "responses": _responses(200, "Discovery")}},
        V2 + "/services.{format}": {"get": {
            "summary": "Service list", "parameters": [FORMAT, *COMMON],
            "responses": _responses(200, "Services", 404)}},
        V2 + "/services/{service_code}.{format}": {"get": {
            "summary": "Service definition (the category's extra questions)",
            "parameters": [FORMAT, _path("service_code", "The service code."), *COMMON],
            "responses": _responses(200, "ServiceDefinition", 404)}},
        V2 + "/requests.{format}": {
            "get": {
                "summary": "Published requests (never contact data)",
                "parameters": [FORMAT, *COMMON,
                               _query("service_request_id", "Comma-separated ids; overrides other filters."),
                               _query("service_code", "Comma-separated service codes."), *window,
                               _query("status", "open, closed or both.", {"type": "string",
                                                                          "enum": ["open", "closed", "open,closed"]}),
                               _query("updated_after", "Extension.", DATETIME),
                               _query("updated_before", "Extension.", DATETIME),
                               _query("extensions", "true adds extended_attributes.",
                                      {"type": "string", "enum": ["true", "false"]}), *page],
                "responses": _responses(200, "Requests", 400, 404)},
            "post": {
                "summary": "Submit a report",
                "parameters": [FORMAT],
                "requestBody": _form({
                    "api_key": {"type": "string"}, "service_code": service_code,
                    "jurisdiction_id": {"type": "string"},
                    "lat": {**number, "minimum": -90, "maximum": 90},
                    "long": {**number, "minimum": -180, "maximum": 180},
                    "address_string": {"type": "string"}, "address_id": {"type": "string"},
                    "email": {"type": "string"}, "first_name": {"type": "string"},
                    "last_name": {"type": "string"}, "phone": {"type": "string"},
                    "description": {"type": "string"}, "device_id": {"type": "string"},
                    "account_id": {"type": "string"}, "media_url": {"type": "string"},
                    "locale": {"type": "string"},
                }, ["api_key", "service_code"]),
                "responses": _responses(201, "Created", 400, 403, 404)},
        },
        V2 + "/requests/{service_request_id}.{format}": {"get": {
            "summary": "One published request",
            "parameters": [FORMAT, _path("service_request_id", "The ticket id, e.g. SL-2026-0042."), *COMMON,
                           _query("extensions", "true adds extended_attributes.",
                                  {"type": "string", "enum": ["true", "false"]})],
            "responses": _responses(200, "Requests", 404)}},
        V2 + "/tokens/{token}.{format}": {"get": {
            "summary": "A request id by token (the token is the id here)",
            "parameters": [FORMAT, _path("token", "The token."), *COMMON],
            "responses": _responses(200, "Tokens", 404)}},
        V2 + "/servicerequestupdates.{format}": {
            "get": {
                "summary": "Public status changes (mySociety extension)",
                "parameters": [FORMAT, *COMMON, _query("api_key", "Optional; checked when sent."),
                               _query("service_request_id", "Comma-separated ids (extension)."), *window, *page],
                "responses": _responses(200, "Updates", 400, 403)},
            "post": {
                "summary": "A city system reports a status change or a comment",
                "parameters": [FORMAT],
                "requestBody": _form({
                    "api_key": {"type": "string"}, "service_request_id": {"type": "string"},
                    "update_id": {"type": "string"}, "status": {"type": "string", "enum": list(INCOMING_STATUS)},
                    "updated_datetime": DATETIME, "description": {"type": "string", "maxLength": MAX_UPDATE_TEXT},
                    "jurisdiction_id": {"type": "string"}, "media_url": {"type": "string"},
                }, ["api_key", "service_request_id", "update_id", "status", "updated_datetime"]),
                "responses": _responses(201, "UpdateCreated", 400, 403, 404)},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"Stadtlotse Open311 GeoReport v2 – {settings.STADTLOTSE['CITY_NAME']}",
            "version": "2",
            "description": "GeoReport v2 with the extensions real clients use: page/page_size, "
                           "updated_after/updated_before, extensions=true, and mySociety's servicerequestupdates. "
                           "Every endpoint answers in JSON or XML by its suffix. Errors are an Open311 error list.",
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Error": {"description": "An Open311 error list", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                "text/xml": {"schema": {"type": "string"}}}}},
        },
    }
