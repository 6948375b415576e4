"""OGC API – Features Part 1 (Core) documents over the snapshot, so GIS tools (QGIS, OWSLib,
GDAL) can read the sites and trails without knowing our own API.

Plain Python, no HTTP: the web layer (parcours/web/ogc.py) parses the request and caches the
bytes; here each document is built from a snapshot, a base URL for absolute links, a language,
a format (`json` or `html`: self and alternate links depend on it) and parsed parameters.
Normative text: https://docs.ogc.org/is/17-069r4/17-069r4.html (1.0.1).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from parcours import geo
from parcours.documents import site_feature
from parcours.errors import BadParameter, NotFound
from parcours.listing import suggest_sites
from parcours.query import _floats, _int
from parcours.trail_check import LatLon

if TYPE_CHECKING:
    from parcours.snapshot import Snapshot

PREFIX = "/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Not `oas30`: our OpenAPI document is 3.1, and claiming 3.0 would mislead validators.
CONFORMANCE = tuple(
    f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
    for name in ("core", "geojson", "html")
)
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA = "application/schema+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.1"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
FORMATS = ("json", "html")
DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 10, 10_000, 1_000_000
ITEMS_PARAMS = ("f", "lang", "limit", "offset", "bbox")
BBOX_EXAMPLE = "bbox=3.40,50.38,3.46,50.42"
COLLECTIONS = ("sites", "trails")


def _(message: str) -> str:
    """Marks an interface string for extraction (babel.cfg); translated where it is used."""
    return message


TITLE = _("Patrimoine minier de La Porte du Hainaut")
DESCRIPTION = _(
    "Les 53 éléments du Bassin minier inscrits au patrimoine mondial de l’UNESCO dans La Porte "
    "du Hainaut."
)
SITES_TITLE = _("Les éléments du patrimoine mondial")
SITES_DESCRIPTION = _(
    "Un point par élément du Bassin minier, patrimoine mondial de l’UNESCO, dans La Porte du "
    "Hainaut : nom, type, commune et résumé."
)
TRAILS_TITLE = _("Les parcours")
TRAILS_DESCRIPTION = _(
    "Une ligne par parcours, le long de son itinéraire : titre, résumé, longueur, durée, mode "
    "et nombre d’étapes."
)
_TEXTS = {"sites": (SITES_TITLE, SITES_DESCRIPTION), "trails": (TRAILS_TITLE, TRAILS_DESCRIPTION)}
_STRING, _COUNT = {"type": "string"}, {"type": "integer", "minimum": 0}
_QUERYABLES: dict[str, dict[str, Any]] = {
    "sites": {
        "geometry": {"format": "geometry-point"},
        **dict.fromkeys(("name", "type", "type_label", "commune", "unesco_element"), _STRING),
        "communes": {"type": "array", "items": _STRING},
        "summary": _STRING,
    },
    "trails": {
        "geometry": {"format": "geometry-linestring"},
        **dict.fromkeys(("title", "summary", "theme", "mode", "difficulty"), _STRING),
        **dict.fromkeys(("length_m", "duration_s", "stops"), _COUNT),
    },
}


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed, validated request for a page of features."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: geo.BBox | None = None

    def filters(self) -> list[tuple[str, str]]:
        """Canonical filter parameters (not paging), for links and cache keys."""
        if self.bbox is None:
            return []
        return [("bbox", ",".join(f"{x:g}" for x in self.bbox.as_list()))]


def parse_items_query(params: Mapping[str, str]) -> ItemsQuery:
    """`limit`, `offset` and `bbox` (4 numbers, or 6 whose heights are ignored), in CRS84."""
    bbox = None
    if "bbox" in params:
        values = _floats("bbox", params["bbox"], (4, 6), BBOX_EXAMPLE)
        west, south, east, north = values if len(values) == 4 else [values[i] for i in (0, 1, 3, 4)]
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
            raise BadParameter(
                "bbox",
                "expects minlon,minlat,maxlon,maxlat in CRS84 degrees (longitude first) with "
                "minlat <= maxlat; six numbers add heights after each corner",
                example=BBOX_EXAMPLE,
            )
        bbox = geo.BBox(west, south, east, north)
    return ItemsQuery(
        limit=_int("limit", params["limit"], 1, MAX_LIMIT) if "limit" in params else DEFAULT_LIMIT,
        offset=_int("offset", params["offset"], 0, MAX_OFFSET) if "offset" in params else 0,
        bbox=bbox,
    )


def _url(base: str, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
    return f"{base}{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _self_links(
    base: str, path: str, params: Sequence[tuple[str, str]], fmt: str, json_type: str = JSON
) -> list[dict[str, str]]:
    """`self` in the format asked for, `alternate` in the other one (both are required)."""
    types = {"json": json_type, "html": HTML}
    other = "html" if fmt == "json" else "json"
    return [
        _link(_url(base, path, [("f", fmt), *params]), "self", types[fmt]),
        _link(_url(base, path, [("f", other), *params]), "alternate", types[other]),
    ]


def item_url(base: str, collection_id: str, feature_id: str, fmt: str, lang: str) -> str:
    path = f"/collections/{collection_id}/items/{quote(feature_id)}"
    return _url(base, path, [("f", fmt), ("lang", lang)])


def _text(snapshot: Snapshot, message: str, lang: str) -> str:
    return snapshot.translations.interface_text(None, message, lang).text


def landing(snapshot: Snapshot, base: str, lang: str, fmt: str) -> dict[str, Any]:
    """Where a client starts: links to the OpenAPI description, conformance and data."""
    langs = [("lang", lang)]
    return {
        "title": _text(snapshot, TITLE, lang),
        "description": _text(snapshot, DESCRIPTION, lang),
        "links": [
            *_self_links(base, "", langs, fmt),
            _link(f"{base}/openapi.json", "service-desc", OPENAPI, "OpenAPI 3.1"),
            _link(_url(base, "/conformance", langs), "conformance", JSON),
            _link(_url(base, "/collections", langs), "data", JSON),
        ],
    }


def conformance(base: str, lang: str, fmt: str) -> dict[str, Any]:
    """What a client may rely on; oas30 is left out on purpose (see CONFORMANCE)."""
    return {
        "conformsTo": list(CONFORMANCE),
        "links": _self_links(base, "/conformance", [("lang", lang)], fmt),
    }


def _check_collection(collection_id: str) -> None:
    if collection_id not in COLLECTIONS:
        close = difflib.get_close_matches(collection_id, COLLECTIONS, n=2, cutoff=0.3)
        raise NotFound("collection", collection_id[:100], close)


def _members(snapshot: Snapshot, collection_id: str) -> list[tuple[str, Sequence[LatLon]]]:
    """Every feature id of a collection with its (lat, lon) points, in catalogue order."""
    if collection_id == "sites":
        return [(s.id, [(s.location.lat, s.location.lon)]) for s in snapshot.sites]
    return [(t, r.route) for t, r in snapshot.trails.resolved.items()]


def extent(snapshot: Snapshot, collection_id: str) -> list[float] | None:
    points = [p for _id, points in _members(snapshot, collection_id) for p in points]
    box = geo.bbox_of(points)
    return None if box is None else [round(x, geo.COORD_DECIMALS) for x in box.as_list()]


def collection(
    snapshot: Snapshot, base: str, lang: str, fmt: str, collection_id: str
) -> dict[str, Any]:
    """A collection with its extent computed from the data, and links to items and queryables."""
    _check_collection(collection_id)
    title, description = _TEXTS[collection_id]
    path = f"/collections/{collection_id}"
    langs = [("lang", lang)]
    document: dict[str, Any] = {
        "id": collection_id,
        "title": _text(snapshot, title, lang),
        "description": _text(snapshot, description, lang),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            *_self_links(base, path, langs, fmt),
            _link(_url(base, f"{path}/items", [("f", "json"), *langs]), "items", GEOJSON),
            _link(_url(base, f"{path}/items", [("f", "html"), *langs]), "items", HTML),
            _link(_url(base, f"{path}/queryables", langs), QUERYABLES_REL, SCHEMA),
        ],
    }
    box = extent(snapshot, collection_id)
    if box is not None:
        document["extent"] = {"spatial": {"bbox": [box], "crs": CRS84}}
    return document


def collections(snapshot: Snapshot, base: str, lang: str, fmt: str) -> dict[str, Any]:
    """Both collections with their metadata, so a GIS lists them without more requests."""
    return {
        "links": _self_links(base, "/collections", [("lang", lang)], fmt),
        "collections": [collection(snapshot, base, lang, fmt, c) for c in COLLECTIONS],
    }


def _segment_enters(a: LatLon, b: LatLon, box: geo.BBox) -> bool:
    """Liang–Barsky clipping, on longitude and latitude as plane coordinates."""
    (y0, x0), (y1, x1) = a, b
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x0 - box.west),
        (dx, box.east - x0),
        (-dy, y0 - box.south),
        (dy, box.north - y0),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def intersects(points: Sequence[LatLon], box: geo.BBox) -> bool:
    """A point or polyline of (lat, lon) touches the box; a box across the antimeridian is split."""
    if any(box.contains(lat, lon) for lat, lon in points):
        return True
    parts = (
        [box]
        if box.west <= box.east
        else [
            geo.BBox(box.west, box.south, 180.0, box.north),
            geo.BBox(-180.0, box.south, box.east, box.north),
        ]
    )
    return any(_segment_enters(a, b, part) for part in parts for a, b in itertools.pairwise(points))


def _feature(
    snapshot: Snapshot, base: str, lang: str, collection_id: str, feature_id: str
) -> dict[str, Any]:
    """A feature with flat, localized properties (each text with its `_lang`) and its links."""
    if collection_id == "sites":
        site = snapshot.by_id[feature_id]
        texts = snapshot.texts[lang][feature_id]
        feature = site_feature(site, texts, lang)
        title, page = texts.name.text, f"{base}/sites/{quote(feature_id)}?lang={lang}"
    else:
        document = snapshot.trails.documents[lang][feature_id]
        properties: dict[str, Any] = {}
        for key in ("title", "summary", "theme"):
            properties[key] = document[key]["text"]
            properties[f"{key}_lang"] = document[key]["lang"]
        for key in ("mode", "difficulty", "length_m", "length", "duration_s", "duration"):
            properties[key] = document[key]
        properties["stops"] = len(document["stops"])
        properties["url"] = document["links"]["html"]
        properties["api"] = document["links"]["self"]
        route = snapshot.trails.resolved[feature_id].route
        # RFC 7946 wants two positions: a one-stop trail is a line of length 0.
        line = geo.line_string(route if len(route) > 1 else [*route, *route])
        feature = geo.feature(feature_id, line, properties)
        title, page = properties["title"], f"{base}{document['links']['html']}"
    feature["links"] = [
        _link(item_url(base, collection_id, feature_id, "json", lang), "self", GEOJSON),
        _link(_url(base, f"/collections/{collection_id}", [("lang", lang)]), "collection", JSON),
        _link(page, "alternate", HTML, title),
    ]
    return feature


def _timestamp(snapshot: Snapshot) -> str:
    """When the content was loaded: the same request gives the same bytes, hence ETag."""
    moment = dt.datetime.fromtimestamp(snapshot.built_at, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def items(
    snapshot: Snapshot, base: str, lang: str, fmt: str, collection_id: str, query: ItemsQuery
) -> dict[str, Any]:
    """A page of the collection's features, as a GeoJSON FeatureCollection with paging links."""
    _check_collection(collection_id)
    found = [
        ident
        for ident, points in _members(snapshot, collection_id)
        if query.bbox is None or intersects(points, query.bbox)
    ]
    page = found[query.offset : query.offset + query.limit]
    path = f"/collections/{collection_id}/items"
    params = [("lang", lang), *query.filters(), ("limit", str(query.limit))]
    media_type = GEOJSON if fmt == "json" else HTML

    def at(offset: int, rel: str) -> dict[str, str]:
        return _link(
            _url(base, path, [("f", fmt), *params, ("offset", str(offset))]), rel, media_type
        )

    links = _self_links(base, path, [*params, ("offset", str(query.offset))], fmt, GEOJSON)
    if query.offset + query.limit < len(found):
        links.append(at(query.offset + query.limit, "next"))
    if query.offset > 0:
        links.append(at(max(0, query.offset - query.limit), "prev"))
    links.append(
        _link(_url(base, f"/collections/{collection_id}", [("lang", lang)]), "collection", JSON)
    )
    return {
        "type": "FeatureCollection",
        "features": [_feature(snapshot, base, lang, collection_id, ident) for ident in page],
        "numberMatched": len(found),
        "numberReturned": len(page),
        "timeStamp": _timestamp(snapshot),
        "links": links,
    }


def item(
    snapshot: Snapshot, base: str, lang: str, fmt: str, collection_id: str, feature_id: str
) -> dict[str, Any]:
    """One feature; an unknown id is a 404 naming the closest ids."""
    _check_collection(collection_id)
    known = [ident for ident, _points in _members(snapshot, collection_id)]
    if feature_id not in known:
        wanted = feature_id[:100]
        close = (
            suggest_sites(snapshot, wanted)
            if collection_id == "sites"
            else difflib.get_close_matches(wanted, known, n=3, cutoff=0.4)
        )
        raise NotFound("feature", wanted, close)
    feature = _feature(snapshot, base, lang, collection_id, feature_id)
    path = f"/collections/{collection_id}/items/{quote(feature_id)}"
    feature["links"] = [
        *_self_links(base, path, [("lang", lang)], fmt, GEOJSON),
        *feature["links"][1:],
    ]
    return feature


def queryables(
    snapshot: Snapshot, base: str, lang: str, fmt: str, collection_id: str
) -> dict[str, Any]:
    """JSON Schema of the properties a client may filter on (QGIS reads it)."""
    _check_collection(collection_id)
    title, _description = _TEXTS[collection_id]
    path = f"/collections/{collection_id}/queryables"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _url(base, path),
        "type": "object",
        "title": _text(snapshot, title, lang),
        "properties": _QUERYABLES[collection_id],
        "additionalProperties": False,
        "links": _self_links(base, path, [("lang", lang)], fmt, SCHEMA),
    }
