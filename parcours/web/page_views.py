"""What the page templates show, taken from the snapshot's documents (never recomputed).

The pages say exactly what the API says: models, hotspots, stops and narrations come from the
same JSON documents, decoded here into small dictionaries for Jinja2.
"""

from __future__ import annotations

import json
from typing import Any

from parcours.mapsvg import MapPoint, svg_map
from parcours.snapshot import Snapshot


def _metres(values: list[float]) -> str:
    return " ".join(f"{v:g}m" for v in values)


def asset_view(snapshot: Snapshot, asset_id: str, lang: str) -> dict[str, Any] | None:
    """An asset as <model-viewer> needs it, or None when it has no published model."""
    rep = snapshot.asset_documents.get(lang, {}).get(asset_id)
    if rep is None:
        return None
    doc = json.loads(rep.body)
    variants = doc["variants"]
    phone = variants.get("phone") or variants.get("original")
    if phone is None:
        return None
    facts = doc.get("facts") or {}
    return {
        "id": asset_id,
        "title": doc["title"],
        "alt": doc["alt"],
        "description": doc["description"],
        "credits": doc["credits"],
        "licence": doc["licence"],
        "schematic": doc["schematic"],
        "src": phone["url"],
        "bytes": phone.get("bytes"),
        "poster": variants.get("poster", {}).get("url"),
        "usdz": variants.get("usdz", {}).get("url"),
        "animated": bool(facts.get("animations")),
        "hotspots": [
            {
                "id": spot["id"],
                "position": _metres(spot["position"]),
                "normal": _metres(spot["normal"]),
                "label": spot["label"],
                "text": spot["text"],
            }
            for spot in doc["hotspots"]
        ],
    }


def site_narrations(snapshot: Snapshot, site_id: str, lang: str) -> list[dict[str, Any]]:
    """Recorded narrations of the trail stops held at this site, one per trail."""
    out = []
    for trail_id in snapshot.trails.by_site.get(site_id, []):
        trail = snapshot.trails.documents[lang][trail_id]
        for stop in trail["stops"]:
            if stop.get("site") == site_id and stop.get("audio"):
                out.append({"trail": trail, "stop": stop, "audio": stop["audio"]})
                break
    return out


def site_trail_links(snapshot: Snapshot, site_id: str, lang: str) -> list[dict[str, Any]]:
    """The trails passing through a site, each with the stop's number and anchor."""
    links = []
    for trail_id in snapshot.trails.by_site.get(site_id, []):
        trail = snapshot.trails.documents[lang][trail_id]
        number = next(stop["index"] + 1 for stop in trail["stops"] if stop.get("site") == site_id)
        links.append(
            {
                "id": trail_id,
                "title": trail["title"],
                "number": number,
                "stops": len(trail["stops"]),
                "href": f"/trails/{trail_id}?lang={lang}#stop-{number}",
            }
        )
    return links


def trail_map_data(snapshot: Snapshot, trail: dict[str, Any]) -> dict[str, Any]:
    """What the page's script needs to draw and follow the trail (also used offline)."""
    resolved = snapshot.trails.resolved[trail["id"]]
    return {
        "id": trail["id"],
        "length_m": trail["length_m"],
        "route": [[round(lat, 6), round(lon, 6)] for lat, lon in resolved.route],
        "stops": [
            {
                "number": stop["index"] + 1,
                "title": stop["title"]["text"],
                "lat": stop["location"]["lat"],
                "lon": stop["location"]["lon"],
                "radius_m": stop["radius_m"],
            }
            for stop in trail["stops"]
        ],
    }


def trail_svg(data: dict[str, Any], title: str) -> str:
    points = [MapPoint(s["lat"], s["lon"], s["title"], s["number"]) for s in data["stops"]]
    route = [(lat, lon) for lat, lon in data["route"]]
    return svg_map(points, route, title=title)


def sites_map_data(snapshot: Snapshot, lang: str) -> dict[str, Any]:
    """The 53 sites and the trails' routes for the home page's map."""
    texts = snapshot.texts[lang]
    trails = []
    for trail_id, trail in snapshot.trails.documents[lang].items():
        trails.append(
            {
                "id": trail_id,
                "title": trail["title"]["text"],
                "href": f"/trails/{trail_id}?lang={lang}",
                "route": trail_map_data(snapshot, trail)["route"],
            }
        )
    return {
        "sites": [
            {
                "id": site.id,
                "name": texts[site.id].name.text,
                "lat": site.location.lat,
                "lon": site.location.lon,
                "commune": site.commune,
                "href": f"/sites/{site.id}?lang={lang}",
            }
            for site in snapshot.sites
        ],
        "trails": trails,
    }


def sites_svg(data: dict[str, Any], title: str) -> str:
    points = [MapPoint(s["lat"], s["lon"], s["name"]) for s in data["sites"]]
    return svg_map(points, title=title)


def script_json(data: Any) -> str:
    """JSON safe to put inside a <script type="application/json"> element."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
