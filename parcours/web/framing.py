"""Security headers of every response: who may frame it, what a page may load, HTTPS only.

Embed pages (`/embed/...`) exist to be framed by museums: any origin by default, or only the
allow-list of `PARCOURS_EMBED_ORIGINS` (CSP `frame-ancestors`; no X-Frame-Options there, which
cannot express a list). Every other answer refuses framing by another origin.

Pages get a Content-Security-Policy that allows exactly what they use: our own scripts, the
WebAssembly mesh decoders, the map tiles' origin for images; data (JSON, models, media) gets a
policy that allows nothing, since it is never a document. Over HTTPS, HSTS keeps phones on it
(WebXR needs a secure context anyway).

A plain ASGI layer; the lanes (lanes.py), which answer before it, add the same headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parcours.web.responses import RawHeaders

EMBED_PREFIX = "/embed/"
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


def page_policy(tile_url: str, ancestors: str) -> str:
    """What our pages load: scripts and styles of ours (model-viewer, Leaflet included), the
    decoders' WebAssembly, images from the tile server, blobs made by the 3D viewer."""
    tiles = urlsplit(tile_url)
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.scheme and tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            # model-viewer and Leaflet set inline styles on the elements they draw.
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {tile_origin}".strip(),
            "media-src 'self' blob:",
            "connect-src 'self' blob: data:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


class FramingPolicy:
    """The headers each kind of answer gets: pages, embed pages, data, embedded data."""

    def __init__(
        self,
        embed_origins: Sequence[str] = (),
        tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    ) -> None:
        embed = " ".join(embed_origins) if embed_origins else "*"
        self.embed_page = [
            (b"content-security-policy", page_policy(tile_url, embed).encode()),
            *COMMON,
        ]
        self.page = [
            (b"content-security-policy", page_policy(tile_url, "'self'").encode()),
            (b"x-frame-options", b"SAMEORIGIN"),
            *COMMON,
        ]
        self.embed_data = [
            (b"content-security-policy", f"default-src 'none'; frame-ancestors {embed}".encode()),
            *COMMON,
        ]
        self.data = [
            (b"content-security-policy", b"default-src 'none'; frame-ancestors 'self'"),
            (b"x-frame-options", b"SAMEORIGIN"),
            *COMMON,
        ]

    def extra(self, path: str, html: bool, https: bool, present: set[bytes]) -> RawHeaders:
        """The policy headers an answer lacks (`present`: lower-case names it has)."""
        if path.startswith(EMBED_PREFIX):
            extra = self.embed_page if html else self.embed_data
        else:
            extra = self.page if html else self.data
        if https:
            extra = [*extra, HSTS]
        return [(k, v) for k, v in extra if k not in present]


class FrameHeaders:
    """Adds the framing policy, the page or data CSP and the common safety headers."""

    def __init__(self, app: ASGIApp, policy: FramingPolicy) -> None:
        self.app = app
        self.policy = policy

    def _headers(self, scope: Scope, headers: RawHeaders) -> RawHeaders:
        kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        # The service worker runs under its own response's policy: it fetches and caches.
        html = kind.startswith(b"text/html") or scope["path"] == "/sw.js"
        https = scope.get("scheme") == "https"
        return self.policy.extra(scope["path"], html, https, {k.lower() for k, _ in headers})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            # A 304 updates the headers of the copy the browser holds: it carries no policy,
            # so that the page keeps its own (a 304 has no content type to choose one by).
            if message["type"] == "http.response.start" and message["status"] != 304:
                headers = list(message.get("headers", []))
                message["headers"] = [*headers, *self._headers(scope, headers)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
