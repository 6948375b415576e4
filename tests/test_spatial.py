"""The grid index narrows `near` and `bbox` queries without changing their answers."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from parcours import geo, listing
from parcours.documents import site_item
from parcours.query import SiteQuery
from parcours.representation import dump_json
from parcours.snapshot import Snapshot
from parcours.spatial import GridIndex, cell_size, distances, near_area

LAT = st.floats(-90, 90, allow_nan=False)
LON = st.floats(-180, 180, allow_nan=False)
POINTS = st.lists(st.tuples(LAT, LON), max_size=60)
RADIUS = st.floats(0.001, 25_000_000, allow_nan=False)
CELL = st.one_of(st.none(), st.sampled_from([0.0005, 0.01, 0.3, 7.0, 45.0, 90.0, 200.0]))


def linear_near(points: list[tuple[float, float]], lat: float, lon: float, r: float) -> list[int]:
    return [i for i, p in enumerate(points) if geo.distance_m(lat, lon, *p) <= r]


def linear_bbox(points: list[tuple[float, float]], box: geo.BBox) -> list[int]:
    return [i for i, (lat, lon) in enumerate(points) if box.contains(lat, lon)]


def narrowed(index: GridIndex, count: int, **query: object) -> list[int]:
    found = index.candidates(**query)  # type: ignore[arg-type]
    return list(range(count)) if found is None else found


@given(POINTS, LAT, LON, RADIUS, CELL)
@settings(max_examples=400)
def test_near_finds_what_a_linear_scan_finds(
    points: list[tuple[float, float]], lat: float, lon: float, radius: float, cell: float | None
) -> None:
    index = GridIndex(points, cell)
    candidates = narrowed(index, len(points), near=(lat, lon), radius_m=radius)
    assert candidates == sorted(set(candidates))
    kept = [i for i in candidates if geo.distance_m(lat, lon, *points[i]) <= radius]
    assert kept == linear_near(points, lat, lon, radius)


@given(POINTS, LAT, LAT, LON, LON, CELL)
@settings(max_examples=300)
def test_bbox_finds_what_a_linear_scan_finds(
    points: list[tuple[float, float]],
    lat1: float,
    lat2: float,
    west: float,
    east: float,
    cell: float | None,
) -> None:
    box = geo.BBox(west, min(lat1, lat2), east, max(lat1, lat2))
    index = GridIndex(points, cell)
    candidates = narrowed(index, len(points), bbox=box)
    assert candidates == sorted(set(candidates))  # both sides of +-180 in one wide cell
    kept = [i for i in candidates if box.contains(*points[i])]
    assert kept == linear_bbox(points, box)


@given(
    st.lists(st.tuples(st.floats(50.20, 50.55), st.floats(3.15, 3.65)), max_size=200),
    st.floats(50.15, 50.60),
    st.floats(3.10, 3.70),
    st.floats(1, 30_000),
)
def test_near_in_the_area_around_points_on_cell_edges(
    points: list[tuple[float, float]], lat: float, lon: float, radius: float
) -> None:
    # Points on cell boundaries and at exactly the query's distance are the risky ones.
    points = [*points, (round(lat, 2), round(lon, 2)), (lat, lon)]
    index = GridIndex(points, 0.01)
    kept = [
        i
        for i in narrowed(index, len(points), near=(lat, lon), radius_m=radius)
        if geo.distance_m(lat, lon, *points[i]) <= radius
    ]
    assert kept == linear_near(points, lat, lon, radius)
    exact = geo.distance_m(lat, lon, *points[0])
    assert 0 in narrowed(index, len(points), near=(lat, lon), radius_m=exact)


BOXES = st.builds(
    lambda a, b, west, east: geo.BBox(west, min(a, b), east, max(a, b)), LAT, LAT, LON, LON
)


@given(
    POINTS,
    st.one_of(st.none(), st.tuples(LAT, LON)),
    st.one_of(st.none(), RADIUS),
    st.one_of(st.none(), BOXES),
    CELL,
)
@settings(max_examples=400)
def test_select_answers_like_the_linear_scan_it_replaced(
    points: list[tuple[float, float]],
    near: tuple[float, float] | None,
    radius: float | None,
    box: geo.BBox | None,
    cell: float | None,
) -> None:
    expected = []
    for i, (lat, lon) in enumerate(points):
        if box is not None and not box.contains(lat, lon):
            continue
        distance = None
        if near is not None:
            distance = geo.distance_m(*near, lat, lon)
            if radius is not None and distance > radius:
                continue
        expected.append((i, distance))
    if near is not None:  # by distance, equal ones in the points' order (a stable sort)
        expected.sort(key=lambda pair: pair[1] or 0.0)
    index = GridIndex(points, cell)
    assert list(index.select(range(len(points)), near, radius, box)) == expected


@given(POINTS, LAT, LON)
@settings(max_examples=300)
def test_distances_are_those_of_geo_distance_m_bit_for_bit(
    points: list[tuple[float, float]], lat: float, lon: float
) -> None:
    points = [*points, (-lat, lon + 180.0 if lon <= 0 else lon - 180.0), (lat, lon)]  # antipode
    phis = [math.radians(p[0]) for p in points]
    measured = distances(lat, lon, phis, map(math.cos, phis), [p[1] for p in points])
    assert measured == [geo.distance_m(lat, lon, *p) for p in points]


@given(
    st.lists(st.sampled_from([(50.38, 3.42), (50.381, 3.421), (50.379, 3.4205)]), max_size=30),
    st.one_of(st.none(), st.floats(1, 500)),
)
def test_equal_distances_keep_the_points_order(
    points: list[tuple[float, float]], radius: float | None
) -> None:
    # Several places at one spot (a pit and its headframe): ties must not depend on cells.
    index = GridIndex(points, 0.0005)
    found = index.matches(near=(50.3805, 3.4207), radius_m=radius)
    assert found is not None
    keys = [(distance, position) for position, distance in found]
    assert keys == sorted(keys) and len({p for p, _ in found}) == len(found)


def test_near_and_bbox_together_keep_the_smaller_candidate_list() -> None:
    rng = random.Random(7)
    points = [(rng.uniform(50.2, 50.55), rng.uniform(3.15, 3.65)) for _ in range(5000)]
    index = GridIndex(points)
    box = geo.BBox(3.15, 50.2, 3.65, 50.55)
    near_only = narrowed(index, len(points), near=(50.38, 3.42), radius_m=500)
    both = narrowed(index, len(points), near=(50.38, 3.42), radius_m=500, bbox=box)
    assert both == near_only and len(near_only) < 200
    assert index.candidates(near=(50.38, 3.42)) is None  # no radius: every site, by distance


def test_areas_at_the_poles_and_the_antimeridian() -> None:
    assert near_area(89.99, 10.0, 5_000)[1] == [(-180.0, 180.0)]  # type: ignore[index]
    _, lons = near_area(0.0, 179.99, 5_000)  # type: ignore[misc]
    assert len(lons) == 2 and lons[1][0] == -180.0
    assert near_area(0.0, 0.0, 30_000_000) is None
    assert cell_size([]) > 0 and cell_size([(50.3, 3.4)]) > 0


@given(st.integers(0, 10_000), st.floats(100, 20_000))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_snapshot_find_sites_matches_a_linear_scan(
    snapshot: Snapshot, seed: int, radius: float
) -> None:
    rng = random.Random(seed)
    lat, lon = rng.uniform(50.15, 50.6), rng.uniform(3.1, 3.7)
    query = SiteQuery(near=(lat, lon), radius_m=radius)
    expected = sorted(
        (
            (s, geo.distance_m(lat, lon, s.location.lat, s.location.lon))
            for s in snapshot.sites
            if geo.distance_m(lat, lon, s.location.lat, s.location.lon) <= radius
        ),
        key=lambda pair: pair[1],
    )
    assert snapshot.find_sites(query, "fr") == expected
    west, east = sorted((lon, rng.uniform(3.1, 3.7)))
    box = geo.BBox(west, lat - 0.05, east, lat + 0.05)
    boxed = [s for s, _ in snapshot.find_sites(SiteQuery(bbox=box), "fr")]
    assert boxed == [s for s in snapshot.sites if box.contains(s.location.lat, s.location.lon)]
    both = SiteQuery(near=(lat, lon), radius_m=radius, bbox=box, type=snapshot.sites[0].type)
    assert snapshot.find_sites(both, "fr") == [
        pair
        for pair in expected
        if box.contains(pair[0].location.lat, pair[0].location.lon) and pair[0].type == both.type
    ]


@pytest.mark.parametrize(
    "query",
    [
        SiteQuery(near=(50.38449, 3.42582), radius_m=3000, limit=5, offset=2),
        SiteQuery(bbox=geo.BBox(3.36, 50.31, 3.46, 50.40), q="fosse"),
        SiteQuery(limit=7),
    ],
)
def test_a_page_is_the_json_of_its_document(snapshot: Snapshot, query: SiteQuery) -> None:
    # The items are spliced in as JSON: the bytes must be those of encoding the whole.
    body = listing.list_body(snapshot, query, "en")
    document = json.loads(body)
    assert body == dump_json(document) and document["count"] > 0
    found = snapshot.find_sites(query, "en")[query.offset : query.offset + query.limit]
    expected = []
    for site, distance in found:
        item = site_item(site, snapshot.texts["en"][site.id], "en")
        expected.append(item if distance is None else {**item, "distance_m": round(distance, 1)})
    assert document["items"] == expected
    assert list(document) == [
        *("lang", "total", "offset", "limit", "count", "query", "items", "links")
    ]


def test_api_near_and_bbox_answer_as_before(client: TestClient) -> None:
    near = client.get("/api/sites?near=50.38449,3.42582&radius=3000&lang=en").json()
    distances = [item["distance_m"] for item in near["items"]]
    assert distances == sorted(distances) and all(d <= 3000 for d in distances) and distances
    boxed = client.get("/api/sites?bbox=3.36,50.31,3.46,50.40&limit=500").json()
    assert boxed["total"] == len(boxed["items"]) > 0
