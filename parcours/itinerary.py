"""Ordering many stops into a sensible round: nearest neighbour, then 2-opt.

Used to lay out the cycling itinerary through all 53 sites. 2-opt removes every crossing of
the greedy tour: the result has no pair of legs whose exchange would shorten it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from parcours.geo import distance_m

LatLon = tuple[float, float]


def open_length(points: Sequence[LatLon], order: Sequence[int]) -> float:
    return sum(distance_m(*points[a], *points[b]) for a, b in itertools.pairwise(order))


def nearest_neighbour(points: Sequence[LatLon], start: int = 0) -> list[int]:
    left = set(range(len(points))) - {start}
    order = [start]
    while left:
        here = points[order[-1]]
        following = min(left, key=lambda i: (distance_m(*here, *points[i]), i))
        order.append(following)
        left.remove(following)
    return order


def two_opt(points: Sequence[LatLon], order: list[int]) -> list[int]:
    """Reverse segments while that shortens the open path (first stop kept in place)."""
    best = list(order)

    def d(a: int, b: int) -> float:
        return distance_m(*points[a], *points[b])

    improved = True
    while improved:
        improved = False
        for i in range(1, len(best) - 1):
            for j in range(i + 1, len(best)):
                before = d(best[i - 1], best[i])
                after = d(best[i - 1], best[j])
                if j + 1 < len(best):
                    before += d(best[j], best[j + 1])
                    after += d(best[i], best[j + 1])
                if after < before - 1e-6:
                    best[i : j + 1] = reversed(best[i : j + 1])
                    improved = True
    return best


def itinerary(points: Sequence[LatLon], start: int = 0) -> list[int]:
    """A short open path through every point, starting at `start`."""
    return two_opt(points, nearest_neighbour(points, start))
