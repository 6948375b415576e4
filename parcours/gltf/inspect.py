"""Facts about a model that passed the gate: what a phone will have to draw and download.

Read from the glTF JSON and the image headers only (no mesh library): vertices, triangles and
draw calls of the default scene as instanced by its nodes, materials, textures (size, format),
bounds in metres, animations, extensions and bytes.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

_NORMALIZED_MAX = {5120: 127, 5121: 255, 5122: 32767, 5123: 65535}
Matrix = list[float]  # column-major 4x4, as glTF stores it
IDENTITY: Matrix = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
_MIME_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
}


def read_container(path: Path) -> tuple[dict[str, Any], int | None, int]:
    """(JSON document, BIN chunk offset or None, BIN length) of a gate-checked file."""
    data = path.read_bytes()
    if data[:4] != b"glTF":
        return json.loads(data.decode("utf-8")), None, 0
    length, _ = struct.unpack_from("<II", data, 12)
    document = json.loads(data[20 : 20 + length].decode("utf-8"))
    position = 20 + length
    if position + 8 <= len(data):
        bin_length, kind = struct.unpack_from("<II", data, position)
        if kind == 0x004E4942:
            return document, position + 8, bin_length
    return document, None, 0


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    return [sum(a[k * 4 + r] * b[c * 4 + k] for k in range(4)) for c in range(4) for r in range(4)]


def _local_matrix(node: dict[str, Any]) -> Matrix:
    if isinstance(node.get("matrix"), list) and len(node["matrix"]) == 16:
        return [float(x) for x in node["matrix"]]
    tx, ty, tz = node.get("translation", [0, 0, 0])
    qx, qy, qz, qw = node.get("rotation", [0, 0, 0, 1])
    sx, sy, sz = node.get("scale", [1, 1, 1])
    rotation = [
        1 - 2 * (qy * qy + qz * qz),
        2 * (qx * qy + qz * qw),
        2 * (qx * qz - qy * qw),
        0,
        2 * (qx * qy - qz * qw),
        1 - 2 * (qx * qx + qz * qz),
        2 * (qy * qz + qx * qw),
        0,
        2 * (qx * qz + qy * qw),
        2 * (qy * qz - qx * qw),
        1 - 2 * (qx * qx + qy * qy),
        0,
        0,
        0,
        0,
        1,
    ]
    scale = [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1]
    translation = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, tx, ty, tz, 1]
    return _multiply(translation, _multiply(rotation, scale))


def _instances(document: dict[str, Any]) -> Iterator[tuple[int, Matrix]]:
    """(mesh index, world matrix) for every mesh instance of the default scene."""
    scenes = document.get("scenes") or []
    nodes = document.get("nodes") or []
    scene_index = document.get("scene", 0)
    if scenes and isinstance(scene_index, int) and scene_index < len(scenes):
        roots = scenes[scene_index].get("nodes", [])
    else:
        children = {c for n in nodes for c in n.get("children", [])}
        roots = [i for i in range(len(nodes)) if i not in children]
    stack = [(i, IDENTITY, 0) for i in roots]
    while stack:
        index, parent, depth = stack.pop()
        if not isinstance(index, int) or not 0 <= index < len(nodes) or depth > 64:
            continue
        node = nodes[index]
        world = _multiply(parent, _local_matrix(node))
        if isinstance(node.get("mesh"), int):
            yield node["mesh"], world
        stack.extend((child, world, depth + 1) for child in node.get("children", []))


def _transform(matrix: Matrix, point: tuple[float, float, float]) -> tuple[float, ...]:
    x, y, z = point
    return tuple(
        matrix[r] * x + matrix[4 + r] * y + matrix[8 + r] * z + matrix[12 + r] for r in range(3)
    )


def _primitive_counts(document: dict[str, Any], primitive: dict[str, Any]) -> tuple[int, int]:
    accessors = document.get("accessors") or []
    position = primitive.get("attributes", {}).get("POSITION")
    vertices = accessors[position]["count"] if isinstance(position, int) else 0
    indices = primitive.get("indices")
    count = accessors[indices]["count"] if isinstance(indices, int) else vertices
    mode = primitive.get("mode", 4)
    triangles = count // 3 if mode == 4 else max(0, count - 2) if mode in (5, 6) else 0
    return vertices, triangles


def _image_size(head: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) from the first bytes of a PNG, JPEG, WebP or KTX2 image."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return "image/png", width, height
    if head.startswith(b"\xff\xd8"):
        position = 2
        while position + 9 < len(head):
            if head[position] != 0xFF:
                position += 1
                continue
            marker = head[position + 1]
            length = struct.unpack(">H", head[position + 2 : position + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", head[position + 5 : position + 9])
                return "image/jpeg", width, height
            position += 2 + length
        return "image/jpeg", 0, 0
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and len(head) >= 30:
        if head[12:16] == b"VP8X":
            width = int.from_bytes(head[24:27], "little") + 1
            height = int.from_bytes(head[27:30], "little") + 1
            return "image/webp", width, height
        return "image/webp", 0, 0
    if head.startswith(b"\xabKTX 20\xbb") and len(head) >= 28:
        width, height = struct.unpack("<II", head[20:28])
        return "image/ktx2", width, height
    return None


def _image_head(
    path: Path, document: dict[str, Any], image: dict[str, Any], bin_offset: int | None
) -> bytes:
    limit = 65536
    uri = image.get("uri")
    if isinstance(uri, str) and uri.startswith("data:"):
        import base64

        payload = uri.partition(",")[2]
        return base64.b64decode(payload[: (limit // 3) * 4] + "===")[:limit]
    if isinstance(uri, str):
        with (path.parent / unquote(uri)).open("rb") as handle:
            return handle.read(limit)
    view_index = image.get("bufferView")
    views = document.get("bufferViews") or []
    if isinstance(view_index, int) and view_index < len(views) and bin_offset is not None:
        view = views[view_index]
        with path.open("rb") as handle:
            handle.seek(bin_offset + view.get("byteOffset", 0))
            return handle.read(min(limit, view.get("byteLength", 0)))
    return b""


def _resource_bytes(path: Path, document: dict[str, Any]) -> int:
    total = path.stat().st_size
    for kind in ("buffers", "images"):
        for item in document.get(kind) or []:
            uri = item.get("uri")
            if isinstance(uri, str) and not uri.startswith("data:"):
                total += (path.parent / unquote(uri)).stat().st_size
    return total


def inspect_model(path: Path, scale: float = 1.0) -> dict[str, Any]:
    """Facts of a model (the gate must have accepted it); sizes in metres with `scale`."""
    document, bin_offset, _ = read_container(path)
    meshes = document.get("meshes") or []
    accessors = document.get("accessors") or []
    vertices = triangles = draw_calls = 0
    low = [math.inf] * 3
    high = [-math.inf] * 3
    for mesh_index, world in _instances(document):
        if not 0 <= mesh_index < len(meshes):
            continue
        for primitive in meshes[mesh_index].get("primitives", []):
            v, t = _primitive_counts(document, primitive)
            vertices, triangles, draw_calls = vertices + v, triangles + t, draw_calls + 1
            position = primitive.get("attributes", {}).get("POSITION")
            accessor = accessors[position] if isinstance(position, int) else {}
            if "min" in accessor and "max" in accessor:
                # Normalized integers store min/max in integer space (quantized meshes).
                unit = _NORMALIZED_MAX.get(accessor.get("componentType", 0), 1)
                unit = unit if accessor.get("normalized") else 1
                lo = [x / unit for x in accessor["min"]]
                hi = [x / unit for x in accessor["max"]]
                for corner in (
                    (x, y, z)
                    for x in (lo[0], hi[0])
                    for y in (lo[1], hi[1])
                    for z in (lo[2], hi[2])
                ):
                    point = _transform(world, corner)
                    low = [min(a, b) for a, b in zip(low, point, strict=True)]
                    high = [max(a, b) for a, b in zip(high, point, strict=True)]
    textures = []
    for index, image in enumerate(document.get("images") or []):
        sniffed = _image_size(_image_head(path, document, image, bin_offset))
        mime = image.get("mimeType") or (
            sniffed[0]
            if sniffed
            else _MIME_BY_SUFFIX.get(Path(str(image.get("uri", ""))).suffix.lower(), "unknown")
        )
        textures.append(
            {
                "index": index,
                "mime_type": mime,
                "width": sniffed[1] if sniffed else None,
                "height": sniffed[2] if sniffed else None,
            }
        )
    bounds = None
    if all(math.isfinite(x) for x in (*low, *high)):
        size = [round((h - lo) * scale, 3) for lo, h in zip(low, high, strict=True)]
        bounds = {
            "min": [round(x * scale, 3) for x in low],
            "max": [round(x * scale, 3) for x in high],
            "size_m": size,
        }
    animations = document.get("animations") or []
    return {
        "vertices": vertices,
        "triangles": triangles,
        "draw_calls": draw_calls,
        "meshes": len(meshes),
        "materials": len(document.get("materials") or []),
        "textures": textures,
        "bounds": bounds,
        "animations": [a.get("name") or f"animation {i}" for i, a in enumerate(animations)],
        "skins": len(document.get("skins") or []),
        "morph_targets": any("targets" in p for m in meshes for p in m.get("primitives", [])),
        "extensions_used": sorted(document.get("extensionsUsed") or []),
        "extensions_required": sorted(document.get("extensionsRequired") or []),
        "bytes": _resource_bytes(path, document),
    }
