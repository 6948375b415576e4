"""Trails checked against the catalogue and the assets, with their geometry resolved.

Every problem of every trail is reported at once (file, line, path, hint): unknown sites or
assets, duplicate stops, a stop too far from its route, a route that is not a LineString.
A resolved trail knows where each stop stands, its route and where along it each stop falls.
"""

from __future__ import annotations

import difflib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parcours import geo
from parcours.errors import Problem
from parcours.model import Catalogue
from parcours.settings import Settings
from parcours.trails import Stop, Trail, load_trail
from parcours.yamldoc import YamlDocument

LatLon = tuple[float, float]
SAME_POINT_M = 5.0


@dataclass(frozen=True)
class ResolvedTrail:
    """A valid trail with coordinates: stop points, route, distances along the route."""

    trail: Trail
    points: tuple[LatLon, ...]  # one per stop
    route: tuple[LatLon, ...]
    along_m: tuple[float, ...]  # where each stop falls along the route
    length_m: float
    route_given: bool


def _hint(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else None


def _route_points(
    trail: Trail, path: Path, doc: YamlDocument, problems: list[Problem]
) -> list[LatLon] | None:
    geometry: Any = trail.route
    if trail.route_file:
        file = path.parent / trail.route_file
        if file.parent != path.parent or not file.is_file():
            problems.append(
                doc.problem(
                    ("route_file",),
                    f"route file '{trail.route_file}' not found beside the trail",
                    None,
                    "route_missing",
                )
            )
            return None
        try:
            geometry = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(doc.problem(("route_file",), f"route file is not JSON: {exc}"))
            return None
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
    if geometry is None:
        return None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type") != "LineString"
        or not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(isinstance(c, list) and len(c) >= 2 for c in coordinates)
    ):
        problems.append(
            doc.problem(
                ("route",),
                "the route must be a GeoJSON LineString of at least two [lon, lat] positions",
                None,
                "route_invalid",
            )
        )
        return None
    return [(float(c[1]), float(c[0])) for c in coordinates]


def _stop_point(
    stop: Stop, index: int, catalogue: Catalogue, doc: YamlDocument, problems: list[Problem]
) -> LatLon | None:
    where = ("stops", index)
    sites = {s.id: s for s in catalogue.sites}
    if (stop.site is None) == (stop.place is None):
        problems.append(
            doc.problem(
                where,
                "a stop is either a catalogue site ('site') or a "
                "place of its own ('place'), not both nor neither",
            )
        )
        return None
    if stop.site is not None:
        site = sites.get(stop.site)
        if site is None:
            problems.append(
                doc.problem(
                    (*where, "site"),
                    f"unknown site '{stop.site}'",
                    _hint(stop.site, list(sites)),
                    "unknown_site",
                )
            )
            return None
        return site.location.lat, site.location.lon
    assert stop.place is not None
    if not stop.text:
        problems.append(doc.problem((*where, "text"), "a place of its own needs a 'text'"))
    return stop.place.lat, stop.place.lon


def check_trail(
    path: Path, settings: Settings, catalogue: Catalogue, asset_ids: set[str]
) -> tuple[ResolvedTrail | None, list[Problem]]:
    trail, doc, problems = load_trail(path, settings)
    if trail is None or doc is None:
        return None, problems
    seen: dict[str, int] = {}
    points: list[LatLon] = []
    for index, stop in enumerate(trail.stops):
        if stop.id in seen:
            problems.append(
                doc.problem(
                    ("stops", index, "id"),
                    f"duplicate stop '{stop.id}'",
                    f"already stops[{seen[stop.id]}]",
                    "duplicate_stop",
                )
            )
        seen.setdefault(stop.id, index)
        point = _stop_point(stop, index, catalogue, doc, problems)
        if point is not None:
            points.append(point)
        for key, asset in [
            ("asset", stop.asset),
            *((f"layers/{layer.id}", layer.asset) for layer in stop.layers),
        ]:
            if asset and asset not in asset_ids:
                problems.append(
                    doc.problem(
                        ("stops", index, *key.split("/")[:1]),
                        f"unknown asset '{asset}'",
                        _hint(asset, sorted(asset_ids)),
                        "unknown_asset",
                    )
                )
        if stop.quote and not (stop.quote_lang and stop.quote_gloss):
            problems.append(
                doc.problem(
                    ("stops", index, "quote"),
                    "a quote needs 'quote_lang' and a French 'quote_gloss'",
                )
            )
    if problems or len(points) != len(trail.stops):
        return None, problems
    for i, j in itertools.combinations(range(len(points)), 2):
        if geo.distance_m(*points[i], *points[j]) < SAME_POINT_M:
            problems.append(
                doc.problem(
                    ("stops", j),
                    f"stops '{trail.stops[i].id}' and "
                    f"'{trail.stops[j].id}' stand at the same point",
                    "a visitor could not tell them apart: merge them "
                    "(one stop, with 'more' or layers) or place each where "
                    "the facts allow",
                    "same_point",
                )
            )
    given = _route_points(trail, path, doc, problems)
    route = given or points
    along = []
    for index, (lat, lon) in enumerate(points):
        projection = geo.project(route, lat, lon)
        if projection.off_m > trail.max_off_route_m:
            problems.append(
                doc.problem(
                    ("stops", index),
                    f"stop '{trail.stops[index].id}' is "
                    f"{projection.off_m:.0f} m from the route (at most "
                    f"{trail.max_off_route_m:.0f} m)",
                    "move the stop or fix the route",
                    "off_route",
                )
            )
        along.append(projection.along_m)
    if problems:
        return None, problems
    return ResolvedTrail(
        trail,
        tuple(points),
        tuple(route),
        tuple(along),
        geo.polyline_length_m(route),
        given is not None,
    ), []


def load_trails(
    settings: Settings, catalogue: Catalogue, asset_ids: set[str]
) -> tuple[list[ResolvedTrail], list[Problem]]:
    """Every tours/*.yaml, checked; problems of all of them at once."""
    trails: list[ResolvedTrail] = []
    problems: list[Problem] = []
    if not settings.tours_dir.is_dir():
        return trails, problems
    for path in sorted(settings.tours_dir.glob("*.yaml")):
        resolved, found = check_trail(path, settings, catalogue, asset_ids)
        problems += found
        if resolved is not None:
            trails.append(resolved)
    return trails, problems
