"""Server-rendered, mobile-first pages that work without JavaScript.

Rendered once per snapshot, language and address, then served from the snapshot's cache
with an ETag like the API.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.documents import TYPE_CONTEXT, UNESCO_URL, SiteTexts
from parcours.errors import NotFound
from parcours.linked_data import home_ld, model_ld, script_ld, site_ld
from parcours.listing import suggest_sites
from parcours.model import SITE_TYPES, Site, slugify
from parcours.query import SiteQuery, parse_site_query
from parcours.representation import Representation
from parcours.snapshot import Snapshot
from parcours.trail_docs import format_bytes
from parcours.web.api import single_params
from parcours.web.language import page_language, remember_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.page_views import (
    asset_view,
    script_json,
    site_narrations,
    site_trail_links,
    sites_map_data,
    sites_svg,
)
from parcours.web.responses import represent
from parcours.web.state import snapshot_of

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
LANGUAGE_NAMES = {
    "fr": "Français",
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
    "pcd": "Picard",
    "pl": "Polski",
    "it": "Italiano",
    "ar": "العربية",
}
RTL = {"ar"}


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); translated when the page is made."""
    return message


MAP_TITLE = _("Carte des sites et des parcours")


def babel_locale(lang: str, fallback: str = "fr") -> Locale:
    """Babel locale for formatting; languages without CLDR data (pcd) use the fallback."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(fallback)


def base_url(request: Request, snapshot: Snapshot) -> str:
    return snapshot.settings.public_url or str(request.base_url).rstrip("/")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def render(snapshot: Snapshot, template: str, lang: str, **context: Any) -> str:
    gettext = snapshot.translations.gettext(lang)
    locale = babel_locale(lang, snapshot.settings.source_language)
    env = _env.overlay()
    env.install_gettext_translations(gettext, newstyle=True)  # type: ignore[attr-defined]
    return env.get_template(template).render(
        lang=lang,
        dir="rtl" if lang in RTL else "ltr",
        language_names=LANGUAGE_NAMES,
        languages=snapshot.translations.languages.negotiable,
        number=lambda value, fmt="#,##0.#####": format_decimal(value, fmt, locale=locale),
        size=lambda value: format_bytes(int(value), lang),
        paragraphs=_paragraphs,
        catalogue=snapshot.catalogue.catalogue,
        **context,
    )


def alternates(
    base: str, path: str, query: list[tuple[str, str]], snapshot: Snapshot
) -> list[tuple[str, str]]:
    out = [
        (lang, f"{base}{path}?{urlencode([*query, ('lang', lang)])}")
        for lang in snapshot.translations.languages.negotiable
    ]
    out.append(("x-default", f"{base}{path}" + (f"?{urlencode(query)}" if query else "")))
    return out


def html_page(body: str, lang: str) -> Representation:
    return Representation(
        body.encode("utf-8"), "text/html; charset=utf-8", lang, ("Accept-Language", "Cookie")
    )


def page_response(request: Request, rep: Representation, lang: str) -> Response:
    """A page, remembering the language the visitor picked with `?lang=`."""
    return remember_language(request, represent(request, rep, cors=False), lang)


def site_texts(snapshot: Snapshot, site: Site, lang: str) -> SiteTexts:
    """A site's texts; drafts (previewed by staff) have theirs made on demand."""
    known = snapshot.texts[lang].get(site.id)
    return known if known is not None else SiteTexts(site, lang, snapshot.translations)


def _home(request: Request, snapshot: Snapshot, lang: str, query: SiteQuery) -> str:
    base = base_url(request, snapshot)
    texts = snapshot.texts[lang]
    found = [site for site, _ in snapshot.find_sites(query, lang)]
    by_commune: dict[str, list[Site]] = defaultdict(list)
    for site in found:
        by_commune[site.commune].append(site)
    counts = {t: sum(1 for s in snapshot.sites if s.type == t) for t in SITE_TYPES}
    type_labels = {
        t: snapshot.translations.interface_text(TYPE_CONTEXT, t, lang) for t in SITE_TYPES
    }
    filters = query.params()
    map_data = sites_map_data(snapshot, lang)
    map_title = snapshot.translations.interface_text(None, MAP_TITLE, lang).text
    return render(
        snapshot,
        "home.html",
        lang,
        title=None,
        svg=Markup(sites_svg(map_data, map_title)),
        json_ld=Markup(script_ld(home_ld(snapshot, lang, base))),
        map_json=Markup(script_json(map_data)),
        trails=[snapshot.trails.documents[lang][t] for t in snapshot.trails.resolved],
        tile_url=snapshot.settings.tile_url,
        tile_attribution=snapshot.settings.tile_attribution,
        communes=sorted(by_commune.items(), key=lambda kv: kv[0]),
        texts=texts,
        found=found,
        total=len(snapshot.sites),
        counts=counts,
        type_labels=type_labels,
        slugify=slugify,
        current_type=query.type,
        q=query.q or "",
        alternates=alternates(base, "/", filters, snapshot),
        json_url=f"/api/sites?{urlencode([('lang', lang), *filters])}",
        geojson_url=f"/api/sites.geojson?{urlencode([('lang', lang), *filters])}",
        canonical=f"{base}/?{urlencode([*filters, ('lang', lang)])}",
    )


async def home(request: Request) -> Response:
    snapshot = snapshot_of(request)
    params = single_params(request, ("lang", "type", "q", "commune"))
    lang = page_language(request, snapshot)
    params.pop("lang", None)
    settings = snapshot.settings
    query = parse_site_query(
        params,
        len(snapshot.sites),
        len(snapshot.sites),
        settings.max_radius_m,
        ("type", "q", "commune"),
    )
    key = ("page:home", lang, base_url(request, snapshot), tuple(query.params()))
    rep = snapshot.cache.get_or_make(
        key, lambda: html_page(_home(request, snapshot, lang, query), lang)
    )
    return page_response(request, rep, lang)


def _site_page(
    request: Request, snapshot: Snapshot, site: Site, lang: str, preview: bool = False
) -> str:
    from parcours.web.oembed import discovery_links

    base = base_url(request, snapshot)
    texts = site_texts(snapshot, site, lang)
    page_url = f"{base}/sites/{site.id}?lang={lang}"
    views = [
        view
        for asset in snapshot.assets.values()
        if site.id in asset.sites
        for view in [asset_view(snapshot, asset.id, lang)]
        if view is not None
    ]
    return render(
        snapshot,
        "site.html",
        lang,
        title=texts.name.text,
        site=site,
        t=texts,
        description_paragraphs=_paragraphs(texts.description.text),
        json_ld=Markup(
            script_ld(site_ld(site, snapshot, lang, page_url, [model_ld(a, base) for a in views]))
        ),
        preview=preview,
        assets=views,
        oembed=discovery_links(base, page_url, texts.name.text),
        embed_url=f"{base}/embed/sites/{site.id}?lang={lang}",
        narrations=site_narrations(snapshot, site.id, lang),
        trail_links=site_trail_links(snapshot, site.id, lang),
        alternates=alternates(base, f"/sites/{site.id}", [], snapshot),
        json_url=f"/api/sites/{site.id}?lang={lang}",
        canonical=page_url,
        unesco_url=UNESCO_URL,
        osm_url=f"https://www.openstreetmap.org/?mlat={site.location.lat}"
        f"&mlon={site.location.lon}#map=17/{site.location.lat}/{site.location.lon}",
    )


async def site_page(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = page_language(request, snapshot)
    site_id = request.path_params["site_id"]
    site = snapshot.by_id.get(site_id)
    if site is None:
        raise NotFound("site", site_id[:100], suggest_sites(snapshot, site_id[:100]))
    key = ("page:site", lang, base_url(request, snapshot), site_id)
    rep = snapshot.cache.get_or_make(
        key, lambda: html_page(_site_page(request, snapshot, site, lang), lang)
    )
    return page_response(request, rep, lang)


def render_error(request: Request, status: int, message: str, details: dict[str, Any]) -> str:
    """Friendly error page in the visitor's language (never fails itself)."""
    snapshot = snapshot_of(request)
    langs = snapshot.translations.languages
    try:
        lang = page_language(request, snapshot)
    except Exception:
        lang = langs.source
    suggestions = [
        (s, snapshot.texts[lang][s].name.text)
        for s in details.get("suggestions", [])
        if s in snapshot.by_id
    ]
    return render(
        snapshot,
        "error.html",
        lang,
        title=str(status),
        status=status,
        message=message,
        suggestions=suggestions,
        alternates=[],
        canonical=None,
    )


ROUTES = [
    Documented(
        Route("/", home),
        "Home page: the sites by commune and type (HTML)",
        "pages",
        (
            LANG,
            ACCEPT_LANGUAGE,
            Param("type", "Only this type."),
            Param("q", "Search text."),
            Param("commune", "Only this commune."),
        ),
        "text/html",
        {"400": "A parameter is invalid."},
    ),
    Documented(
        Route("/sites/{site_id}", site_page),
        "A site's page (HTML)",
        "pages",
        (LANG, ACCEPT_LANGUAGE),
        "text/html",
        {"404": "Unknown site."},
    ),
]
