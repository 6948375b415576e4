"""Open data routes: the catalogue as GeoJSON and CSV, and the /open-data page describing them.

The datasets and their descriptions come from parcours.opendata (generated from the snapshot);
bytes are made once per snapshot and base URL and answered with ETag/304 and CORS.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours import opendata
from parcours.linked_data import script_ld
from parcours.snapshot import Snapshot
from parcours.web.api import single_params
from parcours.web.language import page_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented
from parcours.web.pages import alternates, base_url, html_page, page_response, render
from parcours.web.responses import represent
from parcours.web.state import snapshot_of


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); translated when the page is made."""
    return message


_API_SITES = _("API JSON des sites (filtres, pages, GeoJSON)")
_API_ASSETS = _("API JSON des modèles 3D")
_API_TRAILS = _("API JSON des parcours")


async def sites_geojson(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ())
    return represent(request, opendata.sites_geojson(snapshot, base_url(request, snapshot)))


async def sites_csv(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ())
    response = represent(request, opendata.sites_csv(snapshot, base_url(request, snapshot)))
    disposition = f'inline; filename="{opendata.CSV_FILENAME}"'
    response.raw_headers.append((b"content-disposition", disposition.encode("latin-1")))
    return response


def _page(snapshot: Snapshot, base: str, lang: str) -> str:
    translations = snapshot.translations

    def translate(message: str) -> str:
        return translations.interface_text(None, message, lang).text

    found = opendata.datasets(snapshot, base)
    sites, models = found
    titles = {a: snapshot.asset_texts[lang][a].title for a in snapshot.assets}
    trails = snapshot.trails.documents[lang]
    return render(
        snapshot,
        "open_data.html",
        lang,
        title=translate(opendata.CATALOG_TITLE),
        sites=sites,
        models=models,
        asset_titles=titles,
        trail_titles={t: trails[t]["title"] for t in trails},
        translate=translate,
        texts_note=opendata.TEXTS_NOTE,
        revision=snapshot.revision,
        base=base,
        apis=[
            ("OGC API – Features", f"{base}/ogc"),
            (translate(_API_SITES), f"{base}/api/sites"),
            (translate(_API_ASSETS), f"{base}/api/assets"),
            (translate(_API_TRAILS), f"{base}/api/trails"),
            ("OpenAPI 3.1", f"{base}/openapi.json"),
        ],
        json_ld=Markup(script_ld(opendata.catalog_ld(snapshot, base, found, translate, lang))),
        alternates=alternates(base, opendata.PAGE_PATH, [], snapshot),
        canonical=f"{base}{opendata.PAGE_PATH}?lang={lang}",
    )


async def open_data_page(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = page_language(request, snapshot)
    base = base_url(request, snapshot)
    rep = snapshot.cache.get_or_make(
        ("page:open-data", lang, base), lambda: html_page(_page(snapshot, base, lang), lang)
    )
    return page_response(request, rep, lang)


ROUTES = [
    Documented(
        Route(opendata.GEOJSON_PATH, sites_geojson),
        "Open data: all sites as GeoJSON (RFC 7946), texts in every language, with licence",
        "open-data",
        media_type="application/geo+json",
    ),
    Documented(
        Route(opendata.CSV_PATH, sites_csv),
        "Open data: all sites as CSV (RFC 4180, UTF-8, longitude and latitude columns)",
        "open-data",
        media_type=opendata.CSV_MEDIA_TYPE,
    ),
    Documented(
        Route(opendata.PAGE_PATH, open_data_page),
        "Open data page: each dataset with URL, format, size, records, revision and licence; "
        "schema.org DataCatalog JSON-LD (HTML)",
        "open-data",
        (LANG, ACCEPT_LANGUAGE),
        "text/html",
    ),
]
