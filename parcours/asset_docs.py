"""The JSON documents of 3D assets, per language, from asset.yaml and the build manifest.

Variants are listed with their content-addressed URLs and sizes, so a phone can choose before
it downloads; the validation report (codes, severity, JSON pointers) is shown as built.
"""

from __future__ import annotations

from typing import Any

from parcours.assets import Asset, asset_context
from parcours.documents import localized
from parcours.i18n.catalogs import Localized, Translations

MEDIA_PREFIX = "/media/"
#: Variants in the order a client should consider them; "phone" is the light default.
VARIANT_ROLES = ("phone", "original", "ar", "usdz", "poster")


class AssetTexts:
    """Localized texts of one asset in one language."""

    def __init__(self, asset: Asset, lang: str, translations: Translations) -> None:
        def text(suffix: str, source: str) -> Localized:
            return translations.text(asset_context(asset.id, suffix), source, lang)

        self.title = text("title", asset.title)
        self.description = text("description", asset.description)
        self.alt = text("alt", asset.alt)
        self.hotspots = {
            spot.id: (
                text(f"hotspot/{spot.id}/label", spot.label),
                text(f"hotspot/{spot.id}/text", spot.text),
            )
            for spot in asset.hotspots
        }


def media_url(blob: str) -> str:
    return MEDIA_PREFIX + blob


def variants_of(record: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Published variants with their URLs (empty until `parcours build` accepted the model)."""
    if not record or not record.get("published"):
        return {}
    out = {}
    for role in VARIANT_ROLES:
        variant = record.get("variants", {}).get(role)
        if isinstance(variant, dict) and "blob" in variant:
            public = {k: v for k, v in variant.items() if k not in {"blob", "candidates"}}
            out[role] = {"url": media_url(variant["blob"]), **public}
    return out


def _summary_facts(facts: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a phone needs to decide: size on screen and weight."""
    if not facts:
        return None
    keys = ("triangles", "draw_calls", "bounds", "animations", "bytes")
    return {key: facts.get(key) for key in keys}


def _status(record: dict[str, Any] | None) -> str:
    if record is None:
        return "not built"
    return "published" if record.get("published") else "refused"


def asset_document(
    asset: Asset, texts: AssetTexts, lang: str, record: dict[str, Any] | None
) -> dict[str, Any]:
    """Full record of an asset, as served by GET /api/assets/{id}."""
    report = (record or {}).get("report", {})
    issues = report.get("issues", {})
    return {
        "id": asset.id,
        "lang": lang,
        "title": localized(texts.title),
        "description": localized(texts.description),
        "alt": localized(texts.alt),
        "credits": asset.credits,
        "licence": {"name": asset.licence, "url": asset.licence_url},
        "schematic": asset.schematic,
        "scale": asset.scale,
        "up_axis": asset.up_axis,
        "sites": list(asset.sites),
        "geo_anchor": asset.geo_anchor.model_dump() if asset.geo_anchor else None,
        "hotspots": [
            {
                "id": spot.id,
                "position": list(spot.position),
                "normal": list(spot.normal),
                "label": localized(texts.hotspots[spot.id][0]),
                "text": localized(texts.hotspots[spot.id][1]),
            }
            for spot in asset.hotspots
        ],
        "status": _status(record),
        "facts": (record or {}).get("facts"),
        "variants": variants_of(record),
        "model_url": f"/api/assets/{asset.id}/model",
        "validation": {
            "validators": report.get("validators", []),
            "numErrors": issues.get("numErrors"),
            "numWarnings": issues.get("numWarnings"),
            "messages": issues.get("messages", []),
        }
        if report
        else None,
        "links": {"self": f"/api/assets/{asset.id}?lang={lang}"},
    }


def recommended_variant(variants: dict[str, Any], lite: bool) -> str | None:
    """The phone variant for Save-Data or slow networks; otherwise the full model."""
    order = ("phone", "original") if lite else ("original", "phone")
    return next((role for role in order if role in variants), None)


def asset_summary(
    asset: Asset, texts: AssetTexts, lang: str, record: dict[str, Any] | None, lite: bool = False
) -> dict[str, Any]:
    """Short form listed in each site's JSON; `lite` when the client asked to save data."""
    variants = variants_of(record)
    recommended = recommended_variant(variants, lite)
    return {
        "id": asset.id,
        "title": localized(texts.title),
        "alt": localized(texts.alt),
        "schematic": asset.schematic,
        "status": _status(record),
        "poster": variants.get("poster", {}).get("url"),
        "variants": {role: {"url": v["url"], "bytes": v["bytes"]} for role, v in variants.items()},
        "recommended": recommended,
        "facts": _summary_facts((record or {}).get("facts")),
        "model": variants[recommended]["url"] if recommended else None,
        "model_url": f"/api/assets/{asset.id}/model",
        "links": {"self": f"/api/assets/{asset.id}?lang={lang}"},
    }
