"""The simulator's REST responses validate against Twilio's OpenAPI description.

The OpenAPI Call schema declares no required fields, so every declared property is made
required and no other property is allowed: a response missing a field, or inventing one,
fails. OpenAPI 3.0 `nullable` is translated to JSON Schema's `null` type.
"""

from __future__ import annotations

import asyncio
import base64
import json
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest

from tests.integration.telephony.stack import ACCOUNT_SID, AUTH_TOKEN, CALLER_ID, telephony_stack

REPO_ROOT = Path(__file__).resolve().parents[3]
OPENAPI = REPO_ROOT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json"
CALLS = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
CALL = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"
CALL_SCHEMA = "api.v2010.account.call"


def _openapi_to_json_schema(node: Any, strict_objects: bool) -> Any:
    if isinstance(node, list):
        return [_openapi_to_json_schema(item, strict_objects) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _openapi_to_json_schema(value, strict_objects) for key, value in node.items()}
    if converted.pop("nullable", False) is True and "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    if strict_objects and converted.get("type") == "object" and "properties" in converted:
        converted.setdefault("required", sorted(converted["properties"]))
        converted.setdefault("additionalProperties", False)
    return converted


@cache
def _document() -> dict[str, Any]:
    raw = json.loads(OPENAPI.read_text(encoding="utf-8"))
    converted: dict[str, Any] = _openapi_to_json_schema(raw, strict_objects=True)
    return converted


def _is_rfc2822(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return parsed.tzinfo is not None and format_datetime(parsed) == value


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time-rfc-2822")(_is_rfc2822)


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    operation = _document()["paths"][path][method]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def validate(instance: Any, schema: dict[str, Any]) -> None:
    # The response schema sits at the root of the whole document, so its
    # "#/components/schemas/..." references resolve inside it.
    wrapped = {**_document(), **schema}
    validator = jsonschema.Draft202012Validator(wrapped, format_checker=FORMATS)
    validator.validate(instance)


def test_the_openapi_description_is_where_ci_expects_it() -> None:
    assert OPENAPI.is_file(), f"expected Twilio's OpenAPI file at {OPENAPI}"
    assert response_schema(CALL, "get", "200") == {"$ref": f"#/components/schemas/{CALL_SCHEMA}"}


def test_the_strict_schema_rejects_a_call_missing_a_field_or_with_an_extra_one() -> None:
    schema = response_schema(CALL, "get", "200")
    call: dict[str, Any] = {
        key: None for key in _document()["components"]["schemas"][CALL_SCHEMA]["properties"]
    }
    call["status"] = "queued"
    validate(call, schema)
    with pytest.raises(jsonschema.ValidationError):
        validate({k: v for k, v in call.items() if k != "queue_time"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        validate({**call, "invented": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        validate({**call, "sid": "CA123"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        validate({**call, "date_created": "2026-03-02T09:00:00Z"}, schema)


def _auth() -> dict[str, str]:
    token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_create_fetch_update_and_list_responses_follow_the_openapi_description() -> None:
    async with telephony_stack() as stack, aiohttp.ClientSession(headers=_auth()) as session:
        calls_url = f"{stack.simulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
        form = {
            "To": "+14155550123",
            "From": CALLER_ID,
            "Url": f"{stack.public_base_url}/telephony/twilio/answer?attempt=c-1",
            "StatusCallback": f"{stack.public_base_url}/telephony/twilio/status?attempt=c-1",
            "MachineDetection": "Enable",
            "AsyncAmd": "true",
        }
        async with session.post(calls_url, data=form) as response:
            assert response.status == 201
            created = await response.json()
        validate(created, response_schema(CALLS, "post", "201"))
        assert created["status"] == "queued"

        call_url = f"{stack.simulator_url}{created['uri']}"
        async with session.get(call_url) as response:
            assert response.status == 200
            validate(await response.json(), response_schema(CALL, "get", "200"))

        while stack.simulator.calls[created["sid"]].status != "in-progress":
            await asyncio.sleep(0.01)  # redirects apply to answered calls only
        async with session.post(
            call_url, data={"Twiml": "<Response><Hangup/></Response>"}
        ) as response:
            assert response.status == 200
            validate(await response.json(), response_schema(CALL, "post", "200"))

        await stack.settle()
        async with session.get(call_url) as response:
            ended = await response.json()
        validate(ended, response_schema(CALL, "get", "200"))
        assert ended["status"] == "completed"
        assert ended["duration"] is not None and ended["end_time"] is not None

        async with session.get(calls_url, params={"To": "+14155550123"}) as response:
            assert response.status == 200
            page = await response.json()
        validate(page, response_schema(CALLS, "get", "200"))
        assert [call["sid"] for call in page["calls"]] == [created["sid"]]


async def test_errors_use_twilios_error_shape() -> None:
    async with telephony_stack() as stack, aiohttp.ClientSession() as session:
        calls_url = f"{stack.simulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
        async with session.post(calls_url, data={"To": "+1"}) as response:
            assert response.status == 401
            body = await response.json()
        assert body == {
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }
        async with session.post(
            calls_url, data={"To": "12", "From": CALLER_ID, "Url": "http://x"}, headers=_auth()
        ) as response:
            assert response.status == 400
            body = await response.json()
        assert body["code"] == 21211 and body["status"] == 400
        assert set(body) == {"code", "message", "more_info", "status"}
        unknown = f"{stack.simulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA{'0' * 32}.json"
        async with session.get(unknown, headers=_auth()) as response:
            assert response.status == 404
            assert (await response.json())["code"] == 20404
