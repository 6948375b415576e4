"""Built media (variants, posters, USDZ) at URLs containing their content hash.

Immutable, so cached for a year by browsers and CDNs; strong ETag = the hash; 304 before the
disk is touched; byte ranges (206, 416) and HEAD through Starlette's FileResponse; readable
cross-origin. Only blobs of the current manifest are served, and a name that is not a hash
never becomes a path, so nothing outside the store can be reached.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from parcours.blobs import BLOB_NAME, LocalBlobStore
from parcours.errors import NotFound
from parcours.web.openapi import Documented
from parcours.web.responses import etag_matches
from parcours.web.state import snapshot_of

IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {
    "glb": "model/gltf-binary",
    "gltf": "model/gltf+json",
    "bin": "application/octet-stream",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "ktx2": "image/ktx2",
    "usdz": "model/vnd.usdz+zip",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "vtt": "text/vtt; charset=utf-8",
    "zip": "application/zip",
}
MEDIA_HEADERS = {
    "cache-control": IMMUTABLE,
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "ETag, Content-Range, Accept-Ranges, Content-Length",
    "x-content-type-options": "nosniff",
}


async def media(request: Request) -> Response:
    snapshot = snapshot_of(request)
    name = request.path_params["name"]
    match = BLOB_NAME.match(name)
    store = LocalBlobStore(snapshot.settings.build_path / "blobs")
    path = store.path_for(name) if match and name in snapshot.media_blobs else None
    if path is None or not path.is_file() or match is None:
        raise NotFound("media", name[:80])
    headers = {**MEDIA_HEADERS, "etag": f'"{match.group(1)}"'}
    inm = request.headers.get("if-none-match")
    if inm and etag_matches(inm, headers["etag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(match.group(2), "application/octet-stream"),
        headers=headers,
    )


ROUTES = [
    Documented(
        Route("/media/{name}", media, methods=["GET", "HEAD"]),
        "A built file (model variant, poster, USDZ), named by its SHA-256",
        "media",
        media_type="model/gltf-binary",
        responses={
            "404": "No such file in the current build.",
            "206": "Partial content (Range).",
            "416": "Range not satisfiable.",
        },
    ),
]
