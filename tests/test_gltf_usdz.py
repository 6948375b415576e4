"""USDZ for iOS Quick Look: opens with pxr, right meshes and triangles, metres and Y up, the root
layer first in the zip, textures inside the package, validator-clean; nothing half written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh
from trimesh.visual.material import PBRMaterial

pytest.importorskip("pxr", reason="usd-core not installed: Quick Look is not offered")
from pxr import Usd, UsdGeom, UsdShade

from parcours.gltf.usdz import write_usdz

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "gltf-corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus absent")


@pytest.fixture(scope="module")
def box_and_cone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """(GLB of a red box and a grey cone made with trimesh, their triangle count)."""
    box = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    box.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(name="red", baseColorFactor=[220, 20, 20, 255])
    )
    cone = trimesh.creation.cone(radius=0.5, height=1.2, sections=32)
    cone.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(name="grey", baseColorFactor=[128, 128, 128, 255])
    )
    scene = trimesh.Scene()
    move = trimesh.transformations.translation_matrix
    scene.add_geometry(box, node_name="box", transform=move([-0.7, 0.5, 0.0]))
    scene.add_geometry(cone, node_name="cone", transform=move([0.7, 0.0, 0.0]))
    path = tmp_path_factory.mktemp("made") / "box_and_cone.glb"
    scene.export(path)
    return path, len(box.faces) + len(cone.faces)


def opened(path: Path) -> tuple[Usd.Stage, list[UsdGeom.Mesh], int]:
    stage = Usd.Stage.Open(str(path))
    assert stage and stage.GetDefaultPrim()
    meshes = [UsdGeom.Mesh(prim) for prim in stage.Traverse() if prim.IsA(UsdGeom.Mesh)]
    triangles = 0
    for mesh in meshes:
        counts = list(mesh.GetFaceVertexCountsAttr().Get())
        assert set(counts) == {3}
        triangles += len(counts)
    return stage, meshes, triangles


def assert_package_rules(path: Path) -> list[str]:
    """USDZ: root layer first, files stored uncompressed, data 64-byte aligned; names listed."""
    with zipfile.ZipFile(path) as package:
        entries = package.infolist()
        assert entries[0].filename.endswith((".usdc", ".usda"))
        for entry in entries:
            assert entry.compress_type == zipfile.ZIP_STORED
            with path.open("rb") as handle:  # local header: 30 bytes, then name and extra
                handle.seek(entry.header_offset + 26)
                name_length = int.from_bytes(handle.read(2), "little")
                extra_length = int.from_bytes(handle.read(2), "little")
            assert (entry.header_offset + 30 + name_length + extra_length) % 64 == 0
        return [entry.filename for entry in entries]


@needs_corpus
@pytest.mark.parametrize(
    ("name", "triangles", "animated", "textures"),
    [
        ("Box/glTF-Binary/Box.glb", 12, False, 0),
        ("BoxVertexColors/glTF-Binary/BoxVertexColors.glb", 12, False, 0),
        ("Fox/glTF-Binary/Fox.glb", 576, True, 1),
        ("MultiUVTest/glTF-Binary/MultiUVTest.glb", 12, False, 2),
    ],
)
def test_corpus_models(
    name: str, triangles: int, animated: bool, textures: int, tmp_path: Path
) -> None:
    out = tmp_path / "model.usdz"
    facts = write_usdz(CORPUS / name, out)
    assert (facts["meshes"], facts["triangles"]) == (1, triangles)
    assert facts["animations_dropped"] is animated
    assert facts["bytes"] == out.stat().st_size
    assert facts["errors"] == []
    stage, meshes, counted = opened(out)
    assert (len(meshes), counted) == (1, triangles)
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    names = assert_package_rules(out)
    assert len([n for n in names if n.endswith((".png", ".jpg"))]) == facts["textures"] == textures
    assert list(tmp_path.iterdir()) == [out]  # built elsewhere, only the .usdz lands


@needs_corpus
def test_texture_is_read_through_st(tmp_path: Path) -> None:
    out = tmp_path / "fox.usdz"
    write_usdz(CORPUS / "Fox/glTF-Binary/Fox.glb", out)
    _stage, meshes, _ = opened(out)  # the stage must outlive its prims
    assert UsdGeom.PrimvarsAPI(meshes[0]).GetPrimvar("st").HasValue()
    material, _ = UsdShade.MaterialBindingAPI(meshes[0].GetPrim()).ComputeBoundMaterial()
    shaders = {
        UsdShade.Shader(prim).GetIdAttr().Get(): UsdShade.Shader(prim)
        for prim in Usd.PrimRange(material.GetPrim())
        if prim.IsA(UsdShade.Shader)
    }
    assert set(shaders) == {"UsdPreviewSurface", "UsdUVTexture", "UsdPrimvarReader_float2"}
    texture = shaders["UsdUVTexture"].GetInput("file").Get()
    assert texture.resolvedPath and "fox.usdz[" in texture.resolvedPath  # inside the package


def test_made_model(box_and_cone: tuple[Path, int], tmp_path: Path) -> None:
    model, triangles = box_and_cone
    out = tmp_path / "made.usdz"
    facts = write_usdz(model, out)
    assert (facts["meshes"], facts["triangles"]) == (2, triangles)
    assert facts["animations_dropped"] is False and facts["errors"] == []
    stage, meshes, counted = opened(out)
    assert (len(meshes), counted) == (2, triangles)
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert_package_rules(out)
    colours = {}
    for mesh in meshes:
        material, _ = UsdShade.MaterialBindingAPI(mesh.GetPrim()).ComputeBoundMaterial()
        surface = material.ComputeSurfaceSource()[0]
        colours[mesh.GetPrim().GetName()] = tuple(surface.GetInput("diffuseColor").Get())
    assert colours["box"] == pytest.approx((220 / 255, 20 / 255, 20 / 255), abs=1e-3)
    assert colours["cone"] == pytest.approx((128 / 255,) * 3, abs=1e-3)
    box = next(mesh for mesh in meshes if mesh.GetPrim().GetName() == "box")
    points = np.asarray(box.GetPointsAttr().Get())
    assert points.mean(axis=0) == pytest.approx([-0.7, 0.5, 0.0], abs=1e-6)  # transform baked


def test_empty_and_degenerate_models_write_nothing(tmp_path: Path) -> None:
    flat = trimesh.Trimesh(vertices=[[1.0, 1.0, 1.0]] * 3, faces=[[0, 1, 2]], process=False)
    model = tmp_path / "flat.glb"
    flat.export(model)
    with pytest.raises(ValueError, match="degenerate"):
        write_usdz(model, tmp_path / "flat.usdz")
    assert not (tmp_path / "flat.usdz").exists()
