"""create_app(settings): the Starlette application over a validated snapshot."""

from __future__ import annotations

import contextlib
import gc
import mimetypes
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from parcours.representation import json_representation
from parcours.settings import Settings, settings_from_env
from parcours.snapshot import Snapshot, build_snapshot
from parcours.web import (
    accel,
    admin,
    api,
    app_shell,
    asset_pages,
    assets,
    curation,
    embed,
    iiif,
    media,
    metrics,
    oembed,
    ogc,
    opendata,
    pages,
    preview,
    system,
    trail_pages,
    trails,
    translations,
    uploads,
    vendor,
    watch,
)
from parcours.web.admin_auth import AdminSession
from parcours.web.errors import HANDLERS
from parcours.web.fastlane import FastLane
from parcours.web.framing import FrameHeaders, FramingPolicy
from parcours.web.lanes import Lanes
from parcours.web.openapi import Documented, openapi_document
from parcours.web.state import SnapshotHolder

# The stdlib table lacks these without /etc/mime.types (see STANDARDS.md).
for _type, _ext in (
    ("model/gltf-binary", ".glb"),
    ("model/gltf+json", ".gltf"),
    ("model/vnd.usdz+zip", ".usdz"),
    ("image/ktx2", ".ktx2"),
    ("application/geo+json", ".geojson"),
    ("text/vtt", ".vtt"),
):
    mimetypes.add_type(_type, _ext)


class Preflight:
    """Answers CORS preflight for the read-only API; everything else passes straight through."""

    PREFIXES = (
        "/api/",
        "/schema/",
        "/openapi.json",
        "/media/",
        "/ogc",
        "/oembed",
        "/iiif/",
        "/open-data/",
        "/vendor/",
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and scope["path"].startswith(self.PREFIXES)
        ):
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                        (b"access-control-allow-headers", b"Accept-Language, If-None-Match, Range"),
                        (b"access-control-max-age", b"86400"),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class Application(Starlette):
    """Starlette, with the lanes (lanes.py) in front of its whole middleware stack."""

    lanes: Lanes | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if self.lanes is None:
            return stack
        self.lanes.app = stack
        return self.lanes


def documented_routes() -> list[Documented]:
    return [
        *system.ROUTES,
        *api.ROUTES,
        *curation.ROUTES,
        *translations.ROUTES,
        *uploads.ROUTES,
        *admin.ROUTES,
        *assets.ROUTES,
        *trails.ROUTES,
        *media.ROUTES,
        *pages.ROUTES,
        *trail_pages.ROUTES,
        *asset_pages.ROUTES,
        *embed.ROUTES,
        *oembed.ROUTES,
        *iiif.ROUTES,
        *opendata.ROUTES,
        *ogc.ROUTES,
        *app_shell.ROUTES,
        *vendor.ROUTES,
        *watch.ROUTES,
        *preview.ROUTES,
        *metrics.ROUTES,
    ]


def create_app(
    settings: Settings | None = None, snapshot: Snapshot | None = None, *, fast_lane: bool = True
) -> Starlette:
    """The application; builds the snapshot unless one is given (raises if invalid).

    `fast_lane=False` serves the API through the Starlette routes (tests compare both).
    """
    settings = settings or settings_from_env()
    snapshot = snapshot or build_snapshot(settings)
    routes = documented_routes()
    holder = SnapshotHolder(settings, snapshot)
    reload_state = watch.ReloadState()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with watch.watching(holder, reload_state, settings.watch):
            yield

    app = Application(
        routes=[doc.route for doc in routes], exception_handlers=HANDLERS, lifespan=lifespan
    )
    app.state.holder = holder
    app.state.reload = reload_state
    app.state.openapi = json_representation(
        openapi_document(routes), None, "application/vnd.oai.openapi+json;version=3.1"
    )
    app.state.documented = routes
    app.state.static = app_shell.load_static()
    app.state.vendor = vendor.load_vendor(settings.node_modules)
    app.add_middleware(Preflight)
    # Curators' session cookie for /admin and /api (inside the framing policy).
    app.add_middleware(AdminSession, holder=holder)
    policy = FramingPolicy(settings.embed_origins, settings.tile_url)
    app.add_middleware(FrameHeaders, policy=policy)
    app.state.metrics = metrics.Metrics()
    app.add_middleware(metrics.CountRequests, metrics=app.state.metrics)
    # Hot reads (site JSON, /media/) are answered before all of the above, with its headers.
    fast = FastLane(holder) if fast_lane else None
    app.lanes = Lanes(app, fast, accel.MediaLane(holder), policy, app.state.metrics)
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and reload mode: settings come from PARCOURS_*."""
    app = create_app(settings_from_env())
    gc.freeze()  # as `serve` does: the snapshot never changes, the collector need not walk it
    return app
