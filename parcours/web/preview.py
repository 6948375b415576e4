"""Staff previews: a draft site's page as visitors will see it once published.

Drafts are never in the public snapshot's lists, pages or API; this route renders one for a
signed-in member of staff, uncached and marked as a preview.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from parcours.errors import NotFound
from parcours.web.curation import caller
from parcours.web.language import page_language
from parcours.web.openapi import LANG, Documented
from parcours.web.pages import _site_page
from parcours.web.state import snapshot_of


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
]
