"""Bytes of a response, once: a JSON document serialized with its strong ETag, and gzip.

Also the bounded cache a snapshot keeps for answers made on first use (filtered lists, pages).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GZIP_MIN_BYTES = 860  # below one packet, compressing costs more than it saves


def dump_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Representation:
    """Bytes of one response with its strong ETag, and a gzip variant made on first use."""

    body: bytes
    media_type: str
    lang: str | None = None
    #: Request headers the bytes depend on (Accept-Encoding is added when compressible).
    vary: tuple[str, ...] = ()
    etag: str = ""
    _gzip: tuple[bytes, str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.etag:
            self.etag = '"' + hashlib.blake2b(self.body, digest_size=12).hexdigest() + '"'

    @property
    def compressible(self) -> bool:
        return len(self.body) >= GZIP_MIN_BYTES

    def gzipped(self) -> tuple[bytes, str]:
        """(gzip bytes, ETag): a different representation needs a different strong ETag."""
        if self._gzip is None:
            data = gzip.compress(self.body, compresslevel=6, mtime=0)
            self._gzip = (data, self.etag[:-1] + '-gz"')
        return self._gzip


LITE_HINTS = ("Save-Data", "ECT")


def json_representation(
    document: Any,
    lang: str | None = None,
    media_type: str = "application/json",
    vary: tuple[str, ...] | None = None,
) -> Representation:
    """JSON bytes; a localized one varies with Accept-Language unless told otherwise."""
    if vary is None:
        vary = ("Accept-Language",) if lang else ()
    return Representation(dump_json(document), media_type, lang, vary)


class _LRU:
    """Small bounded cache for filtered queries, owned by one snapshot."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Representation] = OrderedDict()

    def get_or_make(self, key: Any, make: Callable[[], Representation]) -> Representation:
        found = self.data.get(key)
        if found is not None:
            self.data.move_to_end(key)
            return found
        value = make()
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)
        return value
