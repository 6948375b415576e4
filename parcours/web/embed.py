"""Embed pages for museums' iframes: only the viewer, or only the trail's map and stops.

Options come from the query string so that a museum needs no code of ours: `lang`,
`hotspots=0|1`, `autorotate=0|1`, `background=#rrggbb|transparent`, `poster=0|1` (poster until
a tap). Every option is validated: a bad one is a 400 naming it, never a broken page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.errors import BadParameter, NotFound
from parcours.linked_data import model_ld, script_ld, trail_ld
from parcours.listing import suggest_sites
from parcours.snapshot import Snapshot
from parcours.web.api import single_params
from parcours.web.language import page_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.page_views import asset_view, script_json, trail_map_data, trail_svg
from parcours.web.pages import base_url, html_page, page_response, render
from parcours.web.state import snapshot_of
from parcours.web.trails import trail_id_of

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
OPTIONS = ("lang", "hotspots", "autorotate", "background", "poster")


@dataclass(frozen=True)
class EmbedOptions:
    hotspots: bool = True
    autorotate: bool = False
    background: str = "#eef0ea"
    poster_only: bool = False

    def query(self) -> list[tuple[str, str]]:
        """The options as given, to keep them in links (the key of the page cache too)."""
        return [
            ("hotspots", "1" if self.hotspots else "0"),
            ("autorotate", "1" if self.autorotate else "0"),
            ("background", self.background),
            ("poster", "1" if self.poster_only else "0"),
        ]


def _flag(params: dict[str, str], name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if value in {"1", "true", "on"}:
        return True
    if value in {"0", "false", "off"}:
        return False
    raise BadParameter(name, f"'{value[:20]}' is not 0 or 1", example=f"{name}=1")


def parse_options(params: dict[str, str]) -> EmbedOptions:
    background = params.get("background", EmbedOptions.background)
    if background != "transparent" and not _COLOUR.match(background):
        raise BadParameter(
            "background",
            f"'{background[:20]}' is not a colour #rrggbb nor 'transparent'",
            example="background=%23ffffff",
        )
    return EmbedOptions(
        hotspots=_flag(params, "hotspots", True),
        autorotate=_flag(params, "autorotate", False),
        background=background,
        poster_only=_flag(params, "poster", False),
    )


def _asset_of_site(snapshot: Snapshot, site_id: str, lang: str) -> dict[str, Any] | None:
    for asset in snapshot.assets.values():
        if site_id in asset.sites:
            view = asset_view(snapshot, asset.id, lang)
            if view is not None:
                return view
    return None


def _page(
    request: Request, kind: str, ident: str, make: Any, snapshot: Snapshot, lang: str
) -> Response:
    options = parse_options(single_params(request, OPTIONS))
    key = ("page:embed", kind, ident, lang, base_url(request, snapshot), tuple(options.query()))
    rep = snapshot.cache.get_or_make(key, lambda: html_page(make(options), lang))
    return page_response(request, rep, lang)


def _viewer_page(
    request: Request, snapshot: Snapshot, lang: str, view: dict[str, Any] | None, **context: Any
) -> Any:
    base = base_url(request, snapshot)

    def make(options: EmbedOptions) -> str:
        return render(
            snapshot,
            "embed.html",
            lang,
            kind="model",
            view=view,
            options=options,
            json_ld=Markup(script_ld({"@context": "https://schema.org", **model_ld(view, base)}))
            if view
            else None,
            alternates=[],
            canonical=None,
            **context,
        )

    return make


async def embed_site(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = page_language(request, snapshot)
    site_id = request.path_params["site_id"]
    site = snapshot.by_id.get(site_id)
    if site is None:
        raise NotFound("site", site_id[:100], suggest_sites(snapshot, site_id[:100]))
    view = _asset_of_site(snapshot, site_id, lang)
    title = snapshot.texts[lang][site_id].name
    make = _viewer_page(
        request, snapshot, lang, view, title=title, full_url=f"/sites/{site_id}?lang={lang}"
    )
    return _page(request, "site", site_id, make, snapshot, lang)


async def embed_asset(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = page_language(request, snapshot)
    asset_id = request.path_params["asset_id"]
    if asset_id not in snapshot.assets:
        raise NotFound("asset", asset_id[:100], [])
    view = asset_view(snapshot, asset_id, lang)
    title = snapshot.asset_texts[lang][asset_id].title
    make = _viewer_page(
        request, snapshot, lang, view, title=title, full_url=f"/assets/{asset_id}?lang={lang}"
    )
    return _page(request, "asset", asset_id, make, snapshot, lang)


async def embed_trail(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = page_language(request, snapshot)
    trail_id = trail_id_of(request, snapshot)
    trail = snapshot.trails.documents[lang][trail_id]
    base = base_url(request, snapshot)
    data = trail_map_data(snapshot, trail)

    def make(options: EmbedOptions) -> str:
        return render(
            snapshot,
            "embed.html",
            lang,
            kind="trail",
            trail=trail,
            options=options,
            title=trail["title"],
            svg=Markup(trail_svg(data, trail["title"]["text"])),
            map_json=Markup(script_json(data)),
            tile_url=snapshot.settings.tile_url,
            tile_attribution=snapshot.settings.tile_attribution,
            full_url=f"/trails/{trail_id}?lang={lang}",
            json_ld=Markup(
                script_ld(trail_ld(trail, lang, f"{base}/trails/{trail_id}?lang={lang}", base))
            ),
            alternates=[],
            canonical=None,
        )

    return _page(request, "trail", trail_id, make, snapshot, lang)


EMBED_PARAMS = (
    LANG,
    ACCEPT_LANGUAGE,
    Param("hotspots", "1 (default) shows the hotspots, 0 hides them."),
    Param("autorotate", "1 turns the model slowly (with a pause button); 0 by default."),
    Param("background", "#rrggbb or transparent."),
    Param("poster", "1 shows the poster until the visitor taps to load the model."),
)

ROUTES = [
    Documented(
        Route("/embed/sites/{site_id}", embed_site),
        "Embeddable viewer of a site's model, for an iframe (framing allowed)",
        "embed",
        EMBED_PARAMS,
        "text/html",
        {"400": "An option is invalid.", "404": "Unknown site."},
    ),
    Documented(
        Route("/embed/assets/{asset_id}", embed_asset),
        "Embeddable viewer of one 3D model, for an iframe (framing allowed)",
        "embed",
        EMBED_PARAMS,
        "text/html",
        {"400": "An option is invalid.", "404": "Unknown asset."},
    ),
    Documented(
        Route("/embed/trails/{trail_id}", embed_trail),
        "Embeddable map and stops of a trail, for an iframe (framing allowed)",
        "embed",
        EMBED_PARAMS,
        "text/html",
        {"400": "An option is invalid.", "404": "Unknown trail."},
    ),
]
