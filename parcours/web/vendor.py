"""Browser libraries installed by npm, served by parcours itself: no CDN at run time.

Only the files named in VENDOR_FILES are served, read once into memory with their ETag, so a
phone on a site's weak network fetches them from the same origin as the page (and the service
worker can keep them for offline use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.representation import Representation
from parcours.web.openapi import Documented
from parcours.web.responses import represent

#: Public name -> (path under node_modules, media type, npm package whose licence applies).
VENDOR_FILES: dict[str, tuple[str, str, str]] = {
    "model-viewer.min.js": (
        "@google/model-viewer/dist/model-viewer.min.js",
        "text/javascript; charset=utf-8",
        "@google/model-viewer",
    ),
    "leaflet.js": ("leaflet/dist/leaflet.js", "text/javascript; charset=utf-8", "leaflet"),
    "leaflet.css": ("leaflet/dist/leaflet.css", "text/css; charset=utf-8", "leaflet"),
    "meshopt_decoder.js": (
        "meshoptimizer/meshopt_decoder.cjs",
        "text/javascript; charset=utf-8",
        "meshoptimizer",
    ),
    "draco/draco_wasm_wrapper.js": (
        "three/examples/jsm/libs/draco/gltf/draco_wasm_wrapper.js",
        "text/javascript; charset=utf-8",
        "three",
    ),
    "draco/draco_decoder.wasm": (
        "three/examples/jsm/libs/draco/gltf/draco_decoder.wasm",
        "application/wasm",
        "three",
    ),
    "draco/draco_decoder.js": (
        "three/examples/jsm/libs/draco/gltf/draco_decoder.js",
        "text/javascript; charset=utf-8",
        "three",
    ),
}
#: Files the pages cannot do without when present (the service worker keeps them).
VIEWER_FILES = (
    "model-viewer.min.js",
    "meshopt_decoder.js",
    "draco/draco_wasm_wrapper.js",
    "draco/draco_decoder.wasm",
)
MAP_FILES = ("leaflet.js", "leaflet.css")


@dataclass
class VendorFiles:
    """The browser libraries found on disk; `missing` names those npm has not installed."""

    files: dict[str, Representation] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return all(name in self.files for name in names)


def load_vendor(node_modules: Path) -> VendorFiles:
    found = VendorFiles()
    for name, (relative, media_type, _package) in VENDOR_FILES.items():
        path = node_modules / relative
        if path.is_file():
            found.files[name] = Representation(path.read_bytes(), media_type, None, ())
        else:
            found.missing.append(name)
    return found


async def vendor_file(request: Request) -> Response:
    name = request.path_params["name"]
    vendor: VendorFiles = request.app.state.vendor
    rep = vendor.files.get(name)
    if rep is None:
        raise NotFound("file", name[:100], [])
    return represent(request, rep, cache_control="public, max-age=86400")


ROUTES = [
    Documented(
        Route("/vendor/{name:path}", vendor_file),
        "Browser libraries (model-viewer, Leaflet, mesh decoders) installed by npm",
        "static",
        media_type="text/javascript",
        responses={"404": "Not one of the served libraries."},
    ),
]
