"""Lists of sites as the API serves them: pages with links, GeoJSON, suggestions.

Plain Python over the snapshot; each answer is memoized in the snapshot's bounded cache, and
the unfiltered ones are made when the snapshot is built.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from parcours import geo
from parcours.documents import site_feature
from parcours.model import Site
from parcours.query import SiteQuery, fold
from parcours.representation import Representation, dump_json, json_representation

if TYPE_CHECKING:
    from parcours.snapshot import Snapshot

#: Ids compared by spelling with a mistyped one, at most.
SPELLING_POOL = 2_000


def list_body(snapshot: Snapshot, query: SiteQuery, lang: str) -> bytes:
    """The JSON of a page of sites, the items spliced in as the snapshot keeps them (JSON):
    the same bytes as encoding the whole document at once."""
    found = snapshot.find_sites(query, lang)
    page = found[query.offset : query.offset + query.limit]
    items = []
    positions, lang_items = snapshot.positions, snapshot.items[lang]
    for site, distance in page:
        item = lang_items[positions[site.id]]
        if distance is not None:  # a last key, as {**item, "distance_m": ...} would add it
            item = item[:-1] + b',"distance_m":' + dump_json(round(distance, 1)) + b"}"
        items.append(item)
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
    head = {
        "lang": lang,
        "total": len(found),
        "offset": query.offset,
        "limit": query.limit,
        "count": len(items),
        "query": dict(query.params()),
    }
    return b"".join(
        (
            dump_json(head)[:-1],
            b',"items":[',
            b",".join(items),
            b"],",
            dump_json({"links": links})[1:],
        )
    )


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
    key = ("sites", lang, tuple(query.params()), query.limit, query.offset)
    return snapshot.cache.get_or_make(
        key,
        lambda: Representation(
            list_body(snapshot, query, lang), "application/json", lang, ("Accept-Language",)
        ),
    )


def sites_geojson(snapshot: Snapshot, query: SiteQuery, lang: str) -> Representation:
    """All matching sites as a FeatureCollection, serialized once per snapshot."""
    key = ("geojson", lang, tuple(query.params()))

    def make() -> Representation:
        document = geojson_document(snapshot, snapshot.find_sites(query, lang), lang)
        return json_representation(document, lang, "application/geo+json")

    return snapshot.cache.get_or_make(key, make)


def close_matches(wanted: str, ordered: Sequence[str], n: int = 3) -> list[str]:
    """Up to `n` of the sorted `ordered` spelled like `wanted`. In a long list, only the
    SPELLING_POOL entries alphabetically around it are compared (difflib over 100,000 took
    1.4 s of CPU for each unknown name, which anyone could ask for)."""
    if len(ordered) > SPELLING_POOL:
        at = bisect.bisect_left(ordered, wanted)
        ordered = ordered[max(0, at - SPELLING_POOL // 2) : at + SPELLING_POOL // 2]
    return difflib.get_close_matches(wanted, ordered, n=n, cutoff=0.5)


def suggest_sites(snapshot: Snapshot, wanted: str) -> list[str]:
    """Closest site ids to a mistyped one: shared words first, then spelling (close_matches)."""
    words = [w for w in fold(wanted).split() if len(w) > 2]
    # An id is words joined by hyphens: a folded word is in the folded id when it is in the id.
    by_words = list(snapshot.by_id) if words else []
    for word in words:
        by_words = [i for i in by_words if word in i]
    close = close_matches(wanted.lower(), snapshot.sorted_ids)
    return list(dict.fromkeys([*by_words, *close]))[:3]
