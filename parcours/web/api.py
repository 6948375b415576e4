"""JSON and GeoJSON API over the snapshot: lists, records, languages, schema."""

from __future__ import annotations

import difflib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours import listing
from parcours.errors import BadParameter, NotFound
from parcours.query import SITE_QUERY_PARAMS, SiteQuery, parse_site_query
from parcours.snapshot import Snapshot
from parcours.web.hints import wants_lite
from parcours.web.language import request_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.responses import represent
from parcours.web.state import snapshot_of


def single_params(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """Query parameters as a dict; a repeated or unknown one is a 400, never silently dropped."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise BadParameter(name, "given more than once")
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            raise BadParameter(
                name,
                "unknown parameter" + (f"; did you mean '{close[0]}'?" if close else ""),
                allowed=list(allowed),
            )
        params[name] = value
    return params


def _query(request: Request, snapshot: Snapshot, allowed: tuple[str, ...]) -> SiteQuery:
    settings = snapshot.settings
    params = single_params(request, allowed)
    params.pop("lang", None)
    return parse_site_query(
        params, settings.page_size, settings.max_page_size, settings.max_radius_m, allowed
    )


async def list_sites(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = request_language(request, snapshot)
    query = _query(request, snapshot, SITE_QUERY_PARAMS)
    return represent(request, listing.sites_list(snapshot, query, lang))


async def geojson(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = request_language(request, snapshot)
    allowed = tuple(p for p in SITE_QUERY_PARAMS if p not in {"limit", "offset"})
    query = _query(request, snapshot, allowed)
    return represent(request, listing.sites_geojson(snapshot, query, lang))


async def get_site(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    site_id = request.path_params["site_id"]
    rep = snapshot.site_representation(site_id, lang, lite=wants_lite(request.headers))
    if rep is None:
        raise NotFound("site", site_id[:100], listing.suggest_sites(snapshot, site_id[:100]))
    return represent(request, rep)


async def languages(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ())
    return represent(request, snapshot.representations["languages"])


async def schema(request: Request) -> Response:
    snapshot = snapshot_of(request)
    rep = snapshot.representations.get(f"schema/{request.path_params['name']}")
    if rep is None:
        raise NotFound(
            "schema",
            str(request.path_params["name"])[:50],
            [
                k.removeprefix("schema/")
                for k in snapshot.representations
                if k.startswith("schema/")
            ],
        )
    return represent(request, rep)


_FILTERS = (
    LANG,
    ACCEPT_LANGUAGE,
    Param(
        "type",
        "Site type: a slug such as fosse, terril, cite-miniere, or the French label.",
        example="terril",
    ),
    Param("commune", "Commune, accent- and case-insensitive.", example="Wallers"),
    Param("q", "Text search in names and texts, accent- and case-insensitive.", example="arenberg"),
    Param(
        "near",
        "lat,lon: sort by distance from this point and add distance_m.",
        example="50.3845,3.4258",
    ),
    Param(
        "radius",
        "With near: keep sites within this many metres.",
        {"type": "number", "exclusiveMinimum": 0},
        example="2000",
    ),
    Param(
        "bbox",
        "minlon,minlat,maxlon,maxlat (WGS84, longitude first).",
        example="3.38,50.30,3.46,50.40",
    ),
)
_PAGING = (
    Param(
        "limit",
        "Items per page (1-500, default 100).",
        {"type": "integer", "minimum": 1, "maximum": 500},
    ),
    Param("offset", "Items to skip.", {"type": "integer", "minimum": 0}),
)
_BAD = {"400": "A parameter is invalid; the error names it."}

ROUTES = [
    Documented(
        Route("/api/sites", list_sites),
        "List sites, filtered and paginated",
        "sites",
        (*_FILTERS, *_PAGING),
        responses=_BAD,
    ),
    Documented(
        Route("/api/sites.geojson", geojson),
        "Sites as a GeoJSON FeatureCollection (RFC 7946)",
        "sites",
        _FILTERS,
        "application/geo+json",
        _BAD,
    ),
    Documented(
        Route("/api/sites/{site_id}", get_site),
        "One site, localized",
        "sites",
        (LANG, ACCEPT_LANGUAGE),
        responses={**_BAD, "404": "Unknown site; details.suggestions lists close ids."},
    ),
    Documented(
        Route("/api/languages", languages),
        "Languages with their completeness for content and interface",
        "languages",
    ),
    Documented(
        Route("/schema/{name}", schema),
        "JSON Schemas of the curated files: site_catalog.json, trail.json, asset.json",
        "schema",
        media_type="application/schema+json",
    ),
]
