"""What makes the pages an installable, offline-capable web app on a phone.

The web app manifest (per language), the service worker at the root of the scope, the icons,
the pages' own scripts and styles (held in memory with ETags and gzip), and the short links
printed on signs (`/s/<code>`), which lead to the page in the phone's language.
"""

from __future__ import annotations

import difflib
import functools
import mimetypes
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.icons import icon_png
from parcours.listing import close_matches
from parcours.representation import Representation, json_representation
from parcours.shortcodes import resolve, stop_code
from parcours.snapshot import Snapshot
from parcours.web.language import page_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented
from parcours.web.responses import represent
from parcours.web.state import snapshot_of

STATIC_DIR = Path(__file__).parent / "static"
ICON_SIZES = (192, 512)
STATIC_CACHE = "public, max-age=3600"


def load_static(directory: Path = STATIC_DIR) -> dict[str, Representation]:
    """Every file of the pages' static folder, read once (they ship with the package)."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith(("javascript", "+xml")):
                media_type += "; charset=utf-8"
            files[path.relative_to(directory).as_posix()] = Representation(
                path.read_bytes(), media_type
            )
    return files


#: Icon file name -> (size, maskable).
ICONS = {f"icon-{n}.png": (n, False) for n in ICON_SIZES} | {"maskable-512.png": (512, True)}


@functools.cache
def icon_representation(name: str) -> Representation:
    """Drawn on first request and kept: drawing them cost every start-up tens of ms."""
    size, maskable = ICONS[name]
    return Representation(icon_png(size, maskable=maskable), "image/png")


async def static_file(request: Request) -> Response:
    files: dict[str, Representation] = request.app.state.static
    name = request.path_params["path"]
    rep = files.get(name)
    if rep is None or name == "sw.js":
        raise NotFound("file", name[:100], difflib.get_close_matches(name, list(files), n=3))
    return represent(request, rep, cors=False, cache_control=STATIC_CACHE)


async def icon(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ICONS:
        raise NotFound("icon", name[:100], list(ICONS))
    rep = icon_representation(name)
    return represent(request, rep, cors=False, cache_control="public, max-age=86400")


async def service_worker(request: Request) -> Response:
    """At the root so that its scope is the whole site; always revalidated."""
    rep: Representation = request.app.state.static["sw.js"]
    response = represent(request, rep, cors=False, cache_control="no-cache")
    response.headers["service-worker-allowed"] = "/"
    return response


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); translated when the manifest is made."""
    return message


def manifest_document(snapshot: Snapshot, lang: str) -> dict[str, Any]:
    def say(text: str) -> str:
        return snapshot.translations.interface_text(None, text, lang).text

    trails = snapshot.trails.documents[lang]
    return {
        "id": "/",
        "name": say(_("Patrimoine minier de La Porte du Hainaut")),
        "short_name": say(_("Bassin minier")),
        "description": say(
            _(
                "Les 53 éléments du Bassin minier inscrits au patrimoine mondial de l’UNESCO "
                "dans La Porte du Hainaut."
            )
        ),
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "start_url": f"/?lang={lang}",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": "#8a3b12",
        "background_color": "#fdfcfa",
        "categories": ["travel", "education"],
        "icons": [
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
            *(
                {"src": f"/icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png"}
                for n in ICON_SIZES
            ),
            {
                "src": "/icons/maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {"name": trail["title"]["text"], "url": f"/trails/{trail_id}?lang={lang}"}
            for trail_id, trail in list(trails.items())[:4]
        ],
    }


async def manifest(request: Request) -> Response:
    snapshot = snapshot_of(request)
    lang = page_language(request, snapshot)
    rep = snapshot.cache.get_or_make(
        ("manifest", lang),
        lambda: json_representation(
            manifest_document(snapshot, lang), lang, "application/manifest+json"
        ),
    )
    return represent(request, rep, cors=False)


async def short_link(request: Request) -> Response:
    """A sign's code -> the page in the visitor's language (302: codes may be reassigned)."""
    snapshot = snapshot_of(request)
    code = request.path_params["code"]
    target = resolve(snapshot.codes, code)
    if target is None:
        close = close_matches(code.strip().lower(), list(snapshot.codes))
        raise NotFound("code", code[:60], close)
    lang = page_language(request, snapshot)
    if target.kind == "site":
        location = f"/sites/{target.site_id}?lang={lang}"
    else:
        assert target.trail_id is not None and target.stop_index is not None
        anchor = stop_code(target.trail_id, target.stop_index).rsplit("-", 1)[1]
        location = f"/trails/{target.trail_id}?lang={lang}#stop-{anchor}"
    response = RedirectResponse(location, status_code=302)
    response.headers["cache-control"] = "no-cache"
    response.headers["vary"] = "Accept-Language, Cookie"
    return response


ROUTES = [
    Documented(
        Route("/s/{code}", short_link),
        "Short link printed on a sign: redirects to the site or stop in the visitor's language",
        "pages",
        (LANG, ACCEPT_LANGUAGE),
        "text/html",
        {"302": "Redirect to the page.", "404": "Unknown code."},
    ),
    Documented(
        Route("/manifest.webmanifest", manifest),
        "Web app manifest (installable app), in the visitor's language",
        "pages",
        (LANG, ACCEPT_LANGUAGE),
        "application/manifest+json",
    ),
    Documented(
        Route("/sw.js", service_worker),
        "Service worker: keeps downloaded trails and the app shell for offline use",
        "static",
        media_type="text/javascript",
    ),
    Documented(
        Route("/icons/{name}", icon),
        "App icons (PNG) for the home screen",
        "static",
        media_type="image/png",
        responses={"404": "No such icon."},
    ),
    Documented(
        Route("/static/{path:path}", static_file),
        "Stylesheets and scripts of the pages",
        "static",
        media_type="text/css",
        responses={"404": "No such file."},
    ),
]
