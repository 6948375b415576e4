"""A grid index of points on the sphere, so that `near` and `bbox` queries stay fast as the
catalogue grows (a linear scan measured about 0.16 s per query at 100,000 places).

Points fall into square cells of `cell` degrees of latitude and longitude and are kept in cell
order: row by row, and by column within a row. The cells of one row that a query can touch are
then one slice of that order, found by bisection, whatever the number of cells. Every candidate
is tested exactly, as a linear scan does: `BBox.contains`, and the haversine distance computed
with the very operations of `geo.distance_m` (so the same float, bit for bit) against the
radius. Results come by distance for `near` (equal distances in the points' order, as a stable
sort of a linear scan would give), else in the points' order.

The area of `near` is the "bounding coordinates" of a spherical cap (J. P. Matuschek): latitude
+-d, longitude +-asin(sin d / cos lat), every longitude when the cap holds a pole, split in two
across the antimeridian; a small margin absorbs rounding. Pure Python: the serving path imports
no numpy (docs/architecture.md), and the exact distances are Python's `math` anyway.
"""

from __future__ import annotations

import itertools
import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from math import asin, floor, radians, sin, sqrt
from typing import TypeVar

from parcours.geo import EARTH_RADIUS_M, BBox

T = TypeVar("T")
#: Points per occupied cell aimed at when the cell size is derived from the points.
POINTS_PER_CELL = 4
MIN_CELL_DEG = 0.0005  # about 55 m of latitude
MAX_CELL_DEG = 10.0
#: Degrees added around every query area, far above the rounding of the distance formula.
MARGIN_DEG = 1e-5

Range = tuple[float, float]
#: Slices [start, stop) of the points in cell order.
Spans = list[tuple[int, int]]
Match = tuple[int, float | None]


def cell_size(points: Sequence[tuple[float, float]]) -> float:
    """Cell side in degrees for about POINTS_PER_CELL points per cell over the points' extent."""
    if not points:
        return MAX_CELL_DEG
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    area = max(max(lats) - min(lats), MIN_CELL_DEG) * max(max(lons) - min(lons), MIN_CELL_DEG)
    side = math.sqrt(area * POINTS_PER_CELL / len(points))
    return min(MAX_CELL_DEG, max(MIN_CELL_DEG, side))


def near_area(lat: float, lon: float, radius_m: float) -> tuple[Range, list[Range]] | None:
    """Latitude range and longitude ranges holding every point within `radius_m` of (lat, lon);
    None when that is the whole sphere."""
    angle = radius_m / EARTH_RADIUS_M  # radians of great circle
    if angle >= math.pi:
        return None
    spread = math.degrees(angle) + MARGIN_DEG
    south, north = lat - spread, lat + spread
    if south <= -90.0 or north >= 90.0:  # the cap holds a pole: every longitude
        return (max(south, -90.0), min(north, 90.0)), [(-180.0, 180.0)]
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return (south, north), [(-180.0, 180.0)]
    half = math.degrees(math.asin(ratio)) + MARGIN_DEG
    return (south, north), _wrap(lon - half, lon + half)


def bbox_area(bbox: BBox) -> tuple[Range, list[Range]]:
    """The ranges of a box; west > east crosses the antimeridian."""
    lats = (bbox.south - MARGIN_DEG, bbox.north + MARGIN_DEG)
    if bbox.west <= bbox.east:
        return lats, [(bbox.west - MARGIN_DEG, bbox.east + MARGIN_DEG)]
    return lats, [(bbox.west - MARGIN_DEG, 180.0), (-180.0, bbox.east + MARGIN_DEG)]


def _wrap(west: float, east: float) -> list[Range]:
    """Longitudes from west to east, split where they cross +-180."""
    if east - west >= 360.0:
        return [(-180.0, 180.0)]
    if west < -180.0:
        return [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return [(west, 180.0), (-180.0, east - 360.0)]
    return [(west, east)]


def distances(
    lat: float, lon: float, phis: Iterable[float], cos_phis: Iterable[float], lons: Iterable[float]
) -> list[float]:
    """`geo.distance_m` from (lat, lon) to many points, given their latitudes in radians and
    those radians' cosines: the same operations in the same order, so the same floats, without
    a call and two conversions per point."""
    phi1 = radians(lat)
    cos_phi1 = math.cos(phi1)
    diameter = 2 * EARTH_RADIUS_M
    # `min(1.0, h)` is `h if h < 1.0 else 1.0` (NaN included), without a call.
    return [
        diameter * asin(h if h < 1.0 else 1.0)
        for phi2, cos_phi2, lon2 in zip(phis, cos_phis, lons, strict=True)
        for h in (
            sqrt(
                sin((phi2 - phi1) / 2) ** 2
                + cos_phi1 * cos_phi2 * sin(radians(lon2 - lon) / 2) ** 2
            ),
        )
    ]


class GridIndex:
    """Points (lat, lon) kept in cell order; queries answer with positions in the input."""

    def __init__(self, points: Sequence[tuple[float, float]], cell: float | None = None) -> None:
        self.size = len(points)
        self.cell = cell or cell_size(points)
        # Columns of every longitude in [-180, 180], from 0: a key sorts by row, then column.
        self.first_column = math.floor(-180.0 / self.cell)
        self.columns = math.floor(180.0 / self.cell) - self.first_column + 1
        cell, first = self.cell, self.first_column
        keys = [floor(lat / cell) * self.columns + floor(lon / cell) - first for lat, lon in points]
        self.positions = sorted(range(self.size), key=keys.__getitem__)
        self.keys = [keys[p] for p in self.positions]
        self.lats = [points[p][0] for p in self.positions]
        self.lons = [points[p][1] for p in self.positions]
        self.phis = [radians(lat) for lat in self.lats]
        self.cos_phis = [math.cos(phi) for phi in self.phis]
        #: Occupied rows, ascending, and where each one starts in the cell order.
        self.rows = sorted({key // self.columns for key in self.keys})
        self.row_starts = [bisect_left(self.keys, row * self.columns) for row in self.rows]
        self.row_starts.append(self.size)

    def _column_spans(self, lons: list[Range]) -> list[tuple[int, int]]:
        """Column ranges [first, last] of the longitude ranges, clipped and merged."""
        spans = sorted(
            (
                max(0, math.floor(west / self.cell) - self.first_column),
                min(self.columns - 1, math.floor(east / self.cell) - self.first_column),
            )
            for west, east in lons
        )
        merged: list[tuple[int, int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + 1:  # both sides of +-180 in one wide cell
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            elif first <= last:
                merged.append((first, last))
        return merged

    def spans(self, lats: Range, lons: list[Range]) -> Spans:
        """Slices of the cell order holding every point in the cells the ranges touch."""
        rows = self.rows
        low = bisect_left(rows, math.floor(lats[0] / self.cell))
        high = bisect_right(rows, math.floor(lats[1] / self.cell))
        columns = self._column_spans(lons)
        if low >= high or not columns:
            return []
        starts = self.row_starts
        if columns == [(0, self.columns - 1)]:  # every longitude: whole rows, one slice
            return [(starts[low], starts[high])]
        found: Spans = []
        keys, width = self.keys, self.columns
        for i in range(low, high):
            base, start, stop = rows[i] * width, starts[i], starts[i + 1]
            for first, last in columns:
                begin = bisect_left(keys, base + first, start, stop)
                end = bisect_right(keys, base + last, begin, stop)
                if begin < end:
                    found.append((begin, end))
        return found

    def _narrowest(
        self, near: tuple[float, float] | None, radius_m: float | None, bbox: BBox | None
    ) -> Spans | None:
        """The smaller of the candidate slices of `near`+`radius_m` and of `bbox`; None: all."""
        areas = []
        if near is not None and radius_m is not None:
            area = near_area(near[0], near[1], radius_m)
            if area is not None:
                areas.append(area)
        if bbox is not None:
            areas.append(bbox_area(bbox))
        if not areas:
            return None
        return min((self.spans(*area) for area in areas), key=lambda s: sum(b - a for a, b in s))

    def candidates(
        self,
        near: tuple[float, float] | None = None,
        radius_m: float | None = None,
        bbox: BBox | None = None,
    ) -> list[int] | None:
        """Positions, ascending, that may match `near`+`radius_m` and `bbox`; None: any may."""
        found = self._narrowest(near, radius_m, bbox)
        if found is None:
            return None
        return sorted(p for start, stop in found for p in self.positions[start:stop])

    def matches(
        self,
        near: tuple[float, float] | None = None,
        radius_m: float | None = None,
        bbox: BBox | None = None,
    ) -> list[Match] | None:
        """Positions that do match, with their distance to `near` (`geo.distance_m`'s float):
        by distance when `near` is given (ties in position order), else by position; None
        when nothing is asked."""
        found = self._found(near, radius_m, bbox)
        return None if found is None else list(zip(*found, strict=True))

    def select(
        self,
        items: Sequence[T],
        near: tuple[float, float] | None = None,
        radius_m: float | None = None,
        bbox: BBox | None = None,
    ) -> list[tuple[T, float | None]]:
        """(item, distance or None) of the items (one per point, in the same order) inside the
        box and the radius, ordered as `matches`: every item when nothing is asked."""
        found = self._found(near, radius_m, bbox)
        if found is None:
            return list(zip(items, itertools.repeat(None)))
        positions, measured = found
        return list(zip(map(items.__getitem__, positions), measured, strict=True))

    def _found(
        self, near: tuple[float, float] | None, radius_m: float | None, bbox: BBox | None
    ) -> tuple[list[int], Sequence[float | None]] | None:
        """`matches` as two lists, positions and distances: tuples are made once, by the
        caller (making them twice cost as much as the distances for a `near` of every site)."""
        if near is None and bbox is None:
            return None
        found = self._narrowest(near, radius_m, bbox)
        if found is None:
            found = [(0, self.size)]
        positions, phis, cos_phis, lons = self.positions, self.phis, self.cos_phis, self.lons
        if bbox is not None:
            inside = _inside(bbox, found, self.lats, lons)
            if near is None:
                return sorted(positions[i] for i in inside), [None] * len(inside)
            kept = [positions[i] for i in inside]
            measured = distances(
                *near,
                [phis[i] for i in inside],
                [cos_phis[i] for i in inside],
                [lons[i] for i in inside],
            )
            return _by_distance(kept, measured, radius_m)
        assert near is not None
        slices = [slice(start, stop) for start, stop in found]
        chain = itertools.chain.from_iterable
        measured = distances(
            *near,
            chain(phis[s] for s in slices),
            chain(cos_phis[s] for s in slices),
            chain(lons[s] for s in slices),
        )
        return _by_distance(list(chain(positions[s] for s in slices)), measured, radius_m)


def _inside(bbox: BBox, found: Spans, lats: list[float], lons: list[float]) -> list[int]:
    """Indexes in the slices of the points inside the box: `BBox.contains`, inlined."""
    south, north, west, east = bbox.south, bbox.north, bbox.west, bbox.east
    points = itertools.chain.from_iterable(
        zip(range(start, stop), lats[start:stop], lons[start:stop], strict=True)
        for start, stop in found
    )
    if west <= east:
        return [i for i, lat, lon in points if south <= lat <= north and west <= lon <= east]
    return [i for i, lat, lon in points if south <= lat <= north and (lon >= west or lon <= east)]


def _by_distance(
    positions: list[int], measured: list[float], radius_m: float | None
) -> tuple[list[int], list[float]]:
    """Positions and distances within the radius, by distance then position. Sorting indexes
    by a float key is five times faster than sorting (distance, position) tuples; equal
    distances are rare, and only then are the pairs compared."""
    kept: Iterable[int] = range(len(measured))
    if radius_m is not None:
        kept = [i for i, d in enumerate(measured) if d <= radius_m]
    order = sorted(kept, key=measured.__getitem__)
    ordered = [measured[i] for i in order]
    if any(map(operator.eq, ordered, itertools.islice(ordered, 1, None))):
        order.sort(key=lambda i: (measured[i], positions[i]))
        ordered = [measured[i] for i in order]
    return [positions[i] for i in order], ordered
