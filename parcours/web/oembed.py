"""oEmbed 1.0 provider: a museum's CMS turns one of our page URLs into an iframe.

https://oembed.com/: `url` (ours, else 404), `maxwidth`/`maxheight` (the iframe fits inside),
`format=json|xml`. The HTML is an iframe to our embed page, so nothing of ours runs in the
host page. Discovery <link> elements point here from the site, asset and trail pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from markupsafe import escape as html_escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.errors import BadParameter, NotFound, ParcoursError
from parcours.representation import Representation, json_representation
from parcours.snapshot import Snapshot
from parcours.web.api import single_params
from parcours.web.embed import OPTIONS as EMBED_OPTIONS
from parcours.web.language import request_language
from parcours.web.openapi import Documented, Param
from parcours.web.page_views import asset_view
from parcours.web.pages import base_url
from parcours.web.responses import represent
from parcours.web.state import snapshot_of

PROVIDER = "parcours — La Porte du Hainaut"
#: (pattern of our page paths, kind of thing, default width, default height)
_PATHS = [
    (re.compile(r"^/(?:embed/)?sites/([a-z0-9-]+)$"), "site", 640, 480),
    (re.compile(r"^/(?:embed/)?assets/([a-z0-9-]+)$"), "asset", 640, 480),
    (re.compile(r"^/(?:embed/)?trails/([a-z0-9-]+)$"), "trail", 640, 720),
]
POSTER_PX = 512


class NotImplementedFormat(ParcoursError):
    def __init__(self, value: str) -> None:
        super().__init__(
            message=f"format '{value[:20]}' is not supported; use json or xml",
            code="unsupported_format",
            status=501,
            details={"parameter": "format", "supported": ["json", "xml"]},
        )


def _size(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) <= 10_000:
        raise BadParameter(name, f"'{value[:20]}' is not a size in pixels (1 to 10000)")
    return int(value)


def _fit(width: int, height: int, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """Scale down, keeping the aspect ratio, until the frame fits both limits."""
    scale = min(1.0, (maxwidth or width) / width, (maxheight or height) / height)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _target(snapshot: Snapshot, url: str, base: str) -> tuple[str, str, str, dict[str, str]]:
    """(kind, id, path, embed options of the query) of one of our URLs, else NotFound."""
    parts = urlsplit(url)
    ours = urlsplit(base)
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
        raise NotFound("page", url[:200], [])
    for pattern, kind, _w, _h in _PATHS:
        match = pattern.match(parts.path)
        if match:
            ident = match.group(1)
            known: dict[str, set[str]] = {
                "site": set(snapshot.by_id),
                "asset": set(snapshot.assets),
                "trail": set(snapshot.trails.resolved),
            }
            if ident not in known[kind]:
                raise NotFound(kind, ident[:100], [])
            query = {k: v for k, v in parse_qsl(parts.query) if k in EMBED_OPTIONS}
            return kind, ident, parts.path, query
    raise NotFound("page", url[:200], [])


def oembed_document(
    snapshot: Snapshot, url: str, base: str, lang: str, maxwidth: int | None, maxheight: int | None
) -> dict[str, Any]:
    kind, ident, _path, query = _target(snapshot, url, base)
    lang = query.pop("lang", lang)
    if lang not in snapshot.languages:
        lang = snapshot.translations.languages.source
    width, height = next((w, h) for _p, k, w, h in _PATHS if k == kind)
    width, height = _fit(width, height, maxwidth, maxheight)
    thumbnail = None
    if kind == "site":
        title = snapshot.texts[lang][ident].name.text
        asset = next((a.id for a in snapshot.assets.values() if ident in a.sites), None)
        view = asset_view(snapshot, asset, lang) if asset else None
        thumbnail = view["poster"] if view else None
    elif kind == "asset":
        title = snapshot.asset_texts[lang][ident].title.text
        view = asset_view(snapshot, ident, lang)
        thumbnail = view["poster"] if view else None
    else:
        title = snapshot.trails.documents[lang][ident]["title"]["text"]
    src = f"{base}/embed/{kind}s/{ident}?{urlencode([('lang', lang), *sorted(query.items())])}"
    html = (
        f'<iframe src="{html_escape(src)}" width="{width}" height="{height}" '
        f'title="{html_escape(title)}" allow="xr-spatial-tracking; fullscreen" allowfullscreen '
        f'loading="lazy" style="border:0;max-width:100%"></iframe>'
    )
    document: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": PROVIDER,
        "provider_url": f"{base}/",
        "cache_age": 86400,
        "html": html,
        "width": width,
        "height": height,
    }
    fits = (maxwidth or POSTER_PX) >= POSTER_PX and (maxheight or POSTER_PX) >= POSTER_PX
    if thumbnail and fits:
        document.update(
            thumbnail_url=base + thumbnail, thumbnail_width=POSTER_PX, thumbnail_height=POSTER_PX
        )
    return document


def oembed_xml(document: dict[str, Any]) -> bytes:
    fields = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in document.items())
    text = f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<oembed>{fields}</oembed>\n'
    return text.encode("utf-8")


async def oembed(request: Request) -> Response:
    snapshot = snapshot_of(request)
    params = single_params(request, ("url", "maxwidth", "maxheight", "format", "lang"))
    fmt = params.get("format", "json")
    if fmt not in {"json", "xml"}:
        raise NotImplementedFormat(fmt)
    url = params.get("url")
    if not url:
        raise BadParameter("url", "is required", example="url=https://…/sites/<id>")
    maxwidth, maxheight = _size(params, "maxwidth"), _size(params, "maxheight")
    lang = request_language(request, snapshot)
    base = base_url(request, snapshot)
    key = ("oembed", url, base, lang, maxwidth, maxheight, fmt)

    def make() -> Representation:
        document = oembed_document(snapshot, url, base, lang, maxwidth, maxheight)
        if fmt == "xml":
            return Representation(oembed_xml(document), "text/xml; charset=utf-8", lang)
        return json_representation(document, lang)

    return represent(request, snapshot.cache.get_or_make(key, make))


def discovery_links(base: str, page_url: str, title: str) -> list[dict[str, str]]:
    """The <link rel="alternate"> elements a page carries for oEmbed discovery."""
    return [
        {
            "type": f"{kind}+oembed",
            "href": f"{base}/oembed?{urlencode([('url', page_url), ('format', fmt)])}",
            "title": title,
        }
        for kind, fmt in (("application/json", "json"), ("text/xml", "xml"))
    ]


ROUTES = [
    Documented(
        Route("/oembed", oembed),
        "oEmbed 1.0: the iframe, title and thumbnail for one of our page URLs",
        "embed",
        (
            Param("url", "A site, asset or trail page of this server.", required=True),
            Param("maxwidth", "Largest width of the frame, in pixels."),
            Param("maxheight", "Largest height of the frame, in pixels."),
            Param("format", "json (default) or xml."),
        ),
        "application/json",
        {"400": "A parameter is invalid.", "404": "Not one of our pages.", "501": "Format."},
    ),
]
