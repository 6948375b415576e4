"""Distances, bounding boxes and GeoJSON (RFC 7946) for points on the WGS84 ellipsoid.

Distances are great-circle (haversine on the mean Earth radius): within a few kilometres the
error against the ellipsoid is well under 0.5 %, far below a phone's GPS accuracy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
COORD_DECIMALS = 6  # ~10 cm, enough for GeoJSON (RFC 7946 §11.2)


@dataclass(frozen=True, slots=True)
class BBox:
    """West, south, east, north in degrees; west > east crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: float, lon: float) -> bool:
        if not (self.south <= lat <= self.north):
            return False
        if self.west <= self.east:
            return self.west <= lon <= self.east
        return lon >= self.west or lon <= self.east

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing from point 1 to point 2, degrees clockwise from north."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlambda = math.radians(lon2 - lon1)
    y = math.sin(dlambda) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlambda)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def bbox_of(points: Iterable[tuple[float, float]]) -> BBox | None:
    """Smallest box around (lat, lon) points; None for no points."""
    lats, lons = [], []
    for lat, lon in points:
        lats.append(lat)
        lons.append(lon)
    if not lats:
        return None
    return BBox(min(lons), min(lats), max(lons), max(lats))


def point(lat: float, lon: float) -> dict[str, Any]:
    """GeoJSON Point: longitude first."""
    return {
        "type": "Point",
        "coordinates": [round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)],
    }


def feature(
    ident: str, geometry: Mapping[str, Any], properties: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": ident,
        "geometry": dict(geometry),
        "properties": dict(properties),
    }


def feature_collection(
    features: Sequence[Mapping[str, Any]], bbox: BBox | None = None
) -> dict[str, Any]:
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if bbox is not None:
        collection["bbox"] = [round(x, COORD_DECIMALS) for x in bbox.as_list()]
    collection["features"] = list(features)
    return collection


@dataclass(frozen=True)
class Projection:
    """Where a point falls on a polyline: distance along it, and how far off it is."""

    along_m: float
    off_m: float
    lat: float
    lon: float


def polyline_length_m(points: Sequence[tuple[float, float]]) -> float:
    """Geodesic length of (lat, lon) points joined in order."""
    return sum(distance_m(*a, *b) for a, b in itertools.pairwise(points))


def _local_xy(lat0: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres east and north on a plane tangent near lat0 (fine over a few kilometres)."""
    scale = math.cos(math.radians(lat0))
    return (math.radians(lon) * EARTH_RADIUS_M * scale, math.radians(lat) * EARTH_RADIUS_M)


def project(points: Sequence[tuple[float, float]], lat: float, lon: float) -> Projection:
    """Closest point of the polyline to (lat, lon), with the distance along it to there."""
    best: Projection | None = None
    travelled = 0.0
    px, py = _local_xy(lat, lat, lon)
    for (alat, alon), (blat, blon) in itertools.pairwise(points):
        ax, ay = _local_xy(lat, alat, alon)
        bx, by = _local_xy(lat, blat, blon)
        dx, dy = bx - ax, by - ay
        length_sq = dx * dx + dy * dy
        t = (
            0.0
            if length_sq == 0
            else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length_sq))
        )
        clat, clon = alat + (blat - alat) * t, alon + (blon - alon) * t
        segment = distance_m(alat, alon, blat, blon)
        candidate = Projection(
            travelled + segment * t, distance_m(lat, lon, clat, clon), clat, clon
        )
        if best is None or candidate.off_m < best.off_m:
            best = candidate
        travelled += segment
    if best is None:  # a single point
        only_lat, only_lon = points[0]
        return Projection(0.0, distance_m(lat, lon, only_lat, only_lon), only_lat, only_lon)
    return best


COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(bearing: float) -> str:
    """Eight-point compass direction of a bearing in degrees."""
    return COMPASS[int(((bearing % 360) + 22.5) // 45) % 8]


def line_string(points: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """GeoJSON LineString from (lat, lon) points (written lon, lat)."""
    return {
        "type": "LineString",
        "coordinates": [
            [round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)] for lat, lon in points
        ],
    }
