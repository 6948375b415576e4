"""schema.org descriptions (JSON-LD) of sites, trails and 3D models, from the snapshot.

Search engines, museum tools and data portals read these; they are generated from the same
documents as the API and the pages, never written by hand. `script_ld` makes the JSON safe to
embed in a <script> element.
"""

from __future__ import annotations

import json
from typing import Any

from parcours.documents import UNESCO_URL, SiteTexts
from parcours.model import Site
from parcours.snapshot import Snapshot

CONTEXT = "https://schema.org"
PROPERTY_NAME = "Bassin minier du Nord-Pas de Calais"


def script_ld(data: dict[str, Any]) -> str:
    """JSON text that can never close the <script> element it is put in."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def model_ld(view: dict[str, Any], base: str) -> dict[str, Any]:
    """A `3DModel` from a page's asset view (see parcours.web.page_views.asset_view)."""
    data: dict[str, Any] = {
        "@type": "3DModel",
        "@id": f"{base}/api/assets/{view['id']}",
        "name": view["title"]["text"],
        "description": view["description"]["text"],
        "contentUrl": base + view["src"],
        "encodingFormat": "model/gltf-binary",
        "isResizable": True,
        "license": view["licence"]["url"],
        "creditText": view["credits"],
        "inLanguage": view["title"]["lang"],
    }
    if view.get("bytes"):
        data["contentSize"] = f"{view['bytes']} B"
    if view.get("poster"):
        data["thumbnailUrl"] = base + view["poster"]
    if view.get("usdz"):
        data["encoding"] = {
            "@type": "MediaObject",
            "contentUrl": base + view["usdz"],
            "encodingFormat": "model/vnd.usdz+zip",
        }
    return data


def site_ld(
    site: Site,
    snapshot: Snapshot,
    lang: str,
    page_url: str,
    models: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    texts = snapshot.texts[lang].get(site.id) or SiteTexts(site, lang, snapshot.translations)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": ["TouristAttraction", "LandmarksOrHistoricalBuildings"],
        "@id": page_url,
        "url": page_url,
        "name": texts.name.text,
        "description": texts.summary.text,
        "inLanguage": lang,
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": site.location.lat,
            "longitude": site.location.lon,
        },
        "address": {
            "@type": "PostalAddress",
            "addressLocality": site.commune,
            "addressCountry": "FR",
        },
        "containedInPlace": {"@type": "Place", "name": "La Porte du Hainaut"},
        "isPartOf": {
            "@type": "LandmarksOrHistoricalBuildings",
            "name": PROPERTY_NAME,
            "sameAs": UNESCO_URL,
        },
        "sameAs": [UNESCO_URL],
        "identifier": f"UNESCO 1360 element {site.unesco.element}",
        "availableLanguage": list(snapshot.translations.languages.negotiable),
        "touristType": "Cultural heritage",
    }
    if models:
        data["subjectOf"] = list(models)
    return data


def trail_ld(trail: dict[str, Any], lang: str, page_url: str, base: str) -> dict[str, Any]:
    """A `TouristTrip` whose itinerary keeps the stops' order (an ItemList)."""
    stops = []
    for stop in trail["stops"]:
        place: dict[str, Any] = {
            "@type": "TouristAttraction" if stop.get("site") else "Place",
            "name": stop["title"]["text"],
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": stop["location"]["lat"],
                "longitude": stop["location"]["lon"],
            },
        }
        if stop.get("site"):
            place["url"] = f"{base}/sites/{stop['site']}?lang={lang}"
        stops.append({"@type": "ListItem", "position": stop["index"] + 1, "item": place})
    return {
        "@context": CONTEXT,
        "@type": "TouristTrip",
        "@id": page_url,
        "url": page_url,
        "name": trail["title"]["text"],
        "description": trail["summary"]["text"],
        "inLanguage": lang,
        "touristType": "Cultural heritage",
        "itinerary": {
            "@type": "ItemList",
            "numberOfItems": len(stops),
            "itemListOrder": "https://schema.org/ItemListOrderAscending",
            "itemListElement": stops,
        },
    }


def home_ld(snapshot: Snapshot, lang: str, base: str) -> dict[str, Any]:
    """The home page: the site itself and the list of the 53 attractions."""
    texts = snapshot.texts[lang]
    return {
        "@context": CONTEXT,
        "@type": "WebSite",
        "@id": f"{base}/",
        "url": f"{base}/?lang={lang}",
        "name": "parcours — La Porte du Hainaut",
        "inLanguage": lang,
        "about": {
            "@type": "ItemList",
            "numberOfItems": len(snapshot.sites),
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": i + 1,
                    "item": {
                        "@type": ["TouristAttraction", "LandmarksOrHistoricalBuildings"],
                        "@id": f"{base}/sites/{site.id}?lang={lang}",
                        "name": texts[site.id].name.text,
                    },
                }
                for i, site in enumerate(snapshot.sites)
            ],
        },
    }
