"""The immutable snapshot every request reads: records, indexes and precomputed bytes.

Built once from the files on disk (catalogue, translations). Responses that depend only on the
snapshot and the language are serialized here, once, with a strong ETag, so that serving
them is a dictionary lookup.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parcours.asset_docs import AssetTexts, asset_document, asset_summary
from parcours.assets import (
    Asset,
    asset_context,
    read_manifest,
    read_narrations,
)
from parcours.content import load_content
from parcours.documents import SiteTexts, site_document, site_item
from parcours.i18n.catalogs import Translations, load_translations
from parcours.i18n.units import SITE_FIELDS, SUBTYPE_CONTEXT, site_context
from parcours.model import Catalogue, Site
from parcours.packs import BuiltPack
from parcours.published import published_blobs
from parcours.query import SiteQuery, fold
from parcours.representation import (
    _LRU,
    LITE_HINTS,
    Representation,
    dump_json,
    json_representation,
)
from parcours.schemas import SCHEMAS, json_schema
from parcours.settings import Settings
from parcours.shortcodes import Target
from parcours.spatial import GridIndex
from parcours.trail_check import ResolvedTrail
from parcours.trail_set import TrailSet, build_trail_set
from parcours.trails import trail_context


class LazyLite:
    """Site documents for clients saving data, made on first request and kept."""

    def __init__(self, make: Callable[[str, str], Representation]) -> None:
        self.make = make
        self.made: dict[tuple[str, str], Representation] = {}

    def get(self, site_id: str, lang: str) -> Representation:
        key = (site_id, lang)
        if key not in self.made:
            self.made[key] = self.make(site_id, lang)
        return self.made[key]


def _revision(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Snapshot:
    """Everything a request may read. Never mutated after build, except bounded caches."""

    settings: Settings
    catalogue: Catalogue
    translations: Translations
    revision: str
    built_at: float
    sites: tuple[Site, ...]
    by_id: dict[str, Site]
    #: Site id -> its position in `sites` (and in each language's `items`).
    positions: dict[str, int]
    texts: dict[str, dict[str, SiteTexts]]
    documents: dict[str, dict[str, Representation]]
    #: The same site documents for clients saving data: assets point to the phone variant.
    lite_documents: LazyLite
    #: Each site's entry of the lists, as JSON: a tenth of the size of the dict it encodes.
    items: dict[str, list[bytes]]
    search_text: dict[str, dict[str, str]]
    representations: dict[str, Representation]
    assets: dict[str, Asset] = field(default_factory=dict)
    asset_texts: dict[str, dict[str, AssetTexts]] = field(default_factory=dict)
    asset_documents: dict[str, dict[str, Representation]] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    trails: TrailSet = field(default_factory=TrailSet)
    #: Offline packs made on first request: (trail id, lang) -> built pack.
    packs: dict[tuple[str, str], BuiltPack] = field(default_factory=dict)
    #: Blob names of the published variants: the only files /media/ serves.
    media_blobs: frozenset[str] = frozenset()
    #: Draft sites and trails: never served to visitors, previewed by signed-in staff.
    drafts: dict[str, Site] = field(default_factory=dict)
    draft_trails: dict[str, ResolvedTrail] = field(default_factory=dict)
    preview_trails: TrailSet = field(default_factory=TrailSet)
    #: Short codes printed on signs (`/s/<code>`) and where they lead.
    codes: dict[str, Target] = field(default_factory=dict)
    #: Filtered queries and rendered pages, made on first use for this snapshot only.
    cache: _LRU = field(default_factory=lambda: _LRU(1024))

    @property
    def languages(self) -> tuple[str, ...]:
        return self.translations.languages.accepted

    def site_representation(
        self, site_id: str, lang: str, lite: bool = False
    ) -> Representation | None:
        if lite:
            return self.lite_documents.get(site_id, lang) if site_id in self.by_id else None
        return self.documents[lang].get(site_id)

    @functools.cached_property
    def sorted_ids(self) -> list[str]:
        """Site ids in alphabetical order, to suggest the ones near a mistyped id."""
        return sorted(self.by_id)

    @functools.cached_property
    def spatial(self) -> GridIndex:
        """Grid of the sites' locations: `near` with a radius and `bbox` scan nearby cells."""
        return GridIndex([(s.location.lat, s.location.lon) for s in self.sites])

    def find_sites(self, query: SiteQuery, lang: str) -> list[tuple[Site, float | None]]:
        """Sites matching the query; sorted by distance when `near` is given."""
        # The grid applies `bbox`, `near` and `radius` exactly, gives each distance and sorts
        # by it (equal distances in catalogue order, as a stable sort would).
        near = self.spatial.select(self.sites, query.near, query.radius_m, query.bbox)
        if not (query.type or query.commune or query.q):
            return near
        terms = fold(query.q).split() if query.q else []
        commune = fold(query.commune) if query.commune else None
        search_text = self.search_text[lang]
        found: list[tuple[Site, float | None]] = []
        for site, distance in near:
            if query.type and site.type != query.type:
                continue
            if commune and commune not in {_fold_once(c) for c in site.communes}:
                continue
            if terms:
                haystack = search_text[site.id]
                if not all(term in haystack for term in terms):
                    continue
            found.append((site, distance))
        return found


def _search_text(site: Site, texts: SiteTexts, source: SiteTexts) -> str:
    parts = [site.id, site.commune, *site.communes, site.type, site.unesco.element]
    for t in (texts, source):
        parts += [t.name.text, t.summary.text, t.description.text, t.type_label.text]
        if t.subtype:
            parts.append(t.subtype.text)
    # Fallback languages share the French texts: fold each distinct text once.
    return " " + " ".join(_fold_once(part) for part in dict.fromkeys(parts)) + " "


_fold_once = functools.lru_cache(maxsize=8192)(fold)


def _same(text: str, other: str) -> str:
    """`other` when the texts are equal, so that one string is kept for both."""
    return other if text == other else text


def languages_document(translations: Translations, units: list[tuple[str, str]]) -> dict[str, Any]:
    """Each accepted language with its completeness for content and interface."""
    langs = translations.languages
    out = []
    for lang in langs.accepted:
        content = {"done": 0, "stale": 0, "missing": 0}
        for context, source in units:
            content[translations.content_status(context, source, lang)] += 1
        interface = {"done": 0, "stale": 0, "missing": 0}
        for key in translations.interface_template:
            interface[translations.interface_status(key, lang)] += 1

        def ratio(counts: dict[str, int]) -> float:
            total = sum(counts.values())
            return round(counts["done"] / total, 4) if total else 1.0

        out.append(
            {
                "code": lang,
                "source": lang == langs.source,
                "negotiable": lang in langs.negotiable,
                "fallback": [x for x in langs.chain(lang) if x != lang],
                "content": {**content, "total": len(units), "completeness": ratio(content)},
                "interface": {
                    **interface,
                    "total": len(translations.interface_template),
                    "completeness": ratio(interface),
                },
            }
        )
    return {"source": langs.source, "languages": out}


def _content_units(
    catalogue: Catalogue, assets: list[Asset], trails: list[ResolvedTrail]
) -> list[tuple[str, str]]:
    """(context, French source) of every translatable text, for completeness figures."""
    units = [(site_context(s.id, f), getattr(s, f)) for s in catalogue.sites for f in SITE_FIELDS]
    units += [
        (SUBTYPE_CONTEXT, t) for t in sorted({s.subtype for s in catalogue.sites if s.subtype})
    ]
    units += [(asset_context(a.id, k), v) for a in assets for k, v in a.translatable.items()]
    units += [
        (trail_context(t.trail.id, k), v) for t in trails for k, v in t.trail.translatable.items()
    ]
    return units


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The build makes millions of objects that live as long as the snapshot: the cyclic
    collector walked them at each of its full passes (27, a quarter of the build at 100,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def build_snapshot(settings: Settings) -> Snapshot:
    """Load, validate and precompute; raises CatalogueInvalid with every problem found."""
    loaded = load_content(settings)
    catalogue, found, trails, codes = loaded.catalogue, loaded.found, loaded.trails, loaded.codes
    translations = load_translations(
        settings.locales_dir,
        settings.source_language,
        settings.extra_languages,
        settings.fallbacks,
        settings.language_order,
        settings.build_path / "cache",
    )
    langs = translations.languages.accepted
    sites = tuple(catalogue.sites)
    assets = tuple(asset for asset, _ in found)
    manifest = read_manifest(settings)
    source = settings.source_language
    texts = {lang: {s.id: SiteTexts(s, lang, translations) for s in sites} for lang in langs}
    asset_texts = {
        lang: {a.id: AssetTexts(a, lang, translations) for a in assets} for lang in langs
    }
    asset_documents = {
        lang: {
            a.id: json_representation(
                asset_document(a, asset_texts[lang][a.id], lang, manifest.get(a.id)), lang
            )
            for a in assets
        }
        for lang in langs
    }

    def summary_of(asset_id: str, lang: str) -> dict[str, Any] | None:
        if asset_id.startswith("site:"):
            site_id = asset_id.removeprefix("site:")
            asset = next((a for a in assets if site_id in a.sites), None)
        else:
            asset = next((a for a in assets if a.id == asset_id), None)
        if asset is None:
            return None
        return asset_summary(asset, asset_texts[lang][asset.id], lang, manifest.get(asset.id))

    narrations = read_narrations(settings)
    trail_set = build_trail_set(trails, langs, translations, texts, summary_of, narrations)
    # Draft trails, for staff previews: they may stop at draft sites.
    preview_texts = (
        {
            lang: {
                **texts[lang],
                **{d.id: SiteTexts(d, lang, translations) for d in loaded.drafts.values()},
            }
            for lang in langs
        }
        if loaded.draft_trails
        else texts
    )
    preview_trails = build_trail_set(
        loaded.draft_trails.values(), langs, translations, preview_texts, summary_of, narrations
    )

    assets_of: dict[str, list[Asset]] = {}
    for asset in assets:
        for site_id in asset.sites:
            assets_of.setdefault(site_id, []).append(asset)

    def site_assets(site: Site, lang: str, lite: bool) -> list[dict[str, Any]]:
        return [
            asset_summary(a, asset_texts[lang][a.id], lang, manifest.get(a.id), lite)
            for a in assets_of.get(site.id, ())
        ]

    def site_doc(site: Site, lang: str, lite: bool) -> Representation:
        document = site_document(
            site,
            texts[lang][site.id],
            lang,
            catalogue,
            site_assets(site, lang, lite),
            trail_set.site_trails(site.id, lang),
        )
        return json_representation(document, lang, vary=("Accept-Language", *LITE_HINTS))

    documents = {lang: {s.id: site_doc(s, lang, False) for s in sites} for lang in langs}
    # Clients saving data are few: their variant of a site is made on first request.
    lite_documents = LazyLite(lambda site_id, lang: site_doc(catalogue_sites[site_id], lang, True))
    catalogue_sites = {s.id: s for s in sites}
    items = {
        lang: [dump_json(site_item(s, texts[lang][s.id], lang)) for s in sites] for lang in langs
    }
    french = {s.id: _search_text(s, texts[source][s.id], texts[source][s.id]) for s in sites}
    search_text = {  # an untranslated site keeps the French string, not a copy of it
        lang: french
        if lang == source
        else {
            s.id: _same(_search_text(s, texts[lang][s.id], texts[source][s.id]), french[s.id])
            for s in sites
        }
        for lang in langs
    }
    inputs = [
        settings.catalogue_path,
        *settings.locales_dir.glob("**/*.po"),
        *settings.assets_dir.glob("*/asset.yaml"),
        *settings.tours_dir.glob("*"),
        settings.build_path / "manifest.json",
        settings.build_path / "narrations.json",
    ]
    representations = {
        **{
            f"schema/{name}": json_representation(
                json_schema(name), None, "application/schema+json"
            )
            for name in SCHEMAS
        },
        "languages": json_representation(
            languages_document(
                translations,
                _content_units(catalogue, list(assets), list(trail_set.resolved.values())),
            )
        ),
    }
    snapshot = Snapshot(
        settings=settings,
        catalogue=catalogue,
        translations=translations,
        revision=_revision(p for p in inputs if p.is_file()),
        built_at=time.time(),
        sites=sites,
        by_id={s.id: s for s in sites},
        positions={s.id: i for i, s in enumerate(sites)},
        texts=texts,
        documents=documents,
        lite_documents=lite_documents,
        items=items,
        search_text=search_text,
        representations=representations,
        assets={a.id: a for a in assets},
        asset_texts=asset_texts,
        asset_documents=asset_documents,
        manifest=manifest,
        trails=trail_set,
        codes=codes,
        drafts=loaded.drafts,
        draft_trails=loaded.draft_trails,
        preview_trails=preview_trails,
        media_blobs=published_blobs(manifest, narrations),
    )
    _warm(snapshot)
    return snapshot


def _warm(snapshot: Snapshot) -> None:
    """Serialize the unfiltered lists now, so no visitor waits for them."""
    from parcours.listing import sites_geojson, sites_list

    default = SiteQuery(limit=snapshot.settings.page_size)
    for lang in snapshot.languages:
        sites_list(snapshot, default, lang)
        sites_geojson(snapshot, default, lang)
