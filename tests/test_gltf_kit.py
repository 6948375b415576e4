"""The model kit: one schematic model per site, deterministic, plausible, and committed as built."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh

from parcours.assets import load_asset
from parcours.catalogue import load_catalogue
from parcours.gltf import kit
from parcours.model import Site
from parcours.settings import BUNDLED_ROOT, Settings

ASSETS = BUNDLED_ROOT / "assets"
SAMPLE = (
    kit.ARENBERG,
    kit.RENARD,
    "caph-16a-cite-chabaud-latour-ancienne-cite-ernestine",
    "caph-15c-etang-d-affaissement-de-la-mare-a-goriaux",
)


@cache
def sites() -> tuple[Site, ...]:
    return tuple(load_catalogue(Settings()).sites)


@cache
def built(site_id: str) -> bytes:
    return kit.site_glb(next(s for s in sites() if s.id == site_id))


@cache
def bounds(site_id: str) -> Any:
    """Bounds of the committed model, read back with trimesh."""
    scene: Any = trimesh.load(ASSETS / site_id / "model.glb", force="scene")
    return np.asarray(scene.bounds)


def gltf_json(glb: bytes) -> dict[str, Any]:
    (length,) = struct.unpack_from("<I", glb, 12)
    document: dict[str, Any] = json.loads(glb[20 : 20 + length])
    return document


def test_every_site_gets_a_model() -> None:
    assert len(sites()) == 53
    for site in sites():
        scene, anchors = kit.site_scene(site)
        assert scene.geometry, site.id
        assert len(anchors) >= 2, site.id
        assert (ASSETS / site.id / "model.glb").is_file(), site.id


def test_committed_models_are_up_to_date() -> None:
    stale = [s.id for s in sites() if (ASSETS / s.id / "model.glb").read_bytes() != built(s.id)]
    assert not stale, (
        f"{len(stale)} committed model(s) differ from what parcours/gltf/kit.py builds now "
        f"(first: {stale[0]}): run `{kit.REGENERATE}` and commit assets/"
    )


def test_glb_bytes_are_deterministic() -> None:
    for site_id in SAMPLE:
        site = next(s for s in sites() if s.id == site_id)
        assert kit.site_glb(site) == kit.site_glb(site) == built(site_id), site_id


def test_glb_bytes_do_not_depend_on_the_hash_seed() -> None:
    code = (
        "import hashlib, sys\n"
        "from parcours.catalogue import load_catalogue\n"
        "from parcours.settings import Settings\n"
        "from parcours.gltf import kit\n"
        "sites = {s.id: s for s in load_catalogue(Settings()).sites}\n"
        "for i in sys.argv[1:]: print(hashlib.sha256(kit.site_glb(sites[i])).hexdigest())\n"
    )
    expected = [hashlib.sha256(built(i)).hexdigest() for i in SAMPLE]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code, *SAMPLE],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert result.stdout.split() == expected


def test_models_have_plausible_size_and_budget() -> None:
    for site in sites():
        low, high = bounds(site.id)
        assert 2.0 <= high[1] <= 100.0, (site.id, high[1])
        assert low[1] >= -2.0, (site.id, low[1])
        assert max(high[0] - low[0], high[2] - low[2]) < 600.0, site.id
        document = gltf_json(built(site.id))
        triangles = sum(
            document["accessors"][p["indices"]]["count"] // 3
            for mesh in document["meshes"]
            for p in mesh["primitives"]
        )
        assert 100 <= triangles <= 20_000, (site.id, triangles)


def test_materials_are_flat_pbr_colours() -> None:
    for site in sites():
        document = gltf_json(built(site.id))
        assert "images" not in document and "textures" not in document, site.id
        for material in document["materials"]:
            colour = material["pbrMetallicRoughness"]["baseColorFactor"]
            assert len(colour) == 4 and all(0.0 <= c <= 1.0 for c in colour), site.id


def test_arenberg_has_three_headframes_and_shaft_3_is_the_tallest() -> None:
    scene, anchors = kit.site_scene(next(s for s in sites() if s.id == kit.ARENBERG))
    wheels = [n for n in scene.graph.nodes_geometry if "/wheel-" in n]
    assert len(wheels) == 6
    assert {n.split("/")[0] for n in wheels} == {"headframe-1", "headframe-2", "headframe-3"}
    tops = {i: anchors[f"headframe-{i}-wheels"][1] for i in (1, 2, 3)}
    assert tops[3] > tops[1] and tops[3] > tops[2]


def test_sabatier_is_a_single_headframe() -> None:
    scene, _ = kit.site_scene(next(s for s in sites() if s.id == kit.SABATIER))
    assert len([n for n in scene.graph.nodes_geometry if "/wheel-" in n]) == 2


def test_committed_assets_load_and_match_their_site() -> None:
    by_id = {s.id: s for s in sites()}
    folders = sorted(p for p in ASSETS.iterdir() if p.is_dir() and p.name in by_id)
    assert [p.name for p in folders] == sorted(by_id)  # one kit model per site
    for folder in folders:
        asset, problems = load_asset(folder, BUNDLED_ROOT, Settings())
        assert asset is not None and not problems, (folder.name, problems)
        site = by_id[folder.name]
        assert asset.schematic and asset.sites == [site.id], site.id
        assert asset.geo_anchor is not None
        assert (asset.geo_anchor.lat, asset.geo_anchor.lon) == (
            site.location.lat,
            site.location.lon,
        )
        assert "reconstitution schématique" in asset.alt.lower(), site.id
        assert len(asset.hotspots) >= 2, site.id


def test_hotspots_lie_on_the_model() -> None:
    for folder in sorted(p for p in ASSETS.iterdir() if p.is_dir()):
        asset, _ = load_asset(folder, BUNDLED_ROOT, Settings())
        assert asset is not None
        low, high = bounds(folder.name)
        for spot in asset.hotspots:
            position = np.asarray(spot.position)
            assert np.all(position >= low - 2.0) and np.all(position <= high + 2.0), (
                folder.name,
                spot.id,
                spot.position,
            )


def test_main_regenerates_every_model(content_root: Path) -> None:
    assert kit.main(["--root", str(content_root)]) == 0
    # content_root already holds the committed models: regenerate over them.
    written = sorted(p.parent.name for p in (content_root / "assets").glob("caph-*/model.glb"))
    assert written == sorted(s.id for s in sites())
    for site_id in SAMPLE:
        assert (content_root / "assets" / site_id / "model.glb").read_bytes() == built(site_id)


@pytest.mark.parametrize("site_id", SAMPLE)
def test_anchors_are_inside_the_generated_scene(site_id: str) -> None:
    scene, anchors = kit.site_scene(next(s for s in sites() if s.id == site_id))
    low, high = np.asarray(scene.bounds)
    for name, position in anchors.items():
        assert np.all(np.asarray(position) >= low - 2.0), (site_id, name)
        assert np.all(np.asarray(position) <= high + 2.0), (site_id, name)
