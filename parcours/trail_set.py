"""All trails of a snapshot, precomputed per language: documents, GeoJSON, lists, titles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from parcours.documents import SiteTexts
from parcours.i18n.catalogs import Translations
from parcours.representation import Representation, json_representation
from parcours.trail_check import ResolvedTrail
from parcours.trail_docs import TrailTexts, trail_document, trail_geojson, trail_item


@dataclass
class TrailSet:
    resolved: dict[str, ResolvedTrail] = field(default_factory=dict)
    documents: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    representations: dict[str, dict[str, Representation]] = field(default_factory=dict)
    geojson: dict[str, dict[str, Representation]] = field(default_factory=dict)
    lists: dict[str, Representation] = field(default_factory=dict)
    #: lang -> trail id -> stop titles, for progress messages
    titles: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: site id -> ids of the trails that stop there
    by_site: dict[str, list[str]] = field(default_factory=dict)

    def site_trails(self, site_id: str, lang: str) -> list[dict[str, Any]]:
        """What a site's JSON says of the trails passing through it."""
        out = []
        for trail_id in self.by_site.get(site_id, []):
            document = self.documents[lang][trail_id]
            out.append(
                {
                    "id": trail_id,
                    "title": document["title"],
                    "links": {"self": document["links"]["self"], "html": document["links"]["html"]},
                }
            )
        return out


def _add_audio(document: dict[str, Any], spoken: dict[str, Any]) -> None:
    """Each stop's narration in the language its text is in, with transcript and captions."""
    for stop in document["stops"]:
        record = spoken.get(stop["id"], {}).get(stop["text"]["lang"])
        stop["audio"] = (
            None
            if not record
            else {
                "url": f"/media/{record['audio']}",
                "captions": f"/media/{record['captions']}",
                "bytes": record.get("bytes"),
                "seconds": record.get("seconds"),
                "lang": record.get("lang"),
                "voice": record.get("voice"),
                "synthetic": True,
                "transcript": {
                    "text": f"{stop['title']['text']}.\n{stop['text']['text']}",
                    "lang": stop["text"]["lang"],
                },
            }
        )


def _summary(
    asset_summary: Callable[[str, str], dict[str, Any] | None], lang: str, asset_id: str
) -> dict[str, Any] | None:
    return asset_summary(asset_id, lang)


def build_trail_set(
    trails: Iterable[ResolvedTrail],
    langs: Iterable[str],
    translations: Translations,
    site_texts: dict[str, dict[str, SiteTexts]],
    asset_summary: Callable[[str, str], dict[str, Any] | None],
    narrations: dict[str, Any] | None = None,
) -> TrailSet:
    result = TrailSet()
    for resolved in trails:
        result.resolved[resolved.trail.id] = resolved
        for stop in resolved.trail.stops:
            if stop.site:
                trail_ids = result.by_site.setdefault(stop.site, [])
                if resolved.trail.id not in trail_ids:
                    trail_ids.append(resolved.trail.id)
    for lang in langs:
        documents = result.documents.setdefault(lang, {})
        for trail_id, resolved in result.resolved.items():
            texts = TrailTexts(resolved, lang, translations, site_texts[lang])
            document = trail_document(resolved, texts, lang, partial(_summary, asset_summary, lang))
            _add_audio(document, (narrations or {}).get(trail_id, {}))
            documents[trail_id] = document
            result.representations.setdefault(lang, {})[trail_id] = json_representation(
                document, lang
            )
            result.geojson.setdefault(lang, {})[trail_id] = json_representation(
                trail_geojson(resolved, document), lang, "application/geo+json"
            )
            result.titles.setdefault(lang, {})[trail_id] = [
                stop["title"]["text"] for stop in document["stops"]
            ]
        items = [trail_item(documents[t]) for t in result.resolved]
        result.lists[lang] = json_representation(
            {"lang": lang, "total": len(items), "items": items}, lang
        )
    return result
