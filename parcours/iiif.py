"""IIIF Presentation 4.0 (DRAFT) documents of the 3D assets and of the trails.

Each published asset becomes a Manifest with one `Scene`: the original GLB is painted into it
by an Annotation (`motivation: ["painting"]`, body of type `Model`), and each hotspot becomes a
`commenting` Annotation whose target is a `PointSelector` {x, y, z} on the Scene (metres, +y up,
as in asset.yaml). A trail becomes a Collection of the Manifests of the models shown at its
stops, in stop order. Labels, summaries and hotspot texts are given in every negotiable language
at once, each text under the language it is actually in (a fallback is French, said once).

Presentation 4.0 is a draft (3.0 is the stable version and has no 3D container): the documents
say so in `metadata` ("IIIF Presentation": "4.0 draft (...)"), see docs/open-data.md. Plain
Python over the snapshot: no HTTP here; the web layer gives the base URL and caches the bytes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from parcours.asset_docs import variants_of
from parcours.errors import NotFound, ParcoursError
from parcours.i18n.catalogs import Localized
from parcours.representation import Representation, json_representation

if TYPE_CHECKING:
    from parcours.assets import Asset
    from parcours.model import Site
    from parcours.snapshot import Snapshot

CONTEXT = "http://iiif.io/api/presentation/4/context.json"
MEDIA_TYPE = f'application/ld+json;profile="{CONTEXT}"'
SPEC_URL = "https://iiif.io/api/presentation/4.0/"
DRAFT_LABEL = "IIIF Presentation"
DRAFT_VALUE = f"4.0 draft ({SPEC_URL})"
MODEL_FORMAT = "model/gltf-binary"

LanguageMap = dict[str, list[str]]


def _(message: str) -> str:
    """Marks an interface string for extraction (babel.cfg); translated per language below."""
    return message


LABEL_SITES = _("Sites")
LABEL_COMMUNES = _("Communes")
LABEL_ELEMENTS = _("Éléments UNESCO")
LABEL_SCHEMATIC = _("Reconstitution schématique")
LABEL_CREDITS = _("Crédits")
LABEL_ATTRIBUTION = _("Attribution")
LABEL_JSON = _("Données du modèle 3D (JSON)")
LABEL_TRAIL_JSON = _("Données du parcours (JSON)")
YES = _("oui")
NO = _("non")
PROVIDER_NAME = "parcours — La Porte du Hainaut"


def manifest_path(asset_id: str) -> str:
    return f"/iiif/assets/{asset_id}/manifest.json"


def collection_path(trail_id: str) -> str:
    return f"/iiif/trails/{trail_id}/collection.json"


def language_map(values: Iterable[Localized]) -> LanguageMap:
    """`{"fr": [...], "en": [...]}`, each text under the language it is in, never twice."""
    out: LanguageMap = {}
    for value in values:
        texts = out.setdefault(value.lang, [])
        if value.text not in texts:
            texts.append(value.text)
    return out


def merge_maps(maps: Iterable[LanguageMap]) -> LanguageMap:
    """Several values of one property (one per site, say) in one language map."""
    out: LanguageMap = {}
    for one in maps:
        for lang, texts in one.items():
            out.setdefault(lang, []).extend(t for t in texts if t not in out.get(lang, []))
    return out


class Localizer:
    """Language maps over every negotiable language of a snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.langs = snapshot.translations.languages.negotiable

    def of(self, text_in: Callable[[str], Localized]) -> LanguageMap:
        return language_map(text_in(lang) for lang in self.langs)

    def interface(self, message: str) -> LanguageMap:
        translations = self.snapshot.translations
        return self.of(lambda lang: translations.interface_text(None, message, lang))

    def site_name(self, site_id: str) -> LanguageMap:
        return self.of(lambda lang: self.snapshot.texts[lang][site_id].name)

    def asset(self, asset_id: str, field: str) -> LanguageMap:
        """`title`, `description` or `alt` of an asset."""
        texts = self.snapshot.asset_texts
        return self.of(lambda lang: getattr(texts[lang][asset_id], field))

    def hotspot(self, asset_id: str, spot_id: str, part: int) -> LanguageMap:
        """A hotspot's label (part 0) or text (part 1)."""
        texts = self.snapshot.asset_texts
        return self.of(lambda lang: texts[lang][asset_id].hotspots[spot_id][part])


def _entry(label: LanguageMap, value: LanguageMap) -> dict[str, Any]:
    return {"label": label, "value": value}


def _draft_entry() -> dict[str, Any]:
    return _entry({"none": [DRAFT_LABEL]}, {"none": [DRAFT_VALUE]})


def provider(snapshot: Snapshot, base: str) -> list[dict[str, Any]]:
    """La Porte du Hainaut, publisher of the catalogue, with parcours as its homepage."""
    publisher = snapshot.catalogue.catalogue.publisher
    return [
        {
            "id": f"{base}/#provider",
            "type": "Agent",
            "label": {"fr": [publisher]},
            "homepage": [
                {
                    "id": f"{base}/",
                    "type": "Text",
                    "label": {"none": [PROVIDER_NAME]},
                    "format": "text/html",
                }
            ],
        }
    ]


def _body(asset: Asset, url: str, title: LanguageMap) -> dict[str, Any]:
    """The model as painted: a `Model`, scaled to metres and turned +y up when it needs it."""
    model = {"id": url, "type": "Model", "format": MODEL_FORMAT, "label": title}
    transforms: list[dict[str, Any]] = []
    if asset.scale != 1.0:
        s = asset.scale
        transforms.append({"type": "ScaleTransform", "x": s, "y": s, "z": s})
    if asset.up_axis == "Z":
        transforms.append({"type": "RotateTransform", "x": -90.0, "y": 0.0, "z": 0.0})
    if not transforms:
        return model
    return {"type": "SpecificResource", "source": model, "transform": transforms}


def _textual_bodies(texts: LanguageMap) -> dict[str, Any]:
    """One TextualBody per language; a Choice between them when there are several."""
    bodies = [
        {"type": "TextualBody", "language": lang, "format": "text/plain", "value": value}
        for lang, values in texts.items()
        for value in values
    ]
    return bodies[0] if len(bodies) == 1 else {"type": "Choice", "items": bodies}


def _hotspot_page(asset: Asset, loc: Localizer, root: str, scene: dict[str, str]) -> dict[str, Any]:
    items = []
    for spot in asset.hotspots:
        x, y, z = (float(v) for v in spot.position)
        items.append(
            {
                "id": f"{root}/annotations/hotspots/{spot.id}",
                "type": "Annotation",
                "motivation": ["commenting"],
                "label": loc.hotspot(asset.id, spot.id, 0),
                "body": _textual_bodies(loc.hotspot(asset.id, spot.id, 1)),
                "target": {
                    "type": "SpecificResource",
                    "source": scene,
                    "selector": [{"type": "PointSelector", "x": x, "y": y, "z": z}],
                },
            }
        )
    return {"id": f"{root}/annotations/hotspots", "type": "AnnotationPage", "items": items}


def _metadata(asset: Asset, sites: list[Site], loc: Localizer) -> list[dict[str, Any]]:
    """Sites, communes, UNESCO elements, schematic or not, credits, and the draft marker."""
    entries = []
    if sites:
        entries += [
            _entry(loc.interface(LABEL_SITES), merge_maps(loc.site_name(s.id) for s in sites)),
            _entry(
                loc.interface(LABEL_COMMUNES),
                {"fr": list(dict.fromkeys(c for s in sites for c in s.communes))},
            ),
            _entry(loc.interface(LABEL_ELEMENTS), {"none": [s.unesco.element for s in sites]}),
        ]
    return [
        *entries,
        _entry(loc.interface(LABEL_SCHEMATIC), loc.interface(YES if asset.schematic else NO)),
        _entry(loc.interface(LABEL_CREDITS), {"fr": [asset.credits]}),
        _draft_entry(),
    ]


def _image(poster: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "id": base + poster["url"],
        "type": "Image",
        "format": poster.get("media_type", "image/webp"),
    }


def unknown_asset(snapshot: Snapshot, asset_id: str) -> NotFound:
    close = difflib.get_close_matches(asset_id, list(snapshot.assets), n=3, cutoff=0.5)
    return NotFound("asset", asset_id[:100], close)


def asset_manifest(snapshot: Snapshot, asset_id: str, base: str) -> dict[str, Any]:
    """The Manifest of one published asset; 404 for an unknown or not yet built one."""
    asset = snapshot.assets.get(asset_id)
    if asset is None:
        raise unknown_asset(snapshot, asset_id)
    variants = variants_of(snapshot.manifest.get(asset_id))
    original = variants.get("original")
    if original is None:
        raise ParcoursError(
            f"asset '{asset_id}': model not built yet; run `parcours build` (and see its "
            "validation report)",
            "model_not_built",
            404,
            {"id": asset_id},
        )
    loc = Localizer(snapshot)
    title = loc.asset(asset.id, "title")
    root = f"{base}/iiif/assets/{asset.id}"
    scene = {"id": f"{root}/scene/1", "type": "Scene"}
    sites = [snapshot.by_id[s] for s in asset.sites if s in snapshot.by_id]
    homepage = [
        {"id": f"{base}/sites/{s.id}", "type": "Text", "label": loc.site_name(s.id)} for s in sites
    ] or [{"id": f"{base}/assets/{asset.id}", "type": "Text", "label": title}]
    manifest: dict[str, Any] = {
        "@context": CONTEXT,
        "id": base + manifest_path(asset.id),
        "type": "Manifest",
        "label": title,
        "summary": loc.asset(asset.id, "description"),
        "metadata": _metadata(asset, sites, loc),
        "requiredStatement": _entry(
            loc.interface(LABEL_ATTRIBUTION), {"fr": [f"{asset.credits} — {asset.licence}"]}
        ),
    }
    if asset.licence_url:
        manifest["rights"] = asset.licence_url
    manifest |= {
        "provider": provider(snapshot, base),
        "homepage": [{**page, "format": "text/html"} for page in homepage],
        "seeAlso": [
            {
                "id": f"{base}/api/assets/{asset.id}",
                "type": "Dataset",
                "label": loc.interface(LABEL_JSON),
                "format": "application/json",
            }
        ],
    }
    poster = variants.get("poster")
    if poster:
        thumbnail = {**_image(poster, base), "label": loc.asset(asset.id, "alt")}
        manifest["thumbnail"] = [
            thumbnail | {k: poster[k] for k in ("width", "height") if k in poster}
        ]
    painting = {
        "id": f"{root}/scene/1/annotation/model",
        "type": "Annotation",
        "motivation": ["painting"],
        "body": _body(asset, base + original["url"], title),
        "target": scene,
    }
    page = {"id": f"{root}/scene/1/page/1", "type": "AnnotationPage", "items": [painting]}
    manifest["items"] = [{**scene, "label": title, "items": [page]}]
    if asset.hotspots:
        manifest["annotations"] = [_hotspot_page(asset, loc, root, scene)]
    return manifest


def is_published(snapshot: Snapshot, asset_id: str) -> bool:
    return "original" in variants_of(snapshot.manifest.get(asset_id))


def trail_asset_ids(snapshot: Snapshot, trail_id: str) -> list[str]:
    """Published assets shown at the trail's stops (then in their dated layers), in stop order."""
    document = snapshot.trails.documents[snapshot.translations.languages.source][trail_id]
    found: list[str] = []
    for stop in document["stops"]:
        for shown in [stop.get("asset"), *(layer.get("asset") for layer in stop["layers"])]:
            if shown and shown["id"] not in found and is_published(snapshot, shown["id"]):
                found.append(shown["id"])
    return found


def trail_collection(snapshot: Snapshot, trail_id: str, base: str) -> dict[str, Any]:
    """The Collection of a trail: the Manifests of its models, in stop order."""
    if trail_id not in snapshot.trails.resolved:
        known = list(snapshot.trails.resolved)
        raise NotFound(
            "trail", trail_id[:100], difflib.get_close_matches(trail_id, known, n=3, cutoff=0.4)
        )
    loc = Localizer(snapshot)
    documents = snapshot.trails.documents

    def field(name: str) -> Callable[[str], Localized]:
        def text_in(lang: str) -> Localized:
            value = documents[lang][trail_id][name]
            return Localized(value["text"], value["lang"])

        return text_in

    title = loc.of(field("title"))
    items = []
    for asset_id in trail_asset_ids(snapshot, trail_id):
        item: dict[str, Any] = {
            "id": base + manifest_path(asset_id),
            "type": "Manifest",
            "label": loc.asset(asset_id, "title"),
        }
        poster = variants_of(snapshot.manifest.get(asset_id)).get("poster")
        if poster:
            item["thumbnail"] = [_image(poster, base)]
        items.append(item)
    return {
        "@context": CONTEXT,
        "id": base + collection_path(trail_id),
        "type": "Collection",
        "label": title,
        "summary": loc.of(field("summary")),
        "metadata": [_draft_entry()],
        "provider": provider(snapshot, base),
        "homepage": [
            {
                "id": f"{base}/trails/{trail_id}",
                "type": "Text",
                "label": title,
                "format": "text/html",
            }
        ],
        "seeAlso": [
            {
                "id": f"{base}/api/trails/{trail_id}",
                "type": "Dataset",
                "label": loc.interface(LABEL_TRAIL_JSON),
                "format": "application/json",
            }
        ],
        "items": items,
    }


def manifest_representation(snapshot: Snapshot, asset_id: str, base: str) -> Representation:
    """The Manifest's bytes, made once per snapshot and base URL (errors are never cached)."""
    return snapshot.cache.get_or_make(
        ("iiif:manifest", asset_id, base),
        lambda: json_representation(asset_manifest(snapshot, asset_id, base), None, MEDIA_TYPE),
    )


def collection_representation(snapshot: Snapshot, trail_id: str, base: str) -> Representation:
    """The trail Collection's bytes, made once per snapshot and base URL."""
    return snapshot.cache.get_or_make(
        ("iiif:collection", trail_id, base),
        lambda: json_representation(trail_collection(snapshot, trail_id, base), None, MEDIA_TYPE),
    )
