"""Distances and bearings against known values; GeoJSON in longitude-first order."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours import geo


@pytest.mark.parametrize(
    ("a", "b", "expected_m", "tolerance"),
    [
        # One degree of latitude on the mean sphere: 6371008.8 * pi / 180.
        ((50.0, 3.0), (51.0, 3.0), 111_195.08, 0.01),
        # Paris (Notre-Dame) to London (Charing Cross): about 343.5 km (geodesic 343.9).
        ((48.853, 2.3499), (51.5073, -0.12755), 343_500, 1_000),
        # Arenberg shafts 1 and 3 (BRGM coordinates in the shared trail facts): ~120 m apart.
        ((50.384884, 3.425211), (50.383816, 3.425384), 119.5, 1.0),
    ],
)
def test_known_distances(
    a: tuple[float, float], b: tuple[float, float], expected_m: float, tolerance: float
) -> None:
    assert geo.distance_m(*a, *b) == pytest.approx(expected_m, abs=tolerance)


def test_bearings() -> None:
    assert geo.bearing_deg(50, 3, 51, 3) == pytest.approx(0)
    assert geo.bearing_deg(50, 3, 50, 4) == pytest.approx(89.6, abs=0.1)
    assert geo.bearing_deg(50, 3, 49, 3) == pytest.approx(180)
    assert geo.bearing_deg(50, 3, 50, 2) == pytest.approx(270.4, abs=0.1)


coords = st.tuples(st.floats(-89.9, 89.9), st.floats(-180, 180))


@given(coords, coords)
def test_distance_is_symmetric_and_bounded(a: tuple[float, float], b: tuple[float, float]) -> None:
    d = geo.distance_m(*a, *b)
    assert 0 <= d <= math.pi * geo.EARTH_RADIUS_M + 1
    assert d == pytest.approx(geo.distance_m(*b, *a), abs=1e-6)


def test_bbox_contains_and_antimeridian() -> None:
    box = geo.BBox(3.38, 50.30, 3.46, 50.40)
    assert box.contains(50.35, 3.40)
    assert not box.contains(50.35, 3.50)
    wrap = geo.BBox(170, -10, -170, 10)
    assert wrap.contains(0, 175) and wrap.contains(0, -175) and not wrap.contains(0, 0)


def test_geojson_point_is_lon_lat() -> None:
    assert geo.point(50.1234567, 3.7654321)["coordinates"] == [3.765432, 50.123457]
    assert geo.bbox_of([]) is None
    assert geo.bbox_of([(50, 3), (51, 2)]) == geo.BBox(2, 50, 3, 51)
