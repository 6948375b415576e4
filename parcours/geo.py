"""Distances, bounding boxes and GeoJSON (RFC 7946) for points on the WGS84 ellipsoid.

Distances are great-circle (haversine on the mean Earth radius): within a few kilometres the
error against the ellipsoid is well under 0.5 %, far below a phone's GPS accuracy.
"""

from __future__ import annotations

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
