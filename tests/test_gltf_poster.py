"""Posters (first paint): the model is visible, in its colours, at the requested size, always
the same bytes; empty, degenerate and compressed models are refused with a clear reason."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from parcours.gltf.poster import render_poster

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "gltf-corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus absent")
BACKGROUND = (245, 243, 238)
CORPUS_MODELS = [
    "Box/glTF-Binary/Box.glb",
    "BoxVertexColors/glTF-Binary/BoxVertexColors.glb",
    "Fox/glTF-Binary/Fox.glb",
    "MultiUVTest/glTF-Binary/MultiUVTest.glb",
]


@pytest.fixture(scope="module")
def box_and_cone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A red box and a grey cone side by side, made with trimesh (base colour factors only)."""
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
    upright = trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0])
    scene.add_geometry(box, node_name="box", transform=move([-0.7, 0.5, 0.0]))
    scene.add_geometry(cone, node_name="cone", transform=move([0.7, 0.0, 0.0]) @ upright)
    path = tmp_path_factory.mktemp("made") / "box_and_cone.glb"
    scene.export(path)
    return path


def pixels(path: Path) -> npt.NDArray[np.int16]:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def share_not_background(image: npt.NDArray[np.int16]) -> float:
    difference = np.abs(image - np.asarray(BACKGROUND)).max(axis=2)
    return float((difference > 12).mean())


@needs_corpus
@pytest.mark.parametrize("name", CORPUS_MODELS)
def test_corpus_posters_show_the_model(name: str, tmp_path: Path) -> None:
    out = tmp_path / "poster.png"
    facts = render_poster(CORPUS / name, out, size=256)
    assert facts["width"] == facts["height"] == 256
    assert facts["bytes"] == out.stat().st_size and facts["triangles"] > 0
    image = pixels(out)
    assert image.shape == (256, 256, 3)
    assert 0.05 < share_not_background(image) < 0.9
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20  # shaded, not one flat colour


@needs_corpus
def test_colours_come_from_the_materials(tmp_path: Path) -> None:
    box = pixels(_render(CORPUS / CORPUS_MODELS[0], tmp_path / "box.png"))
    red = (box[..., 0] > box[..., 1] + 80) & (box[..., 0] > box[..., 2] + 80)
    assert red.mean() > 0.2  # baseColorFactor (0.8, 0, 0)

    vertex = pixels(_render(CORPUS / CORPUS_MODELS[1], tmp_path / "vertex.png"))
    hues = {tuple(int(c) // 64 for c in pixel) for pixel in vertex.reshape(-1, 3)}
    assert len(hues) >= 6  # vertex colours: many hues, not one material colour

    fox = pixels(_render(CORPUS / CORPUS_MODELS[2], tmp_path / "fox.png"))
    orange = (fox[..., 0] > fox[..., 2] + 60) & (fox[..., 0] > 90)
    assert orange.mean() > 0.03  # sampled from the texture (the factor is white)


def _render(model: Path, out: Path) -> Path:
    render_poster(model, out, size=128)
    return out


def test_made_model_red_box_and_grey_cone(box_and_cone: Path, tmp_path: Path) -> None:
    out = tmp_path / "poster.png"
    facts = render_poster(box_and_cone, out, size=300)
    image = pixels(out)
    assert image.shape == (300, 300, 3) and facts["format"] == "png"
    assert share_not_background(image) > 0.1
    red = (image[..., 0] > image[..., 1] + 80) & (image[..., 0] > image[..., 2] + 80)
    assert red.mean() > 0.05
    assert red[:, :150].sum() > 5 * red[:, 150:].sum()  # the box is on the left
    spread = image.max(axis=2) - image.min(axis=2)
    grey = (spread < 8) & (np.abs(image - np.asarray(BACKGROUND)).max(axis=2) > 30)
    assert grey[:, 150:].mean() > 0.03  # the cone, on the right


def test_same_input_same_bytes(box_and_cone: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    render_poster(box_and_cone, first)
    render_poster(box_and_cone, second)
    assert first.read_bytes() == second.read_bytes()
    webp_a, webp_b = tmp_path / "a.webp", tmp_path / "b.webp"
    render_poster(box_and_cone, webp_a, size=200)
    render_poster(box_and_cone, webp_b, size=200)
    assert webp_a.read_bytes() == webp_b.read_bytes()
    with Image.open(io.BytesIO(webp_a.read_bytes())) as image:
        assert image.format == "WEBP" and image.size == (200, 200)


@needs_corpus
def test_textured_model_is_deterministic(tmp_path: Path) -> None:
    fox = CORPUS / CORPUS_MODELS[2]
    render_poster(fox, tmp_path / "a.png", size=128)
    render_poster(fox, tmp_path / "b.png", size=128)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_background_is_the_one_given(box_and_cone: Path, tmp_path: Path) -> None:
    render_poster(box_and_cone, tmp_path / "p.png", size=64, background=(10, 20, 30))
    assert tuple(pixels(tmp_path / "p.png")[0, 0]) == (10, 20, 30)


def _glb(document: dict[str, object]) -> bytes:
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    header = struct.pack("<III", 0x46546C67, 2, 20 + len(text))
    return header + struct.pack("<II", len(text), 0x4E4F534A) + text


def test_empty_scene_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "empty.glb"
    model.write_bytes(_glb({"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": []}]}))
    with pytest.raises(ValueError, match="no triangle meshes"):
        render_poster(model, tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize(
    ("vertices", "reason"),
    [
        ([[1.0, 1.0, 1.0]] * 3, "all its vertices are at one point"),
        ([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], "none of its 1 triangles"),
    ],
)
def test_degenerate_model_is_refused(
    vertices: list[list[float]], reason: str, tmp_path: Path
) -> None:
    mesh = trimesh.Trimesh(vertices=np.array(vertices), faces=[[0, 1, 2]], process=False)
    model = tmp_path / "flat.glb"
    mesh.export(model)
    with pytest.raises(ValueError, match=reason):
        render_poster(model, tmp_path / "p.png")


def test_unknown_format_is_refused(box_and_cone: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.jpg"):
        render_poster(box_and_cone, tmp_path / "p.jpg")


@needs_corpus
def test_compressed_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EXT_meshopt_compression"):
        render_poster(CORPUS / "BoxMeshopt/glTF-Binary/BoxMeshopt.glb", tmp_path / "p.png")
