"""Staff previews: a draft site's or trail's page as visitors will see it once published.

Drafts are never in the public snapshot's lists, pages or API; this route renders one for a
signed-in member of staff, uncached and marked as a preview.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.representation import _LRU
from parcours.snapshot import Snapshot
from parcours.web.curation import caller
from parcours.web.language import page_language
from parcours.web.openapi import LANG, Documented
from parcours.web.pages import _site_page
from parcours.web.state import snapshot_of
from parcours.web.trail_pages import _trail_page


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg)."""
    return message


DRAFT_NOTICE = _(
    "Aperçu réservé à l’équipe : ce parcours est un brouillon, les visiteurs ne le voient pas."
)


async def preview_site(request: Request) -> Response:
    caller(request, "translate")
    snapshot = snapshot_of(request)
    site_id = request.path_params["site_id"]
    site = snapshot.drafts.get(site_id) or snapshot.by_id.get(site_id)
    if site is None:
        raise NotFound("site", site_id[:100], sorted(snapshot.drafts)[:3])
    lang = page_language(request, snapshot)
    body = _site_page(request, snapshot, site, lang, preview=site.id in snapshot.drafts)
    return HTMLResponse(
        body,
        headers={"cache-control": "no-store", "x-robots-tag": "noindex", "content-language": lang},
    )


async def preview_trail(request: Request) -> Response:
    """A draft trail's page, rendered over a copy of the snapshot holding the drafts."""
    caller(request, "translate")
    snapshot = snapshot_of(request)
    trail_id = request.path_params["trail_id"]
    if trail_id not in snapshot.preview_trails.resolved:
        if trail_id in snapshot.trails.resolved:
            return RedirectResponse(f"/trails/{trail_id}", status_code=303)
        raise NotFound("trail", trail_id[:100], sorted(snapshot.preview_trails.resolved)[:3])
    lang = page_language(request, snapshot)
    draft_view = replace(snapshot, trails=snapshot.preview_trails, cache=_LRU(4))
    body = _trail_page(request, draft_view, trail_id, lang)
    notice = _notice(snapshot, lang)
    body = body.replace('<article class="trail"', notice + '<article class="trail"', 1)
    return HTMLResponse(
        body,
        headers={"cache-control": "no-store", "x-robots-tag": "noindex", "content-language": lang},
    )


def _notice(snapshot: Snapshot, lang: str) -> str:
    text = snapshot.translations.interface_text(None, DRAFT_NOTICE, lang).text
    return f'<p class="notice" role="status">{escape(text)}</p>'


ROUTES = [
    Documented(
        Route("/-/preview/sites/{site_id}", preview_site),
        "Staff: preview of a site's page, drafts included (never cached)",
        "curation",
        (LANG,),
        "text/html",
        {"404": "Unknown site."},
        permission="translate",
    ),
    Documented(
        Route("/-/preview/trails/{trail_id}", preview_trail),
        "Staff: preview of a draft trail's page (never cached)",
        "curation",
        (LANG,),
        "text/html",
        {"303": "Published: to its page.", "404": "Unknown draft trail."},
        permission="translate",
    ),
]
