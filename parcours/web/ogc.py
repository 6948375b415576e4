"""OGC API – Features routes at /ogc: thin handlers over parcours.ogc, as JSON or HTML.

Each handler parses the request (parameters, format, language, base URL), asks the core for
the document and serializes it once per snapshot and request shape into the snapshot's cache;
answers carry ETag/304, gzip and CORS like the rest of the API. Errors keep the project's JSON
shape, or become the friendly page when HTML was asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from parcours import ogc
from parcours.errors import BadParameter, ParcoursError
from parcours.representation import Representation, json_representation
from parcours.snapshot import Snapshot
from parcours.web.api import single_params
from parcours.web.language import request_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.pages import base_url, render, render_error
from parcours.web.responses import CORS_HEADERS, represent
from parcours.web.state import snapshot_of

Build = Callable[[Snapshot, str, str, str], dict[str, Any]]
Handler = Callable[[Request], Awaitable[Response]]
#: Without `f`, the format follows Accept: caches must keep the variants apart.
VARY = ("Accept", "Accept-Language")


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); translated when the page is made."""
    return message


COLLECTIONS_TITLE = _("Collections")
CONFORMANCE_TITLE = _("Conformité")
QUERYABLES_TITLE = _("Propriétés interrogeables")


def prefers_html(accept: str) -> bool:
    """True when Accept ranks text/html above every JSON type: browsers get pages, `*/*` JSON."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))

    def quality_of(media_type: str) -> float:
        kind = media_type.partition("/")[0]
        best: tuple[int, float] = (0, 0.0)
        for media, quality in ranges:
            rank = {media_type: 3, f"{kind}/*": 2, "*/*": 1}.get(media, 0)
            if rank > best[0]:
                best = (rank, quality)
        return best[1]

    html = quality_of(ogc.HTML)
    return html > 0 and html > max(quality_of(t) for t in (ogc.JSON, ogc.GEOJSON, ogc.SCHEMA))


def _format(request: Request, params: dict[str, str]) -> str:
    fmt = params.get("f")
    if fmt is None:
        return "html" if prefers_html(request.headers.get("accept", "")) else "json"
    if fmt not in ogc.FORMATS:
        raise BadParameter("f", f"unknown format '{fmt[:20]}'", allowed=list(ogc.FORMATS))
    return fmt


def _page(
    snapshot: Snapshot, document: dict[str, Any], lang: str, base: str, collection_id: str | None
) -> str:
    """The document as a simple page: title, collections or features, properties, links."""

    def translate(message: str) -> str:
        return snapshot.translations.interface_text(None, message, lang).text

    title, title_lang = document.get("title"), None
    rows: list[dict[str, Any]] | None = None
    properties: dict[str, Any] | None = None
    if document.get("type") == "FeatureCollection" and collection_id:
        title = ogc.collection(snapshot, base, lang, "html", collection_id)["title"]
        rows = [_row(f, collection_id, base, lang) for f in document["features"]]
    elif document.get("type") == "Feature" and collection_id:
        row = _row(document, collection_id, base, lang)
        title, title_lang, properties = row["name"], row["lang"], document["properties"]
    elif "conformsTo" in document:
        title = translate(CONFORMANCE_TITLE)
    elif "collections" in document:
        title = translate(COLLECTIONS_TITLE)
    elif "$schema" in document:
        title = f"{translate(QUERYABLES_TITLE)} · {title}"
        properties = {
            name: schema.get("type") or schema.get("format")
            for name, schema in document["properties"].items()
        }
    self_link = next(link["href"] for link in document["links"] if link["rel"] == "self")
    return render(
        snapshot,
        "ogc.html",
        lang,
        title=title,
        title_lang=title_lang,
        description=document.get("description"),
        links=document.get("links", []),
        rows=rows,
        matched=document.get("numberMatched"),
        properties=properties,
        collections=document.get("collections", []),
        conforms=document.get("conformsTo", []),
        root=f"{base}{ogc.PREFIX}?f=html&lang={lang}",
        alternates=[],
        canonical=self_link,
    )


def _row(feature: dict[str, Any], collection_id: str, base: str, lang: str) -> dict[str, Any]:
    """What the page shows of a feature: its name, its page for visitors, its summary."""
    properties = feature["properties"]
    page = next(link for link in feature["links"] if link["type"] == ogc.HTML)
    return {
        "id": feature["id"],
        "href": ogc.item_url(base, collection_id, feature["id"], "html", lang),
        "name": properties.get("name", properties.get("title")),
        "lang": properties.get("name_lang", properties.get("title_lang")),
        "page": page["href"],
        "summary": properties.get("summary"),
        "summary_lang": properties.get("summary_lang"),
    }


def _serve(
    request: Request,
    params: dict[str, str],
    key: tuple[Any, ...],
    build: Build,
    media_type: str = ogc.JSON,
    collection_id: str | None = None,
) -> Response:
    """Answer from the snapshot's cache; `build` may raise NotFound (nothing is cached then)."""
    snapshot = snapshot_of(request)
    fmt = _format(request, params)
    lang = request_language(request, snapshot)
    base = base_url(request, snapshot)

    def make() -> Representation:
        document = build(snapshot, base, lang, fmt)
        if fmt == "html":
            body = _page(snapshot, document, lang, base, collection_id).encode("utf-8")
            return Representation(body, "text/html; charset=utf-8", lang, VARY)
        return json_representation(document, lang, media_type, VARY)

    rep = snapshot.cache.get_or_make(("ogc", *key, fmt, lang, base), make)
    return represent(request, rep)


def _wants_html(request: Request) -> bool:
    fmt = request.query_params.get("f")
    if fmt is not None:
        return fmt == "html"
    return prefers_html(request.headers.get("accept", ""))


def _errors(handler: Handler) -> Handler:
    """The project's error shape under /ogc: JSON for programs, the friendly page for people."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except ParcoursError as exc:
            if _wants_html(request):
                page = render_error(request, exc.status, exc.message, exc.details)
                return HTMLResponse(page, exc.status, headers={"cache-control": "no-store"})
            body = {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}
            return JSONResponse(
                body, exc.status, headers={**CORS_HEADERS, "cache-control": "no-store"}
            )

    return guarded


_PLAIN = ("f", "lang")


@_errors
async def landing(request: Request) -> Response:
    return _serve(request, single_params(request, _PLAIN), ("landing",), ogc.landing)


@_errors
async def conformance(request: Request) -> Response:
    return _serve(
        request,
        single_params(request, _PLAIN),
        ("conformance",),
        lambda snapshot, base, lang, fmt: ogc.conformance(base, lang, fmt),
    )


@_errors
async def collections(request: Request) -> Response:
    return _serve(request, single_params(request, _PLAIN), ("collections",), ogc.collections)


@_errors
async def collection(request: Request) -> Response:
    cid = str(request.path_params["collectionId"])
    return _serve(
        request,
        single_params(request, _PLAIN),
        ("collection", cid),
        lambda snapshot, base, lang, fmt: ogc.collection(snapshot, base, lang, fmt, cid),
    )


@_errors
async def items(request: Request) -> Response:
    cid = str(request.path_params["collectionId"])
    params = single_params(request, ogc.ITEMS_PARAMS)
    query = ogc.parse_items_query(params)
    return _serve(
        request,
        params,
        ("items", cid, tuple(query.filters()), query.limit, query.offset),
        lambda snapshot, base, lang, fmt: ogc.items(snapshot, base, lang, fmt, cid, query),
        ogc.GEOJSON,
        cid,
    )


@_errors
async def item(request: Request) -> Response:
    cid = str(request.path_params["collectionId"])
    fid = str(request.path_params["featureId"])
    return _serve(
        request,
        single_params(request, _PLAIN),
        ("item", cid, fid),
        lambda snapshot, base, lang, fmt: ogc.item(snapshot, base, lang, fmt, cid, fid),
        ogc.GEOJSON,
        cid,
    )


@_errors
async def queryables(request: Request) -> Response:
    cid = str(request.path_params["collectionId"])
    return _serve(
        request,
        single_params(request, _PLAIN),
        ("queryables", cid),
        lambda snapshot, base, lang, fmt: ogc.queryables(snapshot, base, lang, fmt, cid),
        ogc.SCHEMA,
    )


F = Param(
    "f",
    "Format: json (the default) or html; without it, the Accept header decides.",
    {"type": "string", "enum": list(ogc.FORMATS)},
    example="html",
)
_COMMON = (F, LANG, ACCEPT_LANGUAGE)
_ITEMS = (
    *_COMMON,
    Param(
        "limit",
        f"Features per page (1-{ogc.MAX_LIMIT}, default {ogc.DEFAULT_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": ogc.MAX_LIMIT},
    ),
    Param(
        "offset", "Features to skip (the `next` link gives it).", {"type": "integer", "minimum": 0}
    ),
    Param(
        "bbox",
        "minlon,minlat,maxlon,maxlat in CRS84 (longitude first); 6 numbers add heights, ignored.",
        example="3.40,50.38,3.46,50.42",
    ),
)
_BAD = {"400": "A parameter is invalid or unknown; the error names it."}
_404 = {**_BAD, "404": "Unknown collection or feature; details.suggestions lists close ids."}
ROUTES = [
    Documented(
        Route("/ogc", landing),
        "OGC API – Features landing page (service-desc, conformance, data)",
        "ogc",
        _COMMON,
        responses=_BAD,
    ),
    Documented(
        Route("/ogc/conformance", conformance),
        "OGC API – Features conformance classes (core, geojson, html)",
        "ogc",
        _COMMON,
        responses=_BAD,
    ),
    Documented(
        Route("/ogc/collections", collections),
        "OGC API – Features collections: sites (points) and trails (lines), with extents",
        "ogc",
        _COMMON,
        responses=_BAD,
    ),
    Documented(
        Route("/ogc/collections/{collectionId}", collection),
        "OGC API – Features collection",
        "ogc",
        _COMMON,
        responses=_404,
    ),
    Documented(
        Route("/ogc/collections/{collectionId}/items", items),
        "OGC API – Features items: a page of features (GeoJSON), bbox filter, next link",
        "ogc",
        _ITEMS,
        ogc.GEOJSON,
        _404,
    ),
    Documented(
        Route("/ogc/collections/{collectionId}/items/{featureId}", item),
        "OGC API – Features item: one feature (GeoJSON)",
        "ogc",
        _COMMON,
        ogc.GEOJSON,
        _404,
    ),
    Documented(
        Route("/ogc/collections/{collectionId}/queryables", queryables),
        "OGC API – Features queryables: JSON Schema of the properties",
        "ogc",
        _COMMON,
        ogc.SCHEMA,
        _404,
    ),
]
