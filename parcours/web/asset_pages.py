"""A 3D model's own page: the viewer, what the model shows and how it was made, its files.

Museums and curators link to a model rather than a site (one site may have several models,
a scene such as the Denain 1712 diorama belongs to a trail): this is the page they share,
embed (oEmbed) and cite (IIIF manifest, JSON-LD `3DModel`).
"""

from __future__ import annotations

import json

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.linked_data import model_ld, script_ld
from parcours.web.api import single_params
from parcours.web.language import page_language
from parcours.web.oembed import discovery_links
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented
from parcours.web.page_views import asset_view
from parcours.web.pages import alternates, base_url, html_page, page_response, render
from parcours.web.state import snapshot_of


async def asset_page(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = page_language(request, snapshot)
    asset_id = request.path_params["asset_id"]
    if asset_id not in snapshot.assets:
        import difflib

        close = difflib.get_close_matches(asset_id, list(snapshot.assets), n=3, cutoff=0.5)
        raise NotFound("asset", asset_id[:100], close)
    base = base_url(request, snapshot)

    def make() -> str:
        document = json.loads(snapshot.asset_documents[lang][asset_id].body)
        view = asset_view(snapshot, asset_id, lang)
        page_url = f"{base}/assets/{asset_id}?lang={lang}"
        ld = {"@context": "https://schema.org", **model_ld(view, base)} if view else None
        return render(
            snapshot,
            "asset.html",
            lang,
            title=document["title"]["text"],
            asset=document,
            view=view,
            sites=[(s, snapshot.texts[lang][s].name) for s in document["sites"]],
            json_ld=Markup(script_ld(ld)) if ld else None,
            oembed=discovery_links(base, page_url, document["title"]["text"]),
            alternates=alternates(base, f"/assets/{asset_id}", [], snapshot),
            canonical=page_url,
            json_url=f"/api/assets/{asset_id}?lang={lang}",
            embed_url=f"{base}/embed/assets/{asset_id}?lang={lang}",
        )

    key = ("page:asset", lang, base, asset_id)
    rep = snapshot.cache.get_or_make(key, lambda: html_page(make(), lang))
    return page_response(request, rep, lang)


ROUTES = [
    Documented(
        Route("/assets/{asset_id}", asset_page),
        "A 3D model's page: viewer, description, hotspots, files and licence (HTML)",
        "pages",
        (LANG, ACCEPT_LANGUAGE),
        "text/html",
        {"404": "Unknown asset."},
    ),
]
