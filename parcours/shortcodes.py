"""Short codes printed on signs: `/s/<code>` leads a phone to a site or a trail stop.

Codes are derived from the content, never stored, so that a sign keeps working as long as the
element number or the trail and stop order do not change:

- a site's code is its UNESCO element number in lower case (`8m`, `13a`);
- a stop's code is its trail id and its position from 1 (`denain-1712-2`).

A site's full id is accepted as well. Codes are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from parcours.errors import Problem
from parcours.model import Site
from parcours.trail_check import ResolvedTrail


@dataclass(frozen=True)
class Target:
    """Where a code leads: a site page, or one stop of a trail page."""

    kind: str  # "site" | "stop"
    site_id: str | None = None
    trail_id: str | None = None
    stop_index: int | None = None  # from 0


def site_code(site: Site) -> str:
    return site.unesco.element.lower()


def stop_code(trail_id: str, index: int) -> str:
    """`index` counts from 0, the printed code from 1."""
    return f"{trail_id}-{index + 1}"


def build_codes(
    sites: Iterable[Site], trails: Iterable[ResolvedTrail]
) -> tuple[dict[str, Target], list[Problem]]:
    """Every code of the snapshot; two things claiming the same code is a content problem."""
    codes: dict[str, Target] = {}
    problems: list[Problem] = []

    def claim(code: str, target: Target, where: str) -> None:
        previous = codes.get(code)
        if previous is not None and previous != target:
            problems.append(
                Problem(
                    where,
                    None,
                    "",
                    f"the short code {code!r} would lead to two places",
                    "rename the trail so that its stops' codes differ from every site's",
                    code="duplicate",
                )
            )
            return
        codes[code] = target

    for site in sites:
        target = Target("site", site_id=site.id)
        claim(site_code(site), target, "site_catalog.yaml")
        claim(site.id.lower(), target, "site_catalog.yaml")
    for resolved in trails:
        trail = resolved.trail
        for index, stop in enumerate(trail.stops):
            target = Target("stop", site_id=stop.site, trail_id=trail.id, stop_index=index)
            claim(stop_code(trail.id, index), target, f"tours/{trail.id}.yaml")
    return dict(sorted(codes.items())), problems  # sorted: suggestions search them in order


def resolve(codes: Mapping[str, Target], code: str) -> Target | None:
    return codes.get(code.strip().lower())
