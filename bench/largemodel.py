"""A large, valid GLB for the media benchmark: a synthetic slag heap (terril) as a height field.

The shared glTF corpus holds nothing over 3.1 MB, and our own models are a few hundred KB at
most, so the benchmark makes its own "large scan": a regular grid of `side` x `side` vertices
(positions and normals in float32, triangles as uint32 indices) shaped like the twin cones of a
terril. The bytes depend only on `side`, so every run serves the same file (about 7.6 MB at the
default 400).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

DEFAULT_SIDE = 400
SIZE_M = 400.0
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
FLOAT, UNSIGNED_INT = 5126, 5125


def _heights(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Two cones with a little deterministic erosion, in metres."""
    cones = np.zeros_like(x)
    for cx, cz, height, radius in ((-60.0, -20.0, 90.0, 150.0), (90.0, 60.0, 60.0, 110.0)):
        distance = np.hypot(x - cx, z - cz)
        cones = np.maximum(cones, height * np.clip(1.0 - distance / radius, 0.0, None))
    ridges = 1.5 * np.sin(x / 7.0) * np.cos(z / 11.0)
    return (cones + np.where(cones > 0, ridges, 0.0)).astype(np.float32)


def terril_glb(side: int = DEFAULT_SIDE) -> bytes:
    """The GLB bytes of a `side` x `side` height field (one mesh, one buffer)."""
    coords = np.linspace(-SIZE_M / 2, SIZE_M / 2, side, dtype=np.float32)
    x, z = np.meshgrid(coords, coords)
    y = _heights(x, z)
    positions = np.stack([x, y, z], axis=-1).reshape(-1, 3).astype(np.float32)
    dy_dz, dy_dx = np.gradient(y, coords, coords)
    normals = np.stack([-dy_dx, np.ones_like(y), -dy_dz], axis=-1).reshape(-1, 3)
    normals = (normals / np.linalg.norm(normals, axis=1, keepdims=True)).astype(np.float32)
    grid = np.arange(side * side, dtype=np.uint32).reshape(side, side)
    a, b = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    c, d = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    indices = np.stack([a, c, b, b, c, d], axis=-1).reshape(-1).astype(np.uint32)
    blobs = [positions.tobytes(), normals.tobytes(), indices.tobytes()]
    offsets = [0, len(blobs[0]), len(blobs[0]) + len(blobs[1])]
    binary = b"".join(blobs)
    document = {
        "asset": {"version": "2.0", "generator": "parcours bench/largemodel.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "terril"}],
        "meshes": [
            {
                "name": "terril",
                "primitives": [{"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 2}],
            }
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": FLOAT,
                "count": len(positions),
                "type": "VEC3",
                "min": positions.min(axis=0).tolist(),
                "max": positions.max(axis=0).tolist(),
            },
            {"bufferView": 1, "componentType": FLOAT, "count": len(normals), "type": "VEC3"},
            {
                "bufferView": 2,
                "componentType": UNSIGNED_INT,
                "count": len(indices),
                "type": "SCALAR",
            },
        ],
        "bufferViews": [
            {
                "buffer": 0,
                "byteOffset": offsets[0],
                "byteLength": len(blobs[0]),
                "target": ARRAY_BUFFER,
            },
            {
                "buffer": 0,
                "byteOffset": offsets[1],
                "byteLength": len(blobs[1]),
                "target": ARRAY_BUFFER,
            },
            {
                "buffer": 0,
                "byteOffset": offsets[2],
                "byteLength": len(blobs[2]),
                "target": ELEMENT_ARRAY_BUFFER,
            },
        ],
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(text), b"JSON"),
            text,
            struct.pack("<I4s", len(binary), b"BIN\0"),
            binary,
        ]
    )


def write_terril(path: Path, side: int = DEFAULT_SIDE) -> int:
    """Write the GLB to `path`; its size in bytes."""
    data = terril_glb(side)
    path.write_bytes(data)
    return len(data)
