"""Answering with precomputed representations: ETag/304, gzip, HEAD, CORS, languages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from parcours.snapshot import Representation

API_CACHE_CONTROL = "no-cache"  # always revalidate; 304s make that cheap
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "ETag, Content-Language, Link",
}


def _etag_matches(header: str, *etags: str) -> bool:
    """If-None-Match uses weak comparison: W/ prefixes are ignored; '*' matches anything."""
    if header.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return any(etag in candidates for etag in etags)


def _accepts_gzip(request: Request) -> bool:
    accept = request.headers.get("accept-encoding", "")
    for part in accept.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


def represent(
    request: Request,
    rep: Representation,
    *,
    cors: bool = True,
    vary_language: bool = True,
    cache_control: str = API_CACHE_CONTROL,
    status: int = 200,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """Send `rep`, or 304 if the client already holds it; gzip when accepted and worth it."""
    body, etag = rep.body, rep.etag
    gzipped = rep.compressible and _accepts_gzip(request)
    if gzipped:
        body, etag = rep.gzipped()
    headers = {"etag": etag, "cache-control": cache_control}
    vary = ["Accept-Encoding"] if rep.compressible else []
    if vary_language:
        vary.insert(0, "Accept-Language")
    if vary:
        headers["vary"] = ", ".join(vary)
    if rep.lang:
        headers["content-language"] = rep.lang
    if cors:
        headers.update(CORS_HEADERS)
    if extra_headers:
        headers.update(extra_headers)
    if gzipped:
        headers["content-encoding"] = "gzip"
    inm = request.headers.get("if-none-match")
    if status == 200 and inm and _etag_matches(inm, etag):
        headers.pop("content-encoding", None)
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["content-length"] = str(len(body))
        return Response(status_code=status, headers=headers, media_type=rep.media_type)
    return Response(body, status_code=status, headers=headers, media_type=rep.media_type)
