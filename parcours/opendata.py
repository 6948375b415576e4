"""Open data: the catalogue as GeoJSON and CSV, and the description of every dataset (DCAT-style).

Everything is generated from the snapshot, never written by hand: the same rows feed the GeoJSON
features and the CSV lines, and the same dataset descriptions feed the /open-data page and its
schema.org `DataCatalog` JSON-LD. Bytes are made once per snapshot and base URL.
Plain Python: no HTTP here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from parcours import geo
from parcours.documents import UNESCO_URL
from parcours.iiif import MEDIA_TYPE as IIIF_MEDIA_TYPE
from parcours.iiif import (
    collection_path,
    collection_representation,
    is_published,
    manifest_path,
    manifest_representation,
    trail_asset_ids,
)
from parcours.representation import Representation, json_representation

if TYPE_CHECKING:
    from parcours.model import Site
    from parcours.snapshot import Snapshot

GEOJSON_PATH = "/open-data/sites.geojson"
CSV_PATH = "/open-data/sites.csv"
PAGE_PATH = "/open-data"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_FILENAME = "parcours-sites.csv"


def _(message: str) -> str:
    """Marks an interface string for extraction (babel.cfg); translated where it is shown."""
    return message


CATALOG_TITLE = _("Données ouvertes de parcours")
CATALOG_DESCRIPTION = _(
    "Les éléments du Bassin minier, patrimoine mondial, dans La Porte du Hainaut, et leurs "
    "modèles 3D, générés à chaque révision du contenu."
)
SITES_TITLE = _("Les éléments du patrimoine mondial")
SITES_DESCRIPTION = _(
    "Chaque élément avec ses coordonnées (WGS84), ses communes, son type, ses références "
    "UNESCO, son nom et son résumé en français, en anglais, en néerlandais et en allemand."
)
MODELS_TITLE = _("Modèles 3D (manifestes IIIF)")
MODELS_DESCRIPTION = _(
    "Un manifeste IIIF Presentation 4.0 par modèle 3D, avec ses points d’intérêt traduits ; une "
    "collection par parcours. La version 4.0 de IIIF est encore un brouillon."
)
TEXTS_NOTE = _("Textes rédigés pour parcours à partir des sources citées pour chaque site.")


def _columns(langs: tuple[str, ...]) -> list[str]:
    head = ["id", "name", "commune", "communes", "type", "type_label", "subtype"]
    unesco = ["unesco_property", "unesco_component", "unesco_component_name", "unesco_element"]
    per_lang = [f"{key}_{lang}" for lang in langs for key in ("name", "summary")]
    return [*head, *unesco, "longitude", "latitude", "summary", *per_lang, "url"]


def _other_languages(snapshot: Snapshot) -> tuple[str, ...]:
    langs = snapshot.translations.languages
    return tuple(lang for lang in langs.negotiable if lang != langs.source)


def site_row(snapshot: Snapshot, site: Site, base: str) -> dict[str, Any]:
    """The flat record of a site: French texts, then names and summaries per language.

    A name is given in every language (the official French name is kept in all of them); a
    summary not yet translated is null rather than French mislabelled.
    """
    source = snapshot.texts[snapshot.translations.languages.source][site.id]
    lon, lat = geo.point(site.location.lat, site.location.lon)["coordinates"]
    row: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "commune": site.commune,
        "communes": list(site.communes),
        "type": site.type_slug,
        "type_label": site.type,
        "subtype": site.subtype,
        "unesco_property": site.unesco.property,
        "unesco_component": site.unesco.component,
        "unesco_component_name": site.unesco.component_name,
        "unesco_element": site.unesco.element,
        "longitude": lon,
        "latitude": lat,
        "summary": source.summary.text,
    }
    for lang in _other_languages(snapshot):
        texts = snapshot.texts[lang][site.id]
        row[f"name_{lang}"] = texts.name.text
        row[f"summary_{lang}"] = texts.summary.text if texts.summary.lang == lang else None
    row["url"] = f"{base}/sites/{site.id}"
    return row


def _about(snapshot: Snapshot) -> dict[str, Any]:
    info = snapshot.catalogue.catalogue
    return {
        "title": info.title,
        "publisher": info.publisher,
        "licence": {"name": info.licence, "url": info.licence_url},
        "attribution": info.attribution,
        "texts": TEXTS_NOTE,
        "unesco": UNESCO_URL,
        "revision": snapshot.revision,
    }


def geojson_document(snapshot: Snapshot, base: str) -> dict[str, Any]:
    """All sites as an RFC 7946 FeatureCollection; licence and attribution as foreign members."""
    features = []
    for site in snapshot.sites:
        row = site_row(snapshot, site, base)
        point = {"type": "Point", "coordinates": [row.pop("longitude"), row.pop("latitude")]}
        features.append(geo.feature(site.id, point, row))
    bbox = geo.bbox_of((s.location.lat, s.location.lon) for s in snapshot.sites)
    return {**geo.feature_collection(features, bbox), **_about(snapshot)}


def csv_bytes(snapshot: Snapshot, base: str) -> bytes:
    """RFC 4180: UTF-8, a header row, CRLF line ends, quoted when needed; lists joined by '; '."""
    columns = _columns(_other_languages(snapshot))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    for site in snapshot.sites:
        row = site_row(snapshot, site, base)
        row["communes"] = "; ".join(row["communes"])
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue().encode("utf-8")


def sites_geojson(snapshot: Snapshot, base: str) -> Representation:
    return snapshot.cache.get_or_make(
        ("open-data:geojson", base),
        lambda: json_representation(geojson_document(snapshot, base), None, "application/geo+json"),
    )


def sites_csv(snapshot: Snapshot, base: str) -> Representation:
    return snapshot.cache.get_or_make(
        ("open-data:csv", base), lambda: Representation(csv_bytes(snapshot, base), CSV_MEDIA_TYPE)
    )


def datasets(snapshot: Snapshot, base: str) -> list[dict[str, Any]]:
    """Every dataset with its distributions: stable URL, media type, size, records."""
    info = snapshot.catalogue.catalogue
    published = [a for a in snapshot.assets.values() if is_published(snapshot, a.id)]
    licences = {(a.licence, a.licence_url) for a in published}
    model_licence = (
        {"name": next(iter(licences))[0], "url": next(iter(licences))[1]}
        if len(licences) == 1
        else None
    )
    manifests = [
        {
            "url": base + manifest_path(a.id),
            "asset": a.id,
            "media_type": IIIF_MEDIA_TYPE,
            "format": "IIIF",
            "bytes": len(manifest_representation(snapshot, a.id, base).body),
            "records": len(a.hotspots),
        }
        for a in published
    ]
    collections = [
        {
            "url": base + collection_path(trail_id),
            "trail": trail_id,
            "media_type": IIIF_MEDIA_TYPE,
            "format": "IIIF",
            "bytes": len(collection_representation(snapshot, trail_id, base).body),
            "records": len(trail_asset_ids(snapshot, trail_id)),
        }
        for trail_id in snapshot.trails.resolved
    ]
    return [
        {
            "id": "sites",
            "title": SITES_TITLE,
            "description": SITES_DESCRIPTION,
            "records": len(snapshot.sites),
            "licence": {"name": info.licence, "url": info.licence_url},
            "attribution": info.attribution,
            "revision": snapshot.revision,
            "distributions": [
                {
                    "url": base + GEOJSON_PATH,
                    "media_type": "application/geo+json",
                    "format": "GeoJSON (RFC 7946)",
                    "bytes": len(sites_geojson(snapshot, base).body),
                    "records": len(snapshot.sites),
                },
                {
                    "url": base + CSV_PATH,
                    "media_type": CSV_MEDIA_TYPE,
                    "format": "CSV (RFC 4180)",
                    "bytes": len(sites_csv(snapshot, base).body),
                    "records": len(snapshot.sites),
                },
            ],
        },
        {
            "id": "models",
            "title": MODELS_TITLE,
            "description": MODELS_DESCRIPTION,
            "records": len(manifests),
            "licence": model_licence,
            "attribution": None,
            "revision": snapshot.revision,
            "distributions": manifests,
            "collections": collections,
        },
    ]


def catalog_ld(
    snapshot: Snapshot,
    base: str,
    found: list[dict[str, Any]],
    translate: Callable[[str], str],
    lang: str,
) -> dict[str, Any]:
    """schema.org `DataCatalog` of `found` (from `datasets`); `translate` gives page texts."""
    info = snapshot.catalogue.catalogue

    def dataset_ld(dataset: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@type": "Dataset",
            "@id": f"{base}{PAGE_PATH}#{dataset['id']}",
            "name": translate(dataset["title"]),
            "description": translate(dataset["description"]),
            "version": dataset["revision"],
            "isAccessibleForFree": True,
            "spatialCoverage": {"@type": "Place", "name": "La Porte du Hainaut"},
            "distribution": [
                {
                    "@type": "DataDownload",
                    "contentUrl": d["url"],
                    "encodingFormat": d["media_type"],
                    **({"contentSize": f"{d['bytes']} B"} if d.get("bytes") else {}),
                }
                for d in dataset["distributions"]
            ],
        }
        if dataset["licence"]:
            data["license"] = dataset["licence"]["url"]
        if dataset["attribution"]:
            data["creditText"] = dataset["attribution"]
        return data

    return {
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "@id": f"{base}{PAGE_PATH}",
        "url": f"{base}{PAGE_PATH}",
        "name": translate(CATALOG_TITLE),
        "description": translate(CATALOG_DESCRIPTION),
        "inLanguage": lang,
        "publisher": {"@type": "Organization", "name": info.publisher},
        "license": info.licence_url,
        "dataset": [dataset_ld(d) for d in found],
    }
