"""Who may frame our pages, and headers every response carries.

Embed pages (`/embed/...`) exist to be framed by museums: any origin by default, or only the
allow-list of `PARCOURS_EMBED_ORIGINS` (CSP `frame-ancestors`; no X-Frame-Options there, which
cannot express a list). Every other answer refuses framing by another origin, so a visitor
cannot be tricked into clicking our pages inside someone else's.

A plain ASGI layer outside the fast lane, so that no answer escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBED_PREFIX = "/embed/"


def frame_headers(path: str, embed_origins: Sequence[str]) -> list[tuple[bytes, bytes]]:
    if path.startswith(EMBED_PREFIX):
        ancestors = " ".join(embed_origins) if embed_origins else "*"
        return [(b"content-security-policy", f"frame-ancestors {ancestors}".encode())]
    return [
        (b"content-security-policy", b"frame-ancestors 'self'"),
        (b"x-frame-options", b"SAMEORIGIN"),
    ]


COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class FrameHeaders:
    """Adds the framing policy and the common safety headers to every HTTP response."""

    def __init__(self, app: ASGIApp, embed_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.embed = frame_headers(EMBED_PREFIX, embed_origins) + COMMON
        self.other = frame_headers("/", embed_origins) + COMMON

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.embed if scope["path"].startswith(EMBED_PREFIX) else self.other

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
