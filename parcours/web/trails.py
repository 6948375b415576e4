"""API of the trails: lists, documents, GeoJSON, progress on the ground, offline packs."""

from __future__ import annotations

import difflib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.packs import BuiltPack, PackFile, ensure_pack, pack_files
from parcours.snapshot import Snapshot
from parcours.trail_progress import parse_position, progress
from parcours.web.api import single_params
from parcours.web.language import request_language
from parcours.web.media import MEDIA_HEADERS
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.responses import CORS_HEADERS, etag_matches, represent
from parcours.web.state import snapshot_of


def trail_id_of(request: Request, snapshot: Snapshot) -> str:
    trail_id = str(request.path_params["trail_id"])
    if trail_id not in snapshot.trails.resolved:
        known = list(snapshot.trails.resolved)
        raise NotFound(
            "trail", trail_id[:100], difflib.get_close_matches(trail_id, known, n=3, cutoff=0.4)
        )
    return trail_id


async def list_trails(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    return represent(request, snapshot.trails.lists[lang])


async def get_trail(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    return represent(request, snapshot.trails.representations[lang][trail_id_of(request, snapshot)])


async def trail_geojson(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    return represent(request, snapshot.trails.geojson[lang][trail_id_of(request, snapshot)])


async def trail_progress(request: Request) -> Response:
    snapshot = snapshot_of(request)
    params = single_params(request, ("lang", "lat", "lon", "accuracy"))
    lang = request_language(request, snapshot)
    trail_id = trail_id_of(request, snapshot)
    lat, lon, accuracy = parse_position(
        params.get("lat"), params.get("lon"), params.get("accuracy")
    )
    answer = progress(
        snapshot.trails.resolved[trail_id],
        lat,
        lon,
        accuracy,
        lang,
        snapshot.translations,
        snapshot.trails.titles[lang][trail_id],
    )
    return JSONResponse(
        answer,
        headers={
            **CORS_HEADERS,
            "cache-control": "no-store",
            "content-language": lang,
            "vary": "Accept-Language",
        },
    )


async def _pack(request: Request) -> tuple[BuiltPack, str, str]:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    trail_id = trail_id_of(request, snapshot)
    key = (trail_id, lang)
    built = snapshot.packs.get(key)
    if built is None:
        document = snapshot.trails.documents[lang][trail_id]
        geojson = snapshot.trails.geojson[lang][trail_id].body
        built = await run_in_threadpool(
            ensure_pack, document, geojson, lang, snapshot.settings.build_path, snapshot.revision
        )
        snapshot.packs[key] = built
    return built, trail_id, lang


async def trail_pack(request: Request) -> Response:
    """The zip; HEAD gives its size; ranges resume a broken download; same content, same ETag."""
    built, trail_id, lang = await _pack(request)
    headers = {
        **MEDIA_HEADERS,
        "cache-control": "no-cache",
        "etag": f'"{built.sha256}"',
        "content-language": lang,
        "vary": "Accept-Language",
        "content-disposition": f'attachment; filename="{trail_id}-{lang}.zip"',
    }
    inm = request.headers.get("if-none-match")
    if inm and etag_matches(inm, headers["etag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(built.path, media_type="application/zip", headers=headers)


async def trail_pack_manifest(request: Request) -> Response:
    """The pack's files as URLs, for a service worker to precache one by one."""
    built, trail_id, lang = await _pack(request)
    snapshot = snapshot_of(request)
    urls = {f.path: f.url for f in _pack_files(snapshot, trail_id, lang)}
    files = [{**item, "url": urls.get(item["path"])} for item in built.files]
    body = {
        "trail": trail_id,
        "lang": lang,
        "pack": {
            "url": f"/api/trails/{trail_id}/pack?lang={lang}",
            "bytes": built.bytes,
            "sha256": built.sha256,
        },
        "bytes": sum(f["bytes"] for f in files),
        "files": files,
    }
    return JSONResponse(
        body,
        headers={
            **CORS_HEADERS,
            "cache-control": "no-cache",
            "content-language": lang,
            "vary": "Accept-Language",
        },
    )


def _pack_files(snapshot: Snapshot, trail_id: str, lang: str) -> list[PackFile]:
    return pack_files(
        snapshot.trails.documents[lang][trail_id],
        snapshot.trails.geojson[lang][trail_id].body,
        lang,
    )


_LANGS = (LANG, ACCEPT_LANGUAGE)
_404 = {"404": "Unknown trail; details.suggestions lists close ids."}
ROUTES = [
    Documented(
        Route("/api/trails", list_trails), "Trails with length and duration", "trails", _LANGS
    ),
    Documented(
        Route("/api/trails/{trail_id}.geojson", trail_geojson),
        "A trail's route and numbered stops (GeoJSON)",
        "trails",
        _LANGS,
        "application/geo+json",
        _404,
    ),
    Documented(
        Route("/api/trails/{trail_id}", get_trail),
        "A trail: stops in order with their texts, length and duration",
        "trails",
        _LANGS,
        responses=_404,
    ),
    Documented(
        Route("/api/trails/{trail_id}/progress", trail_progress),
        "Where a visitor stands on the trail",
        "trails",
        (
            *_LANGS,
            Param("lat", "Latitude (WGS84).", {"type": "number"}, required=True),
            Param("lon", "Longitude (WGS84).", {"type": "number"}, required=True),
            Param(
                "accuracy", "Accuracy of the position in metres (default 20).", {"type": "number"}
            ),
        ),
        responses={**_404, "400": "A parameter is missing or invalid."},
    ),
    Documented(
        Route("/api/trails/{trail_id}/pack", trail_pack, methods=["GET", "HEAD"]),
        "Offline pack (zip) of the trail in a language",
        "trails",
        _LANGS,
        "application/zip",
        {**_404, "206": "Partial content (Range).", "416": "Range not satisfiable."},
    ),
    Documented(
        Route("/api/trails/{trail_id}/pack.json", trail_pack_manifest),
        "The pack's files as URLs, for a service worker",
        "trails",
        _LANGS,
        responses=_404,
    ),
]
