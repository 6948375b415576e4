"""The curated files loaded and checked together, before anything is precomputed.

Every problem of every file is collected before giving up, so a curator sees them all at once.
Drafts are split off here: they must be valid, but visitors never see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from parcours.assets import Asset, check_site_references, discover_assets
from parcours.catalogue import load_catalogue
from parcours.errors import CatalogueInvalid, Problem
from parcours.model import Catalogue, Site
from parcours.settings import Settings
from parcours.shortcodes import Target, build_codes
from parcours.trail_check import ResolvedTrail, load_trails


def _published_trails_stop_at_published_sites(
    trails: list[ResolvedTrail], drafts: dict[str, Site]
) -> list[Problem]:
    return [
        Problem(
            f"tours/{resolved.trail.id}.yaml",
            None,
            f"stops[{index}].site",
            f"the published trail stops at the draft site '{stop.site}'",
            "publish the site first, or mark the trail `status: draft`",
        )
        for resolved in trails
        if resolved.trail.status == "published"
        for index, stop in enumerate(resolved.trail.stops)
        if stop.site in drafts
    ]


@dataclass
class LoadedContent:
    """The content files, loaded and checked, before anything is precomputed."""

    catalogue: Catalogue
    found: list[tuple[Asset, Path]]
    trails: list[ResolvedTrail]
    drafts: dict[str, Site]
    draft_trails: dict[str, ResolvedTrail]
    codes: dict[str, Target]


def load_content(settings: Settings) -> LoadedContent:
    problems: list[Problem] = []
    try:
        catalogue = load_catalogue(settings)
    except CatalogueInvalid as exc:
        problems += exc.problems
        catalogue = None
    found, asset_problems = discover_assets(settings)
    problems += asset_problems
    if catalogue is None:
        raise CatalogueInvalid(problems)
    problems += check_site_references(found, {s.id for s in catalogue.sites}, settings)
    trails, trail_problems = load_trails(settings, catalogue, {a.id for a, _ in found})
    problems += trail_problems
    drafts = {s.id: s for s in catalogue.sites if s.status == "draft"}
    problems += _published_trails_stop_at_published_sites(trails, drafts)
    draft_trails = {t.trail.id: t for t in trails if t.trail.status == "draft"}
    trails = [t for t in trails if t.trail.status != "draft"]
    # Visitors see published sites only; drafts are kept for staff previews.
    catalogue = catalogue.model_copy(
        update={"sites": [s for s in catalogue.sites if s.id not in drafts]}
    )
    codes, code_problems = build_codes(catalogue.sites, trails)
    problems += code_problems
    if problems:
        raise CatalogueInvalid(problems)
    return LoadedContent(catalogue, found, trails, drafts, draft_trails, codes)
