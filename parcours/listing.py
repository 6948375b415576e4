"""Lists of sites as the API serves them: pages with links, GeoJSON, suggestions.

Plain Python over the snapshot; each answer is memoized in the snapshot's bounded cache, and
the unfiltered ones are made when the snapshot is built.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from parcours import geo
from parcours.documents import site_feature
from parcours.model import Site
from parcours.query import SiteQuery, fold

if TYPE_CHECKING:
    from parcours.representation import Representation
    from parcours.snapshot import Snapshot


def list_document(snapshot: Snapshot, query: SiteQuery, lang: str) -> dict[str, Any]:
    found = snapshot.find_sites(query, lang)
    page = found[query.offset : query.offset + query.limit]
    items = []
    index = {site.id: i for i, site in enumerate(snapshot.sites)}
    for site, distance in page:
        item = snapshot.items[lang][index[site.id]]
        items.append({**item, "distance_m": round(distance, 1)} if distance is not None else item)
    base = [("lang", lang), *query.params()]

    def link(offset: int) -> str:
        return "/api/sites?" + urlencode(
            [*base, ("limit", str(query.limit)), ("offset", str(offset))]
        )

    links = {
        "self": link(query.offset),
        "first": link(0),
        "geojson": "/api/sites.geojson?" + urlencode(base),
    }
    if query.offset + query.limit < len(found):
        links["next"] = link(query.offset + query.limit)
    if query.offset > 0:
        links["prev"] = link(max(0, query.offset - query.limit))
    return {
        "lang": lang,
        "total": len(found),
        "offset": query.offset,
        "limit": query.limit,
        "count": len(items),
        "query": dict(query.params()),
        "items": items,
        "links": links,
    }


def geojson_document(
    snapshot: Snapshot, found: list[tuple[Site, float | None]], lang: str
) -> dict[str, Any]:
    features = []
    for site, distance in found:
        extra = {"distance_m": round(distance, 1)} if distance is not None else None
        features.append(site_feature(site, snapshot.texts[lang][site.id], lang, extra))
    bbox = geo.bbox_of((s.location.lat, s.location.lon) for s, _ in found)
    return geo.feature_collection(features, bbox)


def sites_list(snapshot: Snapshot, query: SiteQuery, lang: str) -> Representation:
    """The page of sites for a query, serialized once per snapshot."""
    from parcours.representation import json_representation

    key = ("sites", lang, tuple(query.params()), query.limit, query.offset)
    return snapshot.cache.get_or_make(
        key, lambda: json_representation(list_document(snapshot, query, lang), lang)
    )


def sites_geojson(snapshot: Snapshot, query: SiteQuery, lang: str) -> Representation:
    """All matching sites as a FeatureCollection, serialized once per snapshot."""
    from parcours.representation import json_representation

    key = ("geojson", lang, tuple(query.params()))

    def make() -> Representation:
        document = geojson_document(snapshot, snapshot.find_sites(query, lang), lang)
        return json_representation(document, lang, "application/geo+json")

    return snapshot.cache.get_or_make(key, make)


def suggest_sites(snapshot: Snapshot, wanted: str) -> list[str]:
    """Closest site ids to a mistyped one: shared words first, then spelling."""
    words = [w for w in fold(wanted).split() if len(w) > 2]
    ids = list(snapshot.by_id)
    by_words = [i for i in ids if words and all(w in fold(i) for w in words)]
    close = difflib.get_close_matches(wanted.lower(), ids, n=3, cutoff=0.5)
    return list(dict.fromkeys([*by_words, *close]))[:3]
