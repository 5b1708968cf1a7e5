"""The OpenAPI 3.1 document, generated from the declared routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from dialer import __version__
from dialer.http import INT64_MAX, PUBLIC, Routes, RouteSpec

_PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["title", "status"],
}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_schema(name: str, spec: RouteSpec) -> dict[str, Any]:
    """A path id is what `dialer.http.path_int` takes: a bigint of ASCII digits."""
    if name.endswith("_id") and name not in spec.path_text:
        return {"type": "integer", "minimum": 0, "maximum": INT64_MAX}
    return {"type": "string", "minLength": 1, "pattern": "^[^\\x00-\\x1f\\x7f]+$"}


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The field's own JSON schema, without pydantic's title."""
    return {key: value for key, value in schema.items() if key != "title"}


def build_openapi(routes: Routes) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": _PROBLEM}
    paths: dict[str, dict[str, Any]] = {}
    for spec in routes.specs:
        if not spec.api:
            continue
        path = re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", spec.path)
        operation: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": spec.handler.__name__,
            "x-roles": sorted(role.value for role in spec.roles) or ["public"],
            "responses": {
                "default": {
                    "description": "An error",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            },
        }
        if spec.roles != PUBLIC:
            operation["security"] = [{"bearer": []}, {"session": []}]
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _path_schema(name, spec)}
            for name in re.findall(r"\{(\w+)\}", path)
        ]
        if spec.query is not None:
            properties = spec.query.model_json_schema()["properties"]
            for name, field in spec.query.model_fields.items():
                parameters.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": field.is_required(),
                        "schema": _query_schema(properties[name]),
                    }
                )
        if parameters:
            operation["parameters"] = parameters
        if spec.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(spec.body, components)}},
            }
        for status in spec.statuses:
            ok: dict[str, Any] = {"description": "No content" if status == 204 else "OK"}
            if spec.response is not None and status != 204:
                ok["content"] = {"application/json": {"schema": _schema(spec.response, components)}}
            operation["responses"][str(status)] = ok
        paths.setdefault(path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Brokerage dialer API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "dialer_session"},
            },
        },
    }
