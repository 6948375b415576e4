"""The trail page: map, numbered stops, guided mode and offline download.

The page carries everything guided mode needs (stops, radii, route, translated words) in one
JSON element, so that once downloaded it follows the visitor without any network.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.linked_data import script_ld, trail_ld
from parcours.snapshot import Snapshot
from parcours.trail_docs import MAX_ACCURACY_M, OFF_TRAIL_M
from parcours.trail_progress import AT_STOP, DIRECTION_CONTEXT, DIRECTIONS, FINISHED, NEXT_STOP
from parcours.web.api import single_params
from parcours.web.language import page_language
from parcours.web.oembed import discovery_links
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented
from parcours.web.page_views import asset_view, script_json, trail_map_data, trail_svg
from parcours.web.pages import alternates, base_url, html_page, page_response, render
from parcours.web.state import snapshot_of
from parcours.web.trails import trail_id_of
from parcours.web.vendor import MAP_FILES, VIEWER_FILES, VendorFiles


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); translated when the page is made."""
    return message


MODE_LABELS = {"walk": _("À pied"), "bike": _("À vélo")}
GUIDE_WORDS = {
    "at_stop": AT_STOP,
    "next_stop": NEXT_STOP,
    "finished": FINISHED,
    "no_position": _("Position indisponible : le guide reprendra dès qu’elle revient."),
    "denied": _("Sans accès à votre position, suivez les étapes dans l’ordre ci-dessous."),
    "downloading": _("Téléchargement… %(done)s sur %(total)s"),
    "downloaded": _("Parcours téléchargé (%(total)s) : il fonctionne sans réseau."),
    "download_failed": _("Le téléchargement a échoué : %(reason)s. Réessayez avec du réseau."),
    "download_size": _("Télécharger ce parcours (%(total)s)"),
    "forgotten": _("Téléchargement supprimé."),
    "offline_unsupported": _("Ce navigateur ne peut pas garder le parcours hors connexion."),
}


def _words(snapshot: Snapshot, lang: str) -> dict[str, Any]:
    def say(text: str, context: str | None = None) -> str:
        return snapshot.translations.interface_text(context, text, lang).text

    return {
        **{key: say(text) for key, text in GUIDE_WORDS.items()},
        "directions": {key: say(word, DIRECTION_CONTEXT) for key, word in DIRECTIONS.items()},
    }


def offline_shell(request: Request, trail_id: str, lang: str) -> list[dict[str, Any]]:
    """Files the trail page needs besides the pack's media, with their sizes."""
    static = request.app.state.static
    vendor: VendorFiles = request.app.state.vendor
    shell = [
        {"url": f"/static/{name}", "bytes": len(static[name].body)}
        for name in ("parcours.css", "parcours.js", "guide.js", "icon.svg")
        if name in static
    ]
    shell += [
        {"url": f"/vendor/{name}", "bytes": len(vendor.files[name].body)}
        for name in (*VIEWER_FILES, *MAP_FILES)
        if name in vendor.files
    ]
    shell += [
        {"url": f"/api/trails/{trail_id}?lang={lang}", "bytes": 0},
        {"url": f"/manifest.webmanifest?lang={lang}", "bytes": 0},
    ]
    return shell


def _trail_page(request: Request, snapshot: Snapshot, trail_id: str, lang: str) -> str:
    trail = snapshot.trails.documents[lang][trail_id]
    base = base_url(request, snapshot)
    data = trail_map_data(snapshot, trail)
    data.update(
        revision=snapshot.revision[:12],
        shell=offline_shell(request, trail_id, lang),
        lang=lang,
        max_accuracy_m=MAX_ACCURACY_M,
        off_trail_m=OFF_TRAIL_M,
        words=_words(snapshot, lang),
    )
    stops = []
    for stop in trail["stops"]:
        asset = stop.get("asset")
        view = asset_view(snapshot, asset["id"], lang) if asset else None
        stops.append({**stop, "view": view})
    title = trail["title"]["text"]
    page_url = f"{base}/trails/{trail_id}?lang={lang}"
    return render(
        snapshot,
        "trail.html",
        lang,
        title=title,
        trail={**trail, "stops": stops},
        mode_label=snapshot.translations.interface_text(
            None, MODE_LABELS[trail["mode"]], lang
        ).text,
        svg=Markup(trail_svg(data, title)),
        data_json=Markup(script_json(data)),
        tile_url=snapshot.settings.tile_url,
        tile_attribution=snapshot.settings.tile_attribution,
        alternates=alternates(base, f"/trails/{trail_id}", [], snapshot),
        canonical=page_url,
        json_ld=Markup(script_ld(trail_ld(trail, lang, page_url, base))),
        oembed=discovery_links(base, page_url, title),
        embed_url=f"{base}/embed/trails/{trail_id}?lang={lang}",
        json_url=f"/api/trails/{trail_id}?lang={lang}",
        geojson_url=f"/api/trails/{trail_id}.geojson?lang={lang}",
        pack_json_url=f"/api/trails/{trail_id}/pack.json?lang={lang}",
    )


async def trail_page(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = page_language(request, snapshot)
    trail_id = trail_id_of(request, snapshot)
    key = ("page:trail", lang, base_url(request, snapshot), trail_id)
    rep = snapshot.cache.get_or_make(
        key, lambda: html_page(_trail_page(request, snapshot, trail_id, lang), lang)
    )
    return page_response(request, rep, lang)


ROUTES = [
    Documented(
        Route("/trails/{trail_id}", trail_page),
        "A trail's page: map, stops, guided mode, offline download (HTML)",
        "pages",
        (LANG, ACCEPT_LANGUAGE),
        "text/html",
        {"404": "Unknown trail."},
    ),
]
