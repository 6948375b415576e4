"""The media lane: /media/<sha256>.<ext> answered before routing, from memory or by the proxy.

Built media never change (their name is their hash), so each worker may keep them in memory:
measured on a 2-core machine, Starlette's routing and `FileResponse` (a stat, a thread, 64 KB
reads) served an 11 KB model at under a tenth of nginx's rate. This lane (called by lanes.py
in front of Starlette) answers GET and HEAD of a published blob with the very headers of the
`/media/` route:

- behind nginx, with `accel_redirect_prefix` set (PARCOURS_ACCEL_REDIRECT=/_blobs/): a 200
  with an empty body, parcours's headers (type, ETag, immutable caching, CORS) and
  `X-Accel-Redirect: /_blobs/<2 hex>/<sha256>.<ext>`; nginx then sends the file from
  `location /_blobs/ { internal; alias <build>/blobs/; }` (ranges included), while parcours
  keeps deciding what is served. The path is made of the blob name only, which matched
  `BLOB_NAME` (hex digits, a dot, a short suffix): nothing else can be reached;
- otherwise from an LRU of bytes bounded by `media_cache_bytes` per worker (a blob may take a
  quarter of it at most), read once in a thread.

304s are answered from the ETag. Everything else, unknown names, ranges (without a proxy),
blobs too large for the cache, `media_cache_bytes=0`, goes on to the route, which answers
errors in the usual shape and ranges with `FileResponse`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import anyio.to_thread
from starlette.types import Scope

from parcours.blobs import BLOB_NAME
from parcours.snapshot import Snapshot
from parcours.web.media import MEDIA_HEADERS, MEDIA_TYPES
from parcours.web.responses import Answer, RawHeaders, etag_matches, raw_headers
from parcours.web.state import SnapshotHolder

PREFIX = "/media/"
#: A blob may take at most this share of the cache, so one large file cannot evict all.
ITEM_SHARE = 4


@dataclass(frozen=True)
class Blob:
    """A blob's bytes and the headers of its 200 answer."""

    body: bytes
    headers: RawHeaders


class BlobCache:
    """Least-recently-used blobs, never more than `limit` bytes of bodies in all."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.item_limit = self.limit // ITEM_SHARE
        self.size = 0
        self._items: OrderedDict[str, Blob] = OrderedDict()

    def get(self, name: str) -> Blob | None:
        blob = self._items.get(name)
        if blob is not None:
            self._items.move_to_end(name)
        return blob

    def put(self, name: str, blob: Blob) -> None:
        if len(blob.body) > self.item_limit or name in self._items:
            return
        while self._items and self.size + len(blob.body) > self.limit:
            _, old = self._items.popitem(last=False)
            self.size -= len(old.body)
        self._items[name] = blob
        self.size += len(blob.body)

    def __len__(self) -> int:
        return len(self._items)


NOT_MODIFIED = raw_headers(MEDIA_HEADERS)  # then the ETag, as the route sends them


class MediaLane:
    """Answers published blobs without the framework, or None to defer to the route."""

    def __init__(self, holder: SnapshotHolder) -> None:
        self.holder = holder
        self.prefix = holder.settings.accel_redirect_prefix
        self.cache = BlobCache(holder.settings.media_cache_bytes)
        self.enabled = bool(self.prefix) or self.cache.item_limit > 0
        self._snapshot: Snapshot | None = None
        self._paths: dict[str, Path] = {}

    def _file(self, snapshot: Snapshot, name: str) -> Path:
        """Where a published blob lives; remembered, as joining paths costs a third of an
        answer (names are those of the snapshot's published blobs, so the memo is bounded)."""
        if snapshot is not self._snapshot:
            self._snapshot, self._paths = snapshot, {}
        path = self._paths.get(name)
        if path is None:
            path = self._paths[name] = snapshot.settings.build_path / "blobs" / name[:2] / name
        return path

    async def respond(self, scope: Scope) -> Answer | None:
        """Status, headers and body for a GET or HEAD of /media/...; None for the route."""
        if not self.enabled:
            return None
        name = scope["path"][len(PREFIX) :]
        match = BLOB_NAME.match(name)
        snapshot = self.holder.current
        if match is None or name not in snapshot.media_blobs:
            return None  # the route answers 404
        inm = rng = None
        for key, value in scope["headers"]:
            if key == b"if-none-match":
                inm = value.decode("latin-1")
            elif key == b"range":
                rng = value
        etag = f'"{match.group(1)}"'
        blob = self.cache.get(name)
        path = None if blob is not None else self._file(snapshot, name)
        if path is not None and not path.is_file():
            return None
        if inm and etag_matches(inm, etag):
            return 304, [*NOT_MODIFIED, (b"etag", etag.encode())], b""
        media_type = MEDIA_TYPES.get(match.group(2), "application/octet-stream")
        if self.prefix:
            headers = {**MEDIA_HEADERS, "etag": etag, "content-type": media_type}
            headers["x-accel-redirect"] = f"{self.prefix}{name[:2]}/{name}"
            headers["content-length"] = "0"
            return 200, raw_headers(headers), b""
        if path is not None and rng is None:
            blob = await self._load(name, path, etag, media_type)
        if blob is None or rng is not None:
            return None  # large blob, or a range: FileResponse
        return 200, blob.headers, b"" if scope["method"] == "HEAD" else blob.body

    async def _load(self, name: str, path: Path, etag: str, media_type: str) -> Blob | None:
        """Read a blob that fits the cache (in a thread) and keep it; None if it does not fit."""
        try:
            stat = path.stat()
            if stat.st_size > self.cache.item_limit:
                return None
            body = await anyio.to_thread.run_sync(path.read_bytes)
        except OSError:
            return None
        headers = {
            **MEDIA_HEADERS,
            "etag": etag,
            "content-type": media_type,
            "accept-ranges": "bytes",
            "content-length": str(len(body)),
            "last-modified": formatdate(stat.st_mtime, usegmt=True),
        }
        blob = Blob(body, raw_headers(headers))
        self.cache.put(name, blob)
        return blob
