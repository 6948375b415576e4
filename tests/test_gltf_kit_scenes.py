"""The special scenes of the trails: committed as built, valid, animated where they should be."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parcours.assets import load_asset
from parcours.gltf import kit_scenes
from parcours.gltf.inspect import inspect_model
from parcours.gltf.kit_animation import split_glb
from parcours.gltf.poster import render_poster
from parcours.gltf.validate import validate_file
from parcours.settings import BUNDLED_ROOT, Settings

ASSETS = BUNDLED_ROOT / "assets"
SCENES = tuple(kit_scenes.SCENES)
#: Animated scenes: expected loop length in seconds (low, high) and joints that must move.
ANIMATED = {
    kit_scenes.DIORAMA: ((20.0, 30.0), {"french-1", "allied-camp-1", "convoy", "bridge-1"}),
    kit_scenes.OFFICE: ((8.0, 12.0), {"poet-head", "poet-arm", "poet-forearm", "page"}),
}
GEO_ANCHORS = {
    kit_scenes.DIORAMA: (50.31809, 3.42204),  # the Pyramide de Villars, where the trail shows it
    kit_scenes.OFFICE: None,
    kit_scenes.ABBEY: (50.44889, 3.42861),
}


@cache
def built(asset_id: str) -> bytes:
    return kit_scenes.scene_glb(asset_id)


def floats(document: dict[str, Any], binary: bytes, index: int) -> Any:
    """An accessor of FLOAT components as an (count, size) array."""
    accessor = document["accessors"][index]
    view = document["bufferViews"][accessor["bufferView"]]
    size = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[accessor["type"]]
    offset = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    data = np.frombuffer(binary, dtype="<f4", count=accessor["count"] * size, offset=offset)
    return data.reshape(accessor["count"], size)


def test_committed_models_are_up_to_date() -> None:
    stale = [i for i in SCENES if (ASSETS / i / "model.glb").read_bytes() != built(i)]
    assert not stale, (
        f"committed scene model(s) {stale} differ from what parcours/gltf/kit_scenes.py builds "
        f"now: run `{kit_scenes.REGENERATE}` and commit assets/"
    )


def test_glb_bytes_do_not_depend_on_the_run_or_the_hash_seed() -> None:
    assert all(kit_scenes.scene_glb(i) == built(i) for i in SCENES)
    code = (
        "import hashlib, sys\n"
        "from parcours.gltf import kit_scenes\n"
        "for i in sys.argv[1:]: print(hashlib.sha256(kit_scenes.scene_glb(i)).hexdigest())\n"
    )
    expected = [hashlib.sha256(built(i)).hexdigest() for i in SCENES]
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", code, *SCENES],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        assert result.stdout.split() == expected


@pytest.mark.parametrize("asset_id", SCENES)
def test_models_pass_the_validators(asset_id: str) -> None:
    report = validate_file(ASSETS / asset_id / "model.glb")
    assert report.ok and report.count(1) == 0, report.summary()


@pytest.mark.parametrize("asset_id", sorted(ANIMATED))
def test_scenes_loop_an_animation_on_named_joints(asset_id: str) -> None:
    (low, high), joints = ANIMATED[asset_id]
    document, binary = split_glb(built(asset_id))
    (animation,) = document["animations"]
    names = [node.get("name") for node in document["nodes"]]
    assert len(set(names)) == len(names)
    moved = set()
    for channel in animation["channels"]:
        node = document["nodes"][channel["target"]["node"]]
        assert node["name"] and "matrix" not in node
        # a joint of its own: an empty node whose child nodes carry its meshes (and joints)
        assert "mesh" not in node and node["children"], node["name"]
        assert any("mesh" in document["nodes"][c] for c in node["children"])
        sampler = animation["samplers"][channel["sampler"]]
        assert sampler["interpolation"] == "LINEAR"
        times = floats(document, binary, sampler["input"])[:, 0]
        assert times[0] == 0.0 and np.all(np.diff(times) > 0)
        assert document["accessors"][sampler["input"]]["max"] == [float(times[-1])]
        values = floats(document, binary, sampler["output"])
        if channel["target"]["path"] == "rotation":
            assert np.allclose(np.linalg.norm(values, axis=1), 1.0, atol=1e-5)
        moved.add(node["name"])
    assert joints <= moved
    duration = max(document["accessors"][s["input"]]["max"][0] for s in animation["samplers"])
    assert low <= duration <= high
    assert inspect_model(ASSETS / asset_id / "model.glb")["animations"] == [animation["name"]]


def test_abbey_tower_porch_is_about_82_m_and_the_tallest() -> None:
    facts = inspect_model(ASSETS / kit_scenes.ABBEY / "model.glb")
    assert 81.5 <= facts["bounds"]["max"][1] <= 82.5
    scene = kit_scenes.abbey()[0].scene()
    tops = {name: float(mesh.bounds[1][1]) for name, mesh in scene.geometry.items()}
    tower = max(top for name, top in tops.items() if name.startswith("tower-porch/"))
    assert tower == pytest.approx(82.0, abs=0.05)
    assert max(top for name, top in tops.items() if not name.startswith("tower-porch/")) < 40.0
    assert "animations" not in split_glb(built(kit_scenes.ABBEY))[0]


@pytest.mark.parametrize("asset_id", SCENES)
def test_assets_load_and_their_hotspots_lie_on_the_model(asset_id: str) -> None:
    asset, problems = load_asset(ASSETS / asset_id, BUNDLED_ROOT, Settings())
    assert asset is not None and not problems, problems
    assert asset.schematic and asset.sites == []
    assert "reconstitution schématique, pas un relevé" in asset.credits
    assert len(asset.hotspots) >= 3
    anchor = asset.geo_anchor and (asset.geo_anchor.lat, asset.geo_anchor.lon)
    assert anchor == GEO_ANCHORS[asset_id]
    bounds = inspect_model(ASSETS / asset_id / "model.glb")["bounds"]
    low, high = np.asarray(bounds["min"]) - 2.0, np.asarray(bounds["max"]) + 2.0
    for spot in asset.hotspots:
        position = np.asarray(spot.position)
        assert np.all(position >= low) and np.all(position <= high), (asset_id, spot.id)


@pytest.mark.parametrize("asset_id", SCENES)
def test_posters_render(asset_id: str, tmp_path: Path) -> None:
    facts = render_poster(ASSETS / asset_id / "model.glb", tmp_path / "poster.png", size=64)
    assert facts["triangles"] > 1000


def test_main_regenerates_the_three_models(content_root: Path) -> None:
    assert kit_scenes.main(["--root", str(content_root)]) == 0
    for asset_id in SCENES:
        assert (content_root / "assets" / asset_id / "model.glb").read_bytes() == built(asset_id)
