"""The JSON documents of the catalogue, per language, as the API and pages serve them.

Built once per snapshot. Every localized field is `{"text": ..., "lang": ...}` so a client
always knows which language it actually got (a missing translation falls back to French).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from parcours import geo
from parcours.i18n.catalogs import Localized, Translations
from parcours.i18n.units import SUBTYPE_CONTEXT, site_context
from parcours.model import Catalogue, Site

TYPE_CONTEXT = "type de site"
UNESCO_URL = "https://whc.unesco.org/en/list/1360/"


def localized(value: Localized) -> dict[str, str]:
    return {"text": value.text, "lang": value.lang}


def site_url(site_id: str, lang: str, kind: str = "api") -> str:
    base = f"/api/sites/{site_id}" if kind == "api" else f"/sites/{site_id}"
    return f"{base}?{urlencode({'lang': lang})}"


class SiteTexts:
    """Localized texts of one site in one language (looked up once, reused by every shape)."""

    def __init__(self, site: Site, lang: str, translations: Translations) -> None:
        text = translations.text
        self.name = text(site_context(site.id, "name"), site.name, lang)
        self.summary = text(site_context(site.id, "summary"), site.summary, lang)
        self.description = text(site_context(site.id, "description"), site.description, lang)
        self.subtype = text(SUBTYPE_CONTEXT, site.subtype, lang) if site.subtype else None
        self.type_label = translations.interface_text(TYPE_CONTEXT, site.type, lang)


def site_document(
    site: Site,
    texts: SiteTexts,
    lang: str,
    catalogue: Catalogue,
    assets: list[dict[str, Any]] | None = None,
    trails: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Full record of a site, as served by GET /api/sites/{id}, with its 3D models."""
    return {
        "id": site.id,
        "lang": lang,
        "name": localized(texts.name),
        "type": {"id": site.type_slug, "label": localized(texts.type_label)},
        "subtype": localized(texts.subtype) if texts.subtype else None,
        "commune": site.commune,
        "communes": list(site.communes),
        "location": {"lat": site.location.lat, "lon": site.location.lon},
        "unesco": {
            "property": site.unesco.property,
            "component": site.unesco.component,
            "component_name": {"text": site.unesco.component_name, "lang": "fr"},
            "element": site.unesco.element,
            "url": UNESCO_URL,
        },
        "summary": localized(texts.summary),
        "description": localized(texts.description),
        "sources": list(site.sources),
        "assets": assets or [],
        "trails": trails or [],
        "attribution": catalogue.catalogue.attribution,
        "licence": {"name": catalogue.catalogue.licence, "url": catalogue.catalogue.licence_url},
        "links": {
            "self": site_url(site.id, lang),
            "html": site_url(site.id, lang, "html"),
        },
    }


def site_item(site: Site, texts: SiteTexts, lang: str) -> dict[str, Any]:
    """Short record of a site, for lists."""
    return {
        "id": site.id,
        "name": localized(texts.name),
        "type": {"id": site.type_slug, "label": localized(texts.type_label)},
        "commune": site.commune,
        "communes": list(site.communes),
        "location": {"lat": site.location.lat, "lon": site.location.lon},
        "unesco_element": site.unesco.element,
        "summary": localized(texts.summary),
        "links": {"self": site_url(site.id, lang), "html": site_url(site.id, lang, "html")},
    }


def site_feature(
    site: Site, texts: SiteTexts, lang: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """GeoJSON Feature with flat properties (GIS tools read flat attributes best)."""
    properties: dict[str, Any] = {
        "name": texts.name.text,
        "name_lang": texts.name.lang,
        "type": site.type_slug,
        "type_label": texts.type_label.text,
        "type_label_lang": texts.type_label.lang,
        "commune": site.commune,
        "communes": list(site.communes),
        "unesco_element": site.unesco.element,
        "summary": texts.summary.text,
        "summary_lang": texts.summary.lang,
        "url": site_url(site.id, lang, "html"),
        "api": site_url(site.id, lang),
        **(extra or {}),
    }
    return geo.feature(site.id, geo.point(site.location.lat, site.location.lon), properties)
