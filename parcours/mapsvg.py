"""A plain map drawn as SVG on the server: routes and numbered points on a blank background.

The pages' interactive maps need JavaScript and tiles; this drawing needs neither, so a map is
never a blank box: it is what a visitor sees offline, without JavaScript, or before the tiles
arrive, and the interactive map is laid over it when it can be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str
    number: int | None = None
    href: str | None = None


def _mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator in units of the world's width (x grows east, y grows south)."""
    x = (lon + 180.0) / 360.0
    sin = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return x, y


def svg_map(
    points: Sequence[MapPoint],
    route: Sequence[tuple[float, float]] = (),
    *,
    title: str,
    width: int = 640,
    height: int = 400,
    pad: int = 24,
) -> str:
    """An accessible SVG (role=img with a title) fitting the points and the (lat, lon) route."""
    coords = [_mercator(p.lat, p.lon) for p in points] + [_mercator(a, o) for a, o in route]
    if not coords:
        coords = [(0.5, 0.5)]
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span_x = max(max(xs) - min(xs), 1e-9)
    span_y = max(max(ys) - min(ys), 1e-9)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def place(lat: float, lon: float) -> tuple[float, float]:
        x, y = _mercator(lat, lon)
        return off_x + (x - min(xs)) * scale, off_y + (y - min(ys)) * scale

    parts = [
        f'<svg class="plain-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<rect width="{width}" height="{height}" fill="#eef0ea"/>',
    ]
    if len(route) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (place(a, o) for a, o in route))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#8a3b12" stroke-width="4" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for point in points:
        x, y = place(point.lat, point.lon)
        mark = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="#fff" stroke="#1d1d1f" '
            f'stroke-width="2"/><text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
            f'font-size="12" font-weight="700" fill="#1d1d1f">{point.number}</text>'
            if point.number is not None
            else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#8a3b12" stroke="#fff" '
            'stroke-width="2"/>'
        )
        item = f"<title>{escape(point.label)}</title>{mark}"
        if point.href:
            item = f"<a href={quoteattr(point.href)}>{item}</a>"
        parts.append(f"<g>{item}</g>")
    parts.append("</svg>")
    return "".join(parts)
