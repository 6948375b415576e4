"""OpenAPI 3.1 description of every route, generated from the route table itself.

Each route is declared once with its documentation (`Documented`), so a route cannot be
served without being described.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Mount

from parcours import __version__


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    location: str = "query"
    required: bool = False
    example: str | None = None


LANG = Param(
    "lang", "Response language (beats Accept-Language), e.g. fr, en, nl, de, pcd.", example="en"
)
ACCEPT_LANGUAGE = Param(
    "Accept-Language",
    "Preferred languages, used when lang is absent.",
    location="header",
    example="nl-BE,nl;q=0.9",
)


@dataclass(frozen=True)
class Documented:
    """A route and what OpenAPI says of it."""

    route: BaseRoute
    summary: str
    tag: str
    params: Sequence[Param] = ()
    media_type: str = "application/json"
    responses: dict[str, str] = field(default_factory=dict)
    methods: Sequence[str] = ("get",)
    #: Writes: the media type of the request body, and the permission the caller needs.
    body: str | None = None
    permission: str | None = None

    @property
    def path(self) -> str:
        path = re.sub(r":\w+\}", "}", str(getattr(self.route, "path", "")))
        return path + "/{path}" if isinstance(self.route, Mount) else path


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}


def openapi_document(routes: Sequence[Documented]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for doc in routes:
        path = doc.path.replace(":path}", "}")
        parameters = []
        for name in _path_params(path):
            parameters.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        for param in doc.params:
            entry: dict[str, Any] = {
                "name": param.name,
                "in": param.location,
                "required": param.required,
                "description": param.description,
                "schema": param.schema,
            }
            if param.example is not None:
                entry["example"] = param.example
            parameters.append(entry)
        responses: dict[str, Any] = {
            "200": {"description": "OK", "content": {doc.media_type: {"schema": {}}}},
        }
        if doc.media_type.endswith("json"):
            responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
        for status, description in doc.responses.items():
            content_type = "text/html" if doc.media_type == "text/html" else "application/json"
            schema = _ERROR_SCHEMA if content_type == "application/json" else {"type": "string"}
            responses[status] = {
                "description": description,
                "content": {content_type: {"schema": schema}},
            }
        operation: dict[str, Any] = {
            "summary": doc.summary,
            "tags": [doc.tag],
            "parameters": parameters,
            "responses": responses,
            "operationId": doc.tag
            + "_"
            + "_".join(p.strip("{}") for p in path.strip("/").split("/") if p)
            or "root",
        }
        if doc.permission:
            operation["security"] = [{"bearer": []}]
            operation["description"] = f"Needs a token with the '{doc.permission}' permission."
            for status, description in (("401", "No valid token."), ("403", "Wrong role.")):
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": _ERROR_SCHEMA}},
                    },
                )
        if doc.body:
            operation["requestBody"] = {
                "required": True,
                "content": {doc.body: {"schema": {"type": "object"}}},
            }
        paths.setdefault(path, {})
        for method in doc.methods:
            paths[path][method] = (
                operation
                if method == "get"
                else {**operation, "operationId": f"{operation['operationId']}_{method}"}
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "parcours",
            "version": __version__,
            "description": "3D heritage tours and trails of the UNESCO mining basin sites of "
            'La Porte du Hainaut. Errors share one shape: {"error": {"code", "message", '
            '"details"}}.',
            "license": {"name": "MIT (code); Licence Ouverte 2.0 (element data)"},
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `parcours users add NAME --role ROLE`.",
                }
            },
        },
    }


def _path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)(?::\w+)?\}", path)
