"""Filtering the catalogue: type, commune, text search, near a point, inside a box.

Parameters arrive as strings (from a URL or the CLI); every one that cannot be understood
raises BadParameter naming it and saying what is expected.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parcours import geo
from parcours.errors import BadParameter
from parcours.model import SITE_TYPES, TYPE_BY_SLUG, slugify

SITE_QUERY_PARAMS = ("lang", "type", "commune", "q", "near", "radius", "bbox", "limit", "offset")
MAX_QUERY_LENGTH = 200


def fold(text: str) -> str:
    """Accent- and case-insensitive form for matching: 'Cité d'Élie' -> 'cite d elie'."""
    folded = text.casefold()  # ß -> ss before accents are dropped
    if folded.isascii():
        stripped = folded
    else:
        decomposed = unicodedata.normalize("NFKD", folded.replace("œ", "oe"))
        stripped = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(_NON_WORD.split(stripped)).strip()


_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class SiteQuery:
    """A parsed, validated request for a list of sites."""

    type: str | None = None
    commune: str | None = None
    q: str | None = None
    near: tuple[float, float] | None = None
    radius_m: float | None = None
    bbox: geo.BBox | None = None
    limit: int = 100
    offset: int = 0

    @property
    def is_default(self) -> bool:
        return (self.type, self.commune, self.q, self.near, self.bbox) == (None,) * 5

    def params(self) -> list[tuple[str, str]]:
        """Canonical query parameters (without lang, limit, offset), for links and cache keys."""
        out: list[tuple[str, str]] = []
        if self.type:
            out.append(("type", slugify(self.type)))
        if self.commune:
            out.append(("commune", self.commune))
        if self.q:
            out.append(("q", self.q))
        if self.near:
            out.append(("near", f"{self.near[0]:g},{self.near[1]:g}"))
        if self.radius_m is not None:
            out.append(("radius", f"{self.radius_m:g}"))
        if self.bbox:
            out.append(("bbox", ",".join(f"{x:g}" for x in self.bbox.as_list())))
        return out


def _floats(name: str, raw: str, count: Sequence[int], example: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) not in count:
        raise BadParameter(
            name,
            f"expected {' or '.join(map(str, count))} comma-separated numbers, got {len(parts)}",
            example=example,
        )
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise BadParameter(name, f"'{raw}' is not a list of numbers", example=example) from None
    if not all(math.isfinite(v) for v in values):
        raise BadParameter(name, "numbers must be finite", example=example)
    return values


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"'{raw}' is not a whole number") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low} and {high}, got {value}")
    return value


def _site_type(raw: str) -> str:
    slug = slugify(raw)
    if slug in TYPE_BY_SLUG:
        return TYPE_BY_SLUG[slug]
    close = difflib.get_close_matches(slug, list(TYPE_BY_SLUG), n=1, cutoff=0.5)
    hint = f" did you mean '{close[0]}'?" if close else ""
    raise BadParameter(
        "type",
        f"unknown site type '{raw}'.{hint}",
        allowed=sorted(TYPE_BY_SLUG),
        labels=list(SITE_TYPES),
    )


def parse_site_query(
    params: Mapping[str, str],
    page_size: int,
    max_page_size: int,
    max_radius_m: float,
    allowed: Sequence[str] = SITE_QUERY_PARAMS,
) -> SiteQuery:
    """Validate list parameters; unknown parameters are refused (a typo must not be ignored)."""
    for name in params:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            raise BadParameter(
                name,
                "unknown parameter" + (f"; did you mean '{close[0]}'?" if close else ""),
                allowed=list(allowed),
            )
    for name, value in params.items():
        if len(value) > MAX_QUERY_LENGTH:
            raise BadParameter(name, f"longer than {MAX_QUERY_LENGTH} characters")
    near = radius = bbox = None
    if "near" in params:
        lat, lon = _floats("near", params["near"], (2,), "near=50.3845,3.4258")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadParameter(
                "near",
                "expects lat,lon in WGS84 degrees (latitude first)",
                example="near=50.3845,3.4258",
            )
        near = (lat, lon)
    if "radius" in params:
        if near is None:
            raise BadParameter(
                "radius", "only makes sense with 'near'", example="near=50.3845,3.4258&radius=2000"
            )
        (radius,) = _floats("radius", params["radius"], (1,), "radius=2000")
        if not 0 < radius <= max_radius_m:
            raise BadParameter("radius", f"must be over 0 and at most {max_radius_m:g} metres")
    if "bbox" in params:
        west, south, east, north = _floats(
            "bbox", params["bbox"], (4,), "bbox=3.38,50.30,3.46,50.40"
        )
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
            raise BadParameter(
                "bbox",
                "expects minlon,minlat,maxlon,maxlat in WGS84 degrees "
                "(longitude first) with minlat <= maxlat",
                example="bbox=3.38,50.30,3.46,50.40",
            )
        bbox = geo.BBox(west, south, east, north)
    q = params.get("q", "").strip() or None
    if q is not None and not fold(q):
        raise BadParameter("q", "contains no letter or digit to search for")
    commune = params.get("commune", "").strip() or None
    return SiteQuery(
        type=_site_type(params["type"]) if params.get("type") else None,
        commune=commune,
        q=q,
        near=near,
        radius_m=radius,
        bbox=bbox,
        limit=_int("limit", params["limit"], 1, max_page_size) if "limit" in params else page_size,
        offset=_int("offset", params["offset"], 0, 1_000_000) if "offset" in params else 0,
    )
