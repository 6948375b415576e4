"""Answering with precomputed representations: ETag/304, gzip, HEAD, CORS, languages.

`answer` is pure (headers in, status and headers out) so that the Starlette handlers and the
fast lane (fastlane.py) send exactly the same thing for the same representation.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from parcours.representation import Representation

#: Encoded response headers, as ASGI sends them.
RawHeaders = list[tuple[bytes, bytes]]
#: Status, headers and body of an answer made without the framework (lanes.py).
Answer = tuple[int, RawHeaders, bytes]
API_CACHE_CONTROL = "no-cache"  # always revalidate; 304s make that cheap
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "ETag, Content-Language, Link",
}


def raw_headers(headers: Mapping[str, str]) -> RawHeaders:
    """Header names and values as ASGI sends them."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses weak comparison: W/ prefixes are ignored; '*' matches anything."""
    if header.strip() == "*":
        return True
    return etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


def accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


def answer(
    rep: Representation,
    method: str,
    request_headers: Mapping[str, str],
    *,
    cors: bool = True,
    cache_control: str = API_CACHE_CONTROL,
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body for `rep`: 304 if the client holds it, gzip when accepted."""
    body, etag = rep.body, rep.etag
    gzipped = rep.compressible and accepts_gzip(request_headers.get("accept-encoding", ""))
    if gzipped:
        body, etag = rep.gzipped()
    headers = {"content-type": rep.media_type, "etag": etag, "cache-control": cache_control}
    vary = (*rep.vary, "Accept-Encoding") if rep.compressible else rep.vary
    if vary:
        headers["vary"] = ", ".join(vary)
    if rep.lang:
        headers["content-language"] = rep.lang
    if cors:
        headers.update(CORS_HEADERS)
    inm = request_headers.get("if-none-match")
    if inm and etag_matches(inm, etag):
        del headers["content-type"]
        return 304, headers, b""
    if gzipped:
        headers["content-encoding"] = "gzip"
    headers["content-length"] = str(len(body))
    return 200, headers, b"" if method == "HEAD" else body


def represent(
    request: Request,
    rep: Representation,
    *,
    cors: bool = True,
    cache_control: str = API_CACHE_CONTROL,
) -> Response:
    """`answer` as a Starlette response."""
    status, headers, body = answer(
        rep,
        request.method,
        request.headers,
        cors=cors,
        cache_control=cache_control,
    )
    response = Response(body, status_code=status)
    response.raw_headers = raw_headers(headers)
    return response
