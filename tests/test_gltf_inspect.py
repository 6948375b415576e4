"""Facts about models, read from the glTF itself (checked against known sample models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parcours.gltf.inspect import inspect_model

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "gltf-corpus"
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus absent")


def test_box() -> None:
    facts = inspect_model(CORPUS / "Box/glTF-Binary/Box.glb")
    assert (facts["vertices"], facts["triangles"], facts["draw_calls"]) == (24, 12, 1)
    assert facts["bounds"]["size_m"] == [1.0, 1.0, 1.0]
    assert facts["bytes"] == 1664 and facts["materials"] == 1


def test_fox_textures_animations_and_external_files() -> None:
    glb = inspect_model(CORPUS / "Fox/glTF-Binary/Fox.glb")
    gltf = inspect_model(CORPUS / "Fox/glTF/Fox.gltf")
    assert glb["animations"] == ["Survey", "Walk", "Run"] and glb["skins"] == 1
    assert glb["textures"] == [
        {"index": 0, "mime_type": "image/png", "width": 1024, "height": 1024}
    ]
    assert gltf["triangles"] == glb["triangles"] == 576
    assert gltf["bytes"] > (CORPUS / "Fox/glTF/Fox.gltf").stat().st_size  # .bin and .png count
    assert inspect_model(CORPUS / "Fox/glTF-Binary/Fox.glb", scale=0.01)["bounds"]["size_m"][
        1
    ] == pytest.approx(0.79, abs=0.01)


def test_compressed_and_quantized_models() -> None:
    meshopt = inspect_model(CORPUS / "BoxMeshopt/glTF/BoxMeshopt.gltf")
    assert "EXT_meshopt_compression" in meshopt["extensions_required"]
    assert meshopt["bounds"]["size_m"] == [1.0, 1.0, 1.0]  # normalized positions dequantized
    draco = inspect_model(CORPUS / "Box/glTF-Draco/Box.gltf")
    assert draco["extensions_required"] == ["KHR_draco_mesh_compression"]
    assert draco["triangles"] == 12


def test_every_corpus_model_can_be_inspected() -> None:
    files = [p for p in CORPUS.rglob("*") if p.suffix in {".gltf", ".glb"}]
    for path in files:
        facts = inspect_model(path)
        assert facts["bytes"] > 0 and facts["draw_calls"] >= 0, path
