"""Phone variants keep the smaller of each choice: candidate, and encoding of each texture."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from parcours.build import _phone
from parcours.gltf.inspect import inspect_model
from parcours.gltf.optimize import PhoneBudget, make_variant
from parcours.gltf.validate import validate_file
from parcours.settings import BUNDLED_ROOT, Settings

CORPUS = BUNDLED_ROOT.parent / "shared" / "gltf-corpus"
MODES = CORPUS / "MeshPrimitiveModes/glTF/MeshPrimitiveModes.gltf"
DIORAMA = BUNDLED_ROOT / "assets/denain-1712-diorama/model.glb"
# Our phone variant of MeshPrimitiveModes on 2026-11-23 (glTF Transform 4.5.1): the quantized
# candidate, every primitive kept. `gltf-transform optimize` writes 3,368 B without POINTS.
MODES_MAX_BYTES = 2_352
GLB_MAGIC, JSON_CHUNK, BIN_CHUNK = 0x46546C67, 0x4E4F534A, 0x004E4942


def read_glb(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    length, kind = struct.unpack_from("<II", data, 12)
    assert kind == JSON_CHUNK
    document: dict[str, Any] = json.loads(data[20 : 20 + length])
    rest = 20 + length
    binary = data[rest + 8 :] if rest < len(data) else b""
    return document, binary


def images(path: Path) -> list[tuple[str, bytes]]:
    """(mime type, bytes) of every image of a GLB, in order."""
    document, binary = read_glb(path)
    out = []
    for image in document.get("images", []):
        view = document["bufferViews"][image["bufferView"]]
        start = view.get("byteOffset", 0)
        out.append((image["mimeType"], binary[start : start + view["byteLength"]]))
    return out


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", optimize=True)
    return out.getvalue()


def four_colours(side: int) -> bytes:
    """Four flat squares: a few dozen bytes as PNG, more once re-encoded as WebP."""
    pixels = np.zeros((side, side, 3), np.uint8)
    half = side // 2
    pixels[:half, :half], pixels[:half, half:] = (200, 30, 30), (30, 200, 30)
    pixels[half:, :half], pixels[half:, half:] = (30, 30, 200), (220, 220, 40)
    return png(pixels)


def grain(side: int) -> bytes:
    """A noisy gradient: photographic, far smaller as lossy WebP than as PNG."""
    rng = np.random.default_rng(20261123)
    ramp = np.linspace(0, 180, side)[:, None, None]
    return png((rng.random((side, side, 3)) * 64 + ramp).astype(np.uint8))


def textured_quads(path: Path, textures: list[bytes]) -> None:
    """A GLB of one quad per texture, each with its own material: textures are not merged."""
    binary = bytearray()
    views: list[dict[str, Any]] = []

    def view(data: bytes, target: int | None = None) -> int:
        binary.extend(b"\0" * (-len(binary) % 4))
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(data)})
        if target:
            views[-1]["target"] = target
        binary.extend(data)
        return len(views) - 1

    uv = np.array([0, 1, 1, 1, 1, 0, 0, 0], np.float32).tobytes()
    indices = np.array([0, 1, 2, 0, 2, 3], np.uint16).tobytes()
    accessors: list[dict[str, Any]] = []
    primitives = []
    for n in range(len(textures)):
        x = 1.5 * n
        corners = np.array([[x, 0, 0], [x + 1, 0, 0], [x + 1, 1, 0], [x, 1, 0]], np.float32)
        accessors += [
            {
                "bufferView": view(corners.tobytes(), 34962),
                "componentType": 5126,
                "count": 4,
                "type": "VEC3",
                "min": corners.min(0).tolist(),
                "max": corners.max(0).tolist(),
            },
            {"bufferView": view(uv, 34962), "componentType": 5126, "count": 4, "type": "VEC2"},
            {
                "bufferView": view(indices, 34963),
                "componentType": 5123,
                "count": 6,
                "type": "SCALAR",
            },
        ]
        primitives.append(
            {
                "attributes": {"POSITION": 3 * n, "TEXCOORD_0": 3 * n + 1},
                "indices": 3 * n + 2,
                "material": n,
            }
        )
    image_list = [{"bufferView": view(t), "mimeType": "image/png"} for t in textures]
    binary.extend(b"\0" * (-len(binary) % 4))
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": primitives}],
        "materials": [
            {"pbrMetallicRoughness": {"baseColorTexture": {"index": n}}}
            for n in range(len(textures))
        ],
        "textures": [{"source": n} for n in range(len(textures))],
        "images": image_list,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    path.write_bytes(
        struct.pack("<III", GLB_MAGIC, 2, total)
        + struct.pack("<II", len(text), JSON_CHUNK)
        + text
        + struct.pack("<II", len(binary), BIN_CHUNK)
        + bytes(binary)
    )


def test_each_texture_keeps_its_smaller_encoding(tmp_path: Path) -> None:
    tiny, photo, large = four_colours(4), grain(128), four_colours(256)
    source = tmp_path / "quads.glb"
    textured_quads(source, [tiny, photo, large])
    assert validate_file(source).ok
    out = tmp_path / "phone.glb"
    make_variant(source, out, 6, PhoneBudget(max_texture_px=128), "meshopt")
    assert validate_file(out).ok
    (tiny_mime, tiny_out), (photo_mime, photo_out), (large_mime, large_out) = images(out)
    # Within budget, WebP does not pay on four flat colours: the PNG is kept, byte for byte.
    assert (tiny_mime, tiny_out) == ("image/png", tiny)
    # It does on a photograph.
    assert photo_mime == "image/webp"
    assert len(photo_out) < len(photo)
    # Over budget, the original is never kept, however small: the texture is resized.
    assert Image.open(io.BytesIO(large_out)).size == (128, 128)
    assert large_mime == "image/webp"
    document, _ = read_glb(out)
    assert "EXT_texture_webp" in document["extensionsUsed"]


def test_no_webp_extension_when_no_texture_is_webp(tmp_path: Path) -> None:
    source = tmp_path / "quad.glb"
    textured_quads(source, [four_colours(4)])
    out = tmp_path / "phone.glb"
    make_variant(source, out, 2, PhoneBudget(), "meshopt")
    document, _ = read_glb(out)
    assert [mime for mime, _ in images(out)] == ["image/png"]
    assert "EXT_texture_webp" not in document.get("extensionsUsed", [])
    assert "EXT_texture_webp" not in document.get("extensionsRequired", [])
    assert all("extensions" not in texture for texture in document["textures"])
    assert validate_file(out).ok


def test_diorama_palette_stays_png(tmp_path: Path) -> None:
    """The Denain 1712 diorama: its two palette textures weigh less as PNG than as WebP."""
    out = tmp_path / "phone.glb"
    facts = inspect_model(DIORAMA)
    make_variant(DIORAMA, out, facts["triangles"], PhoneBudget(), "meshopt")
    document, _ = read_glb(out)
    assert [mime for mime, _ in images(out)] == ["image/png", "image/png"]
    assert "EXT_texture_webp" not in document["extensionsUsed"]
    assert out.stat().st_size <= 28_252  # `gltf-transform optimize`, 2026-11-23


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")
def test_point_primitive_kept_and_variant_small(tmp_path: Path) -> None:
    """MeshPrimitiveModes: every primitive mode kept, in fewer bytes than gltf-transform's."""
    facts = inspect_model(MODES)
    path, phone = _phone(MODES, tmp_path, facts, PhoneBudget(), Settings())
    document, _ = read_glb(path)
    modes = sorted(p.get("mode", 4) for m in document["meshes"] for p in m["primitives"])
    assert modes == [0, 1, 2, 3, 4, 5, 6]
    assert path.stat().st_size <= MODES_MAX_BYTES
    candidates = phone["candidates"]
    # The source, packed in one GLB, is a candidate: optimizing never makes it larger.
    assert {"phone-meshopt", "phone-draco", "phone-quantize", "original"} <= set(candidates)
    assert all(c["ok"] for c in candidates.values())
    assert path.stat().st_size == min(c["bytes"] for c in candidates.values())
