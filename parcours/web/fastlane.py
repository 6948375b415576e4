"""The fast lane: the hottest read-only answers served straight from the snapshot.

Called by the lanes (lanes.py) in front of Starlette. For GET/HEAD of a precomputed answer
(the site list, a site, the GeoJSON, languages, the schema) with no query or only `lang=`, it
negotiates the language and gives the bytes; anything else, including every error, goes on
to the Starlette routes, which send the same headers through the same `answer` function.
Measured on this 2-core machine, Starlette's routing and request objects cost more than the
answer itself.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import Scope

from parcours import listing
from parcours.i18n.negotiate import negotiate_language, normalize_language_param
from parcours.query import SiteQuery
from parcours.representation import Representation
from parcours.snapshot import Snapshot
from parcours.web.hints import wants_lite
from parcours.web.responses import (
    Answer,
    RawHeaders,
    accepts_gzip,
    answer,
    etag_matches,
    raw_headers,
)
from parcours.web.state import SnapshotHolder

Table = dict[tuple[str, str | None], Representation]
_NEEDED = {b"accept-language", b"accept-encoding", b"if-none-match", b"save-data", b"ect"}
_MEMO_LIMIT = 1024


def hot_table(snapshot: Snapshot) -> Table:
    """(path, lang) -> representation of every precomputed answer; lang None: any language."""
    table: Table = {
        ("/api/languages", None): snapshot.representations["languages"],
        **{
            (f"/{key}", None): rep
            for key, rep in snapshot.representations.items()
            if key.startswith("schema/")
        },
    }
    default = SiteQuery(limit=snapshot.settings.page_size)
    for lang in snapshot.languages:
        table[("/api/sites", lang)] = listing.sites_list(snapshot, default, lang)
        table[("/api/sites.geojson", lang)] = listing.sites_geojson(snapshot, default, lang)
        for site in snapshot.sites:
            rep = snapshot.site_representation(site.id, lang)
            if rep is not None:
                table[(f"/api/sites/{site.id}", lang)] = rep
    return table


class FastLane:
    """Answers hot requests from the snapshot's precomputed bytes, or None to defer them."""

    def __init__(self, holder: SnapshotHolder) -> None:
        self.holder = holder
        self._snapshot: Snapshot | None = None
        self._table: Table = {}
        self._paths: set[str] = set()
        self._negotiated: dict[str, str] = {}
        self._explicit: dict[str, str | None] = {}
        #: Encoded headers per (representation, gzip, status): building them is most of the
        #: cost of an answer. Cleared with the snapshot, whose representations they describe.
        self._headers: dict[tuple[int, bool, int], RawHeaders] = {}

    def _refresh(self, snapshot: Snapshot) -> None:
        self._table = hot_table(snapshot)
        self._paths = {path for path, _ in self._table}
        self._negotiated.clear()
        self._explicit.clear()
        self._headers.clear()
        self._snapshot = snapshot

    def _language(self, snapshot: Snapshot, query: str, accept_language: str) -> str | None:
        """The language, or None to let the full route answer (bad or unusual query)."""
        langs = snapshot.translations.languages
        if query:
            if not query.startswith("lang=") or "&" in query:
                return None
            raw = unquote(query[5:])
            if raw not in self._explicit:
                if len(self._explicit) > _MEMO_LIMIT:
                    self._explicit.clear()
                self._explicit[raw] = normalize_language_param(raw, langs.accepted)
            return self._explicit[raw]
        lang = self._negotiated.get(accept_language)
        if lang is None:
            if len(self._negotiated) > _MEMO_LIMIT:
                self._negotiated.clear()
            lang = negotiate_language(accept_language, langs.negotiable, langs.source)
            self._negotiated[accept_language] = lang
        return lang

    def respond(self, scope: Scope) -> Answer | None:
        """Status, headers and body of a GET or HEAD of a hot path; None for the routes."""
        path = scope["path"]
        snapshot = self.holder.current
        if snapshot is not self._snapshot:
            self._refresh(snapshot)
        if path not in self._paths:
            return None
        headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _NEEDED
        }
        rep = self._table.get((path, None))
        if rep is None:
            query = scope["query_string"].decode("latin-1")
            lang = self._language(snapshot, query, headers.get("accept-language", ""))
            rep = self._table.get((path, lang)) if lang else None
            lite = lang is not None and path.startswith("/api/sites/") and wants_lite(headers)
            if rep is not None and lang is not None and lite:
                rep = snapshot.site_representation(
                    path.removeprefix("/api/sites/"), lang, lite=True
                )
        elif scope["query_string"]:
            rep = None  # let the route validate the parameters
        if rep is None:
            return None
        gzipped = rep.compressible and accepts_gzip(headers.get("accept-encoding", ""))
        etag = rep.gzipped()[1] if gzipped else rep.etag
        inm = headers.get("if-none-match")
        status = 304 if inm and (inm == etag or etag_matches(inm, etag)) else 200
        key = (id(rep), gzipped, status)
        raw = self._headers.get(key)
        if raw is None:
            status, out, _ = answer(rep, "GET", headers)
            raw = self._headers[key] = raw_headers(out)
        if status == 304 or scope["method"] == "HEAD":
            return status, raw, b""
        return status, raw, rep.gzipped()[0] if gzipped else rep.body
