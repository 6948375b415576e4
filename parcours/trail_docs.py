"""Trail documents per language: stops in order, lengths and durations formatted with Babel,
and where a visitor stands on a trail (progress)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.units import format_unit

from parcours import geo
from parcours.documents import SiteTexts, localized
from parcours.i18n.catalogs import Localized, Translations
from parcours.trail_check import ResolvedTrail
from parcours.trails import trail_context

#: Average speeds and time spent at each stop, by mode (a visitor reads, looks, listens).
SPEED_M_PER_S = {"walk": 4.5 / 3.6, "bike": 15 / 3.6}
STOP_S = {"walk": 8 * 60, "bike": 4 * 60}
MAX_ACCURACY_M = 100.0  # beyond this a fix says little about which stop one stands at
OFF_TRAIL_M = 250.0


def babel_locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("fr")


def format_length(metres: float, lang: str) -> str:
    """'850 m', '1,2 km' in French, '1.2 km' in English."""
    locale = babel_locale(lang)
    if metres < 1000:
        return format_unit(round(metres / 10) * 10, "length-meter", length="short", locale=locale)
    return format_unit(
        round(metres / 1000, 1), "length-kilometer", length="short", format="#,##0.0", locale=locale
    )


def format_bytes(size: int, lang: str) -> str:
    """'850 ko' in French, '1.2 MB' in English: what a download will cost a phone."""
    locale = babel_locale(lang)
    if size < 1_000_000:
        return format_unit(
            max(1, round(size / 1000)), "digital-kilobyte", length="short", locale=locale
        )
    return format_unit(
        round(size / 1_000_000, 1),
        "digital-megabyte",
        length="short",
        format="#,##0.0",
        locale=locale,
    )


def format_duration(seconds: float, lang: str) -> str:
    """'45 min', '1 h 20 min' (in the language's own abbreviations)."""
    locale = babel_locale(lang)
    minutes = max(1, round(seconds / 60 / 5) * 5) if seconds >= 300 else max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale))
    if minutes or not hours:
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    return " ".join(parts)


def duration_s(resolved: ResolvedTrail) -> float:
    mode = resolved.trail.mode
    return resolved.length_m / SPEED_M_PER_S[mode] + STOP_S[mode] * len(resolved.trail.stops)


class TrailTexts:
    """Every text of a trail in one language (site stops fall back to the site's texts)."""

    def __init__(
        self,
        resolved: ResolvedTrail,
        lang: str,
        translations: Translations,
        site_texts: dict[str, SiteTexts],
    ) -> None:
        trail = resolved.trail
        self.text: Callable[[str, str], Localized] = lambda suffix, source: translations.text(
            trail_context(trail.id, suffix), source, lang
        )
        self.site_texts = site_texts

    def stop_title(self, stop_index: int, resolved: ResolvedTrail) -> Localized:
        stop = resolved.trail.stops[stop_index]
        if stop.title:
            return self.text(f"stop/{stop.id}/title", stop.title)
        if stop.site:
            return self.site_texts[stop.site].name
        assert stop.place is not None
        return self.text(f"stop/{stop.id}/place", stop.place.name)

    def stop_text(self, stop_index: int, resolved: ResolvedTrail) -> Localized:
        stop = resolved.trail.stops[stop_index]
        if stop.text:
            return self.text(f"stop/{stop.id}/text", stop.text)
        assert stop.site is not None
        return self.site_texts[stop.site].summary


def _optional(texts: TrailTexts, suffix: str, value: str | None) -> dict[str, str] | None:
    return localized(texts.text(suffix, value)) if value else None


def stop_document(
    resolved: ResolvedTrail,
    index: int,
    texts: TrailTexts,
    asset: Callable[[str], dict[str, Any] | None],
) -> dict[str, Any]:
    stop = resolved.trail.stops[index]
    lat, lon = resolved.points[index]
    prefix = f"stop/{stop.id}"
    return {
        "index": index,
        "id": stop.id,
        "kind": "site" if stop.site else "place",
        "site": stop.site,
        "title": localized(texts.stop_title(index, resolved)),
        "text": localized(texts.stop_text(index, resolved)),
        "more": _optional(texts, f"{prefix}/more", stop.more),
        "position_note": _optional(texts, f"{prefix}/position_note", stop.position_note),
        "location": {"lat": lat, "lon": lon},
        "radius_m": stop.radius_m,
        "along_m": round(resolved.along_m[index], 1),
        "quote": {"text": stop.quote, "lang": stop.quote_lang} if stop.quote else None,
        "quote_gloss": _optional(texts, f"{prefix}/quote_gloss", stop.quote_gloss),
        "images": [
            {
                "file": image.file,
                "credit": image.credit,
                "alt": localized(texts.text(f"{prefix}/image/{i}/alt", image.alt)),
            }
            for i, image in enumerate(stop.images)
        ],
        "asset": asset(stop.asset or f"site:{stop.site}") if stop.asset or stop.site else None,
        "layers": [
            {
                "id": layer.id,
                "label": localized(texts.text(f"{prefix}/layer/{layer.id}/label", layer.label)),
                "text": localized(texts.text(f"{prefix}/layer/{layer.id}/text", layer.text)),
                "asset": asset(layer.asset) if layer.asset else None,
            }
            for layer in stop.layers
        ],
    }


def trail_document(
    resolved: ResolvedTrail,
    texts: TrailTexts,
    lang: str,
    asset: Callable[[str], dict[str, Any] | None],
) -> dict[str, Any]:
    """Full record of a trail, as served by GET /api/trails/{id}."""
    trail = resolved.trail
    seconds = duration_s(resolved)
    base = f"/api/trails/{trail.id}"
    return {
        "id": trail.id,
        "lang": lang,
        "title": localized(texts.text("title", trail.title)),
        "summary": localized(texts.text("summary", trail.summary)),
        "description": localized(texts.text("description", trail.description)),
        "theme": localized(texts.text("theme", trail.theme)),
        "mode": trail.mode,
        "difficulty": trail.difficulty,
        "accessibility": {
            "step_free": trail.accessibility.step_free,
            "surfaces": localized(
                texts.text("accessibility/surfaces", trail.accessibility.surfaces)
            ),
            "notes": _optional(texts, "accessibility/notes", trail.accessibility.notes),
        },
        "length_m": round(resolved.length_m),
        "length": format_length(resolved.length_m, lang),
        "duration_s": round(seconds),
        "duration": format_duration(seconds, lang),
        "route": "given" if resolved.route_given else "stops joined in order",
        "sources": list(trail.sources),
        "stops": [stop_document(resolved, i, texts, asset) for i in range(len(trail.stops))],
        "links": {
            "self": f"{base}?lang={lang}",
            "geojson": f"{base}.geojson?lang={lang}",
            "progress": f"{base}/progress",
            "pack": f"{base}/pack?lang={lang}",
            "pack_manifest": f"{base}/pack.json?lang={lang}",
            "html": f"/trails/{trail.id}?lang={lang}",
        },
    }


def trail_item(document: dict[str, Any]) -> dict[str, Any]:
    """Short form for lists."""
    keys = (
        "id",
        "title",
        "summary",
        "theme",
        "mode",
        "difficulty",
        "length_m",
        "length",
        "duration_s",
        "duration",
        "links",
    )
    return {**{key: document[key] for key in keys}, "stops": len(document["stops"])}


def trail_geojson(resolved: ResolvedTrail, document: dict[str, Any]) -> dict[str, Any]:
    """The route and the numbered stops as one FeatureCollection."""
    route = geo.feature(
        f"{resolved.trail.id}/route",
        geo.line_string(resolved.route),
        {
            "kind": "route",
            "title": document["title"]["text"],
            "length_m": document["length_m"],
            "length": document["length"],
        },
    )
    stops = [
        geo.feature(
            f"{resolved.trail.id}/{stop['id']}",
            geo.point(stop["location"]["lat"], stop["location"]["lon"]),
            {
                "kind": "stop",
                "number": stop["index"] + 1,
                "title": stop["title"]["text"],
                "title_lang": stop["title"]["lang"],
                "radius_m": stop["radius_m"],
            },
        )
        for stop in document["stops"]
    ]
    return geo.feature_collection([route, *stops], geo.bbox_of(resolved.route))
