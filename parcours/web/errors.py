"""One error shape: JSON `{"error": {code, message, details}}` for the API, a page for people."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from parcours.errors import ParcoursError
from parcours.web.responses import CORS_HEADERS

log = logging.getLogger("parcours.web")
JSON_PREFIXES = (
    "/api/",
    "/schema/",
    "/-/",
    "/openapi.json",
    "/media/",
    "/oembed",
    "/ogc/",
    "/iiif/",
    "/open-data/",
    "/vendor/",
    "/icons/",
)
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def error_response(
    request: Request, status: int, code: str, message: str, details: dict[str, object] | None = None
) -> Response:
    if wants_json(request):
        body = {"error": {"code": code, "message": message, "details": details or {}}}
        # Reads may be shown cross-origin; answers to writes never are.
        cors = CORS_HEADERS if request.method in ("GET", "HEAD", "OPTIONS") else {}
        return JSONResponse(body, status_code=status, headers={**cors, "cache-control": "no-store"})
    from parcours.web.pages import render_error

    return HTMLResponse(
        render_error(request, status, message, details or {}),
        status_code=status,
        headers={"cache-control": "no-store"},
    )


async def parcours_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParcoursError)
    response = error_response(request, exc.status, exc.code, exc.message, exc.details)
    if exc.status == 401:
        response.headers["www-authenticate"] = 'Bearer realm="parcours"'
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = "no such page or route" if exc.status_code == 404 else str(exc.detail)
    response = error_response(request, exc.status_code, code, message, {"path": request.url.path})
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path)
    return error_response(
        request, 500, "internal_error", "something went wrong on our side; it has been logged"
    )


HANDLERS = {ParcoursError: parcours_error, HTTPException: http_error, Exception: server_error}
