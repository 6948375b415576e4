"""System routes under /-/ (never clash with curator-chosen slugs) and the OpenAPI document."""

from __future__ import annotations

import platform
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours import __version__
from parcours.web.openapi import Documented
from parcours.web.responses import represent
from parcours.web.state import snapshot_of

STARTED = time.time()


async def health(request: Request) -> Response:
    snapshot = snapshot_of(request)
    return JSONResponse(
        {
            "status": "ok",
            "revision": snapshot.revision,
            "sites": len(snapshot.sites),
            "uptime_s": round(time.time() - STARTED, 1),
        },
        headers={"cache-control": "no-store"},
    )


async def version(request: Request) -> Response:
    snapshot = snapshot_of(request)
    return JSONResponse(
        {
            "parcours": __version__,
            "python": platform.python_version(),
            "revision": snapshot.revision,
            "languages": list(snapshot.languages),
        },
        headers={"cache-control": "no-store"},
    )


async def openapi(request: Request) -> Response:
    return represent(request, request.app.state.openapi)


ROUTES = [
    Documented(
        Route("/-/health", health, methods=["GET", "HEAD"]),
        "Liveness: the snapshot being served",
        "system",
    ),
    Documented(Route("/-/version", version), "Versions of parcours and of the content", "system"),
    Documented(
        Route("/openapi.json", openapi),
        "This OpenAPI document",
        "system",
        media_type="application/vnd.oai.openapi+json;version=3.1",
    ),
]
