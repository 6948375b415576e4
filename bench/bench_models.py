"""Benchmark for the phone variant: our pipeline against `gltf-transform optimize`, model by model.

A report, not a test. For every model of the shared glTF corpus and every asset of the
catalogue it makes our phone variant exactly as `parcours build` does (`_phone`: meshopt,
Draco and quantized candidates, the source when it fits, each validated, smallest valid
kept) and runs the glTF Transform CLI's `optimize` with its defaults, the usual yardstick for
"a compressed glTF". It prints bytes, build seconds, download time at 10 Mbit/s and the
geometric error of each output against the source (symmetric Hausdorff distance on sampled
surfaces, relative to the source's bounding-box diagonal), then the aim of the issue: our
phone variant no larger than gltf-transform's on every model, with the silhouette kept.

Exit status: 0 when the report was produced (even if the aim is missed), 1 when a tool is
missing or a model could not be processed by either pipeline (the report still lists the rest).

Run through `bash scripts/bench-models`; see bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from benchenv import cpu_model, tool_version

from parcours.assets import load_asset
from parcours.build import _phone, source_files
from parcours.gltf.inspect import inspect_model
from parcours.gltf.optimize import NODE_MODULES, OptimizeError, PhoneBudget, plain_copy
from parcours.settings import Settings

CORPUS = Path("/work/shared/gltf-corpus")
GLTF_TRANSFORM = NODE_MODULES / ".bin" / "gltf-transform"
MODEL_SUFFIXES = (".glb", ".gltf")
LINK_BITS_PER_S = 10e6  # the weak network the issue speaks of: 10 Mbit/s
SAMPLES = 20_000
SEED = 20240917
CHUNK = 1024  # query points per block of the brute-force nearest-sample search
BLOCK = 256  # nearby query points measured exactly together
GRID = 32  # cells per axis when ordering points by position
PAIRS = 2_000_000  # point-triangle boxes tested per block of exact distances (bounds memory)
TIMEOUT_S = 600.0
NAME_WIDTH = 40


class BenchError(Exception):
    """Something the benchmark needs could not run; no figures would be meaningful."""


class NoSurface(Exception):
    """A model whose geometry cannot be compared (no triangles, or it cannot be decoded)."""


@dataclass(frozen=True)
class Model:
    """One model to measure: a corpus entry file or an asset's model."""

    name: str
    group: str  # "corpus" or "assets"
    path: Path
    scale: float = 1.0
    kind: str = "corpus"  # "corpus", "site" (a catalogue site's model) or "trail" (a stop's only)


@dataclass
class Output:
    """One optimized file: how big, how long it took, how far its surface moved."""

    bytes: int | None = None
    seconds: float | None = None
    chosen: str | None = None  # our candidate (phone-meshopt, -draco, -quantize, original)
    hausdorff_pct: float | None = None
    hausdorff_note: str | None = None  # why the distance is n/a
    error: str | None = None


@dataclass
class Row:
    """Every figure of one model."""

    name: str
    group: str
    path: str
    kind: str = "corpus"
    source_bytes: int = 0
    triangles: int = 0
    ours: Output = field(default_factory=Output)
    theirs: Output = field(default_factory=Output)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        """Our bytes over gltf-transform's: above 1 means ours is larger."""
        if self.ours.bytes is None or not self.theirs.bytes:
            return None
        return self.ours.bytes / self.theirs.bytes

    @property
    def larger(self) -> bool:
        return self.ratio is not None and self.ratio > 1


@dataclass(frozen=True)
class Surface:
    """A mesh with a fixed set of points sampled on it, for point-to-surface distances."""

    mesh: trimesh.Trimesh
    points: np.ndarray  # (n, 3)
    faces: np.ndarray  # (n,) triangle of each sample
    triangles: np.ndarray  # (m, 3, 3)
    low: np.ndarray  # (m, 3) bounding box of each triangle
    high: np.ndarray  # (m, 3)


# --- finding models --------------------------------------------------------------------------


def corpus_models(root: Path) -> list[Model]:
    """Every .glb/.gltf entry file of the corpus, named by its path inside the corpus."""
    if not root.is_dir():
        raise BenchError(f"corpus not found: {root} (use --corpus-dir or --no-corpus)")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in MODEL_SUFFIXES)
    return [Model(str(p.relative_to(root)), "corpus", p) for p in paths if p.is_file()]


def asset_models(settings: Settings) -> tuple[list[Model], dict[str, str]]:
    """Our assets with a readable asset.yaml; the others, with why, are reported as skipped.

    Assets are read one by one (not with `discover_assets`) so that one asset being written
    while the benchmark runs does not hide the others.
    """
    models: list[Model] = []
    skipped: dict[str, str] = {}
    folders = sorted(p for p in settings.assets_dir.glob("*/asset.yaml"))
    for yaml_path in folders:
        folder = yaml_path.parent
        asset, problems = load_asset(folder, settings.root, settings)
        if asset is None or problems:
            skipped[folder.name] = "; ".join(p.message for p in problems) or "unreadable"
            continue
        kind = "site" if asset.sites else "trail"
        models.append(Model(folder.name, "assets", folder / asset.model, asset.scale, kind))
    return models, skipped


# --- making the files ------------------------------------------------------------------------


def make_ours(model: Model, work: Path, settings: Settings) -> tuple[Path, Output]:
    """Our phone variant exactly as `parcours build` makes it, timed from facts to choice."""
    started = time.perf_counter()
    facts = inspect_model(model.path, model.scale)
    budget = PhoneBudget(settings.phone_max_triangles, settings.phone_max_texture_px)
    path, phone = _phone(model.path, work, facts, budget, settings)
    seconds = time.perf_counter() - started
    return path, Output(bytes=path.stat().st_size, seconds=seconds, chosen=phone["chosen"])


def make_theirs(model: Model, work: Path) -> tuple[Path, Output]:
    """`gltf-transform optimize IN OUT` with every default, timed as a user would see it."""
    out = work / "gltf-transform.glb"
    command = [str(GLTF_TRANSFORM), "optimize", str(model.path), str(out)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise OptimizeError(f"gltf-transform optimize took over {TIMEOUT_S:.0f} s") from None
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.is_file():
        lines = (done.stderr + done.stdout).strip().splitlines() or ["no message"]
        raise OptimizeError(f"gltf-transform optimize failed: {lines[-1]}")
    return out, Output(bytes=out.stat().st_size, seconds=seconds)


# --- geometry: the triangles a viewer draws --------------------------------------------------
#
# trimesh's glTF loader is not used: it silently reads sparse accessors as zeros, drops
# triangle fans, ignores EXT_mesh_gpu_instancing (both optimizers instance repeated meshes)
# and places skinned meshes by their node transform, which viewers ignore (gltf-transform's
# quantization moves the dequantization into the inverse bind matrices). Each would be
# measured as a large, false error. This reader follows the glTF rules for the default scene
# at rest and hands plain triangles to trimesh for sampling and distances.

_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}
_DTYPES = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_NORMALIZED = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}
TRIANGLES, STRIP, FAN = 4, 5, 6


@dataclass(frozen=True)
class Glb:
    """JSON and BIN chunk of a plain GLB (one buffer: what `plain_copy` writes)."""

    document: dict[str, Any]
    binary: bytes

    def accessor(self, index: int) -> np.ndarray:
        """An accessor as float64 rows (normalized integers and sparse values applied)."""
        accessor = self.document["accessors"][index]
        kind = accessor["componentType"]
        width, count = _COMPONENTS[accessor["type"]], accessor["count"]
        values = np.zeros((count, width), dtype=np.float64)
        if "bufferView" in accessor:
            offset = accessor.get("byteOffset", 0)
            values = self._view(accessor["bufferView"], kind, count, width, offset)
        if sparse := accessor.get("sparse"):
            idx, val = sparse["indices"], sparse["values"]
            n = sparse["count"]
            where = self._view(
                idx["bufferView"], idx["componentType"], n, 1, idx.get("byteOffset", 0)
            )
            values[where.ravel().astype(np.int64)] = self._view(
                val["bufferView"], kind, n, width, val.get("byteOffset", 0)
            )
        if accessor.get("normalized") and kind in _NORMALIZED:
            values = np.maximum(values / _NORMALIZED[kind], -1.0)
        return values

    def _view(self, view: int, kind: int, count: int, width: int, offset: int) -> np.ndarray:
        """`count` rows of `width` components from a bufferView, honouring its stride."""
        info = self.document["bufferViews"][view]
        dtype = np.dtype(_DTYPES[kind])
        row = dtype.itemsize * width
        stride = info.get("byteStride") or row
        start = info.get("byteOffset", 0) + offset
        raw = np.frombuffer(self.binary, np.uint8, stride * (count - 1) + row, start)
        rows = np.lib.stride_tricks.as_strided(raw, (count, row), (stride, 1))
        return rows.copy().view(dtype).reshape(count, width).astype(np.float64)


def read_glb(path: Path) -> Glb:
    """Split a GLB into its JSON and BIN chunks."""
    data = path.read_bytes()
    json_length = struct.unpack_from("<I", data, 12)[0]
    start = 20 + json_length
    return Glb(json.loads(data[20:start]), data[start + 8 :] if len(data) >= start + 8 else b"")


def trs_matrix(translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """T * R * S as one 4x4 matrix (glTF quaternions are x, y, z, w)."""
    x, y, z, w = rotation
    r = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    matrix = np.eye(4)
    matrix[:3, :3] = r * scale[None, :]
    matrix[:3, 3] = translation
    return matrix


def local_matrix(node: dict[str, Any]) -> np.ndarray:
    """A node's own transform, from `matrix` (column-major) or TRS."""
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
    return trs_matrix(
        np.array(node.get("translation", [0, 0, 0]), dtype=np.float64),
        np.array(node.get("rotation", [0, 0, 0, 1]), dtype=np.float64),
        np.array(node.get("scale", [1, 1, 1]), dtype=np.float64),
    )


def world_matrices(document: dict[str, Any]) -> dict[int, np.ndarray]:
    """World transform of every node of the default scene (the one a viewer shows)."""
    scenes, nodes = document.get("scenes") or [], document.get("nodes") or []
    if not scenes:
        return {}
    out: dict[int, np.ndarray] = {}
    stack = [(i, np.eye(4)) for i in scenes[document.get("scene", 0)].get("nodes", [])]
    while stack:
        index, parent = stack.pop()
        out[index] = parent @ local_matrix(nodes[index])
        stack += [(child, out[index]) for child in nodes[index].get("children", [])]
    return out


def instance_matrices(glb: Glb, node: dict[str, Any]) -> list[np.ndarray]:
    """EXT_mesh_gpu_instancing: one local transform per instance (identity when none)."""
    attributes = (node.get("extensions") or {}).get("EXT_mesh_gpu_instancing", {})
    attributes = attributes.get("attributes", {})
    if not attributes:
        return [np.eye(4)]
    columns = {k: glb.accessor(v) for k, v in attributes.items()}
    count = max(len(c) for c in columns.values())
    t = columns.get("TRANSLATION", np.zeros((count, 3)))
    r = columns.get("ROTATION", np.tile([0.0, 0.0, 0.0, 1.0], (count, 1)))
    s = columns.get("SCALE", np.ones((count, 3)))
    return [trs_matrix(t[i], r[i], s[i]) for i in range(count)]


def primitive_faces(glb: Glb, primitive: dict[str, Any], vertices: int) -> np.ndarray | None:
    """Triangles of a primitive as vertex index triples; None for points and lines."""
    mode = primitive.get("mode", TRIANGLES)
    if mode not in (TRIANGLES, STRIP, FAN):
        return None
    if "indices" in primitive:
        order = glb.accessor(primitive["indices"]).ravel().astype(np.int64)
    else:
        order = np.arange(vertices)
    if mode == TRIANGLES:
        return order[: len(order) // 3 * 3].reshape(-1, 3)
    steps = np.arange(max(0, len(order) - 2))
    if mode == STRIP:
        return np.stack([order[steps], order[steps + 1], order[steps + 2]], axis=1)
    return np.stack([np.full_like(steps, order[0]), order[steps + 1], order[steps + 2]], axis=1)


def morphed_positions(glb: Glb, primitive: dict[str, Any], weights: list[float]) -> np.ndarray:
    """POSITION with the default morph weights applied, as a viewer shows it before playing."""
    positions = glb.accessor(primitive["attributes"]["POSITION"])
    for weight, target in zip(weights, primitive.get("targets") or [], strict=False):
        if weight and "POSITION" in target:
            positions = positions + weight * glb.accessor(target["POSITION"])
    return positions


def skin_matrices(
    glb: Glb, primitive: dict[str, Any], skin: dict[str, Any], worlds: dict[int, np.ndarray]
) -> np.ndarray:
    """Per-vertex skinning matrices at rest: sum of weight * joint world * inverse bind."""
    joints = skin["joints"]
    if "inverseBindMatrices" in skin:
        ibm = glb.accessor(skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        ibm = np.tile(np.eye(4), (len(joints), 1, 1))
    joint = np.stack([worlds.get(j, np.eye(4)) for j in joints]) @ ibm
    attributes = primitive["attributes"]
    total = np.zeros((glb.document["accessors"][attributes["POSITION"]]["count"], 4, 4))
    for n in range(4):
        if f"JOINTS_{n}" not in attributes:
            break
        index = glb.accessor(attributes[f"JOINTS_{n}"]).astype(np.int64)
        weight = glb.accessor(attributes[f"WEIGHTS_{n}"])
        total += np.einsum("vk,vkij->vij", weight, joint[index])
    return total


def node_triangles(
    glb: Glb, node: dict[str, Any], world: np.ndarray, worlds: dict[int, np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """World-space (vertices, faces) of every triangle primitive of one node's mesh."""
    mesh = glb.document["meshes"][node["mesh"]]
    weights = node.get("weights") or mesh.get("weights") or []
    skin = glb.document["skins"][node["skin"]] if "skin" in node else None
    out = []
    for primitive in mesh.get("primitives", []):
        if "POSITION" not in primitive.get("attributes", {}):
            continue
        local = morphed_positions(glb, primitive, weights)
        faces = primitive_faces(glb, primitive, len(local))
        if faces is None or not len(faces):
            continue
        points = np.c_[local, np.ones(len(local))]
        if skin is not None and "JOINTS_0" in primitive["attributes"]:
            # A skinned mesh ignores its node's transform: only the joints place it.
            placed = [np.einsum("vij,vj->vi", skin_matrices(glb, primitive, skin, worlds), points)]
        else:
            placed = [points @ (world @ m).T for m in instance_matrices(glb, node)]
        out += [(p[:, :3], faces) for p in placed]
    return out


def scene_mesh(glb: Glb) -> trimesh.Trimesh:
    """All triangles of the default scene at rest, in world space, as one mesh."""
    worlds = world_matrices(glb.document)
    nodes = glb.document.get("nodes") or []
    parts = [
        part
        for index, world in worlds.items()
        if "mesh" in nodes[index]
        for part in node_triangles(glb, nodes[index], world, worlds)
    ]
    if not parts:
        raise NoSurface("no triangles (points or lines only)")
    offsets = np.cumsum([0] + [len(v) for v, _ in parts[:-1]])
    vertices = np.concatenate([v for v, _ in parts])
    faces = np.concatenate([f + o for (_, f), o in zip(parts, offsets, strict=True)])
    return trimesh.Trimesh(vertices, faces, process=False)


def load_triangles(path: Path, work: Path, label: str) -> trimesh.Trimesh:
    """The triangles of any glTF we can decode: Draco and meshopt are decoded by glTF
    Transform first (`plain_copy`, as `parcours build` does before any Python reader)."""
    plain = work / f"plain-{label}.glb"
    try:
        plain_copy(path, plain)
        mesh = scene_mesh(read_glb(plain))
    except (OptimizeError, OSError, ValueError, KeyError, IndexError) as exc:
        raise NoSurface(f"cannot load: {exc}") from exc
    if not mesh.area > 0:
        raise NoSurface("triangles without area")
    return mesh


def sample(mesh: trimesh.Trimesh, count: int) -> Surface:
    """Points spread over the surface by area, always the same for the same mesh."""
    points, faces = trimesh.sample.sample_surface(mesh, count, seed=SEED)
    triangles = np.asarray(mesh.triangles, dtype=np.float64)
    return Surface(
        mesh,
        np.asarray(points, dtype=np.float64),
        np.asarray(faces),
        triangles,
        triangles.min(axis=1),
        triangles.max(axis=1),
    )


def nearest_sample(queries: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index of the nearest target sample of each query (brute force, in blocks).

    numpy only (no scipy here): |t|^2 - 2 q.t per block, in float32 on centred points, is
    fast and precise enough to pick a neighbour; distances themselves are computed exactly.
    """
    q, t = queries.astype(np.float32), targets.astype(np.float32)
    norms = np.einsum("ij,ij->i", t, t)
    found = np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), CHUNK):
        found[start : start + CHUNK] = np.argmin(norms - 2.0 * q[start : start + CHUNK] @ t.T, 1)
    return found


def point_triangle(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Exact distance of each point to the triangle on the same row."""
    closest = trimesh.triangles.closest_point(triangles, points)
    return np.asarray(np.linalg.norm(closest - points, axis=1))


def exact_distances(
    points: np.ndarray, upper: np.ndarray, triangles: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Exact point-to-surface distances, given an upper bound of each.

    Only triangles whose bounding box lies within the bound can hold the closest point, so
    only those are measured exactly.
    """
    outside = np.maximum(low[None] - points[:, None], points[:, None] - high[None])
    outside = np.maximum(outside, 0.0)
    box2 = np.einsum("ijk,ijk->ij", outside, outside)
    reach = upper * (1 + 1e-9) + 1e-12
    rows, tris = np.nonzero(box2 <= (reach * reach)[:, None])
    found = np.full(len(points), np.inf)
    np.minimum.at(found, rows, point_triangle(points[rows], triangles[tris]))
    return found


def block_max(points: np.ndarray, upper: np.ndarray, target: Surface) -> float:
    """Largest exact distance of a block of nearby points, testing only nearby triangles."""
    reach = float(upper.max()) * (1 + 1e-9) + 1e-12
    low, high = points.min(axis=0) - reach, points.max(axis=0) + reach
    near = np.nonzero(np.all((target.high >= low) & (target.low <= high), axis=1))[0]
    step = max(1, PAIRS // max(1, len(near)))
    best = 0.0
    for start in range(0, len(points), step):
        part = slice(start, start + step)
        found = exact_distances(
            points[part], upper[part], target.triangles[near], target.low[near], target.high[near]
        )
        best = max(best, float(found.max()))
    return best


def spatial_order(points: np.ndarray) -> np.ndarray:
    """Points sorted by grid cell, so that consecutive points are close to each other."""
    low, size = points.min(axis=0), np.ptp(points, axis=0).max() or 1.0
    cells = np.minimum(((points - low) / size * GRID).astype(np.int64), GRID - 1)
    return np.argsort((cells[:, 0] * GRID + cells[:, 1]) * GRID + cells[:, 2], kind="stable")


def one_sided(queries: np.ndarray, target: Surface, center: np.ndarray) -> float:
    """Largest distance from the query points to the target surface, exactly (branch and bound).

    The triangle under each point's nearest target sample gives an upper bound (alone, it
    would overstate the error by up to the sample spacing, about 1 % of a box's diagonal).
    The worst bounds are measured exactly first; then, block by block of nearby points, only
    points whose bound exceeds the largest exact distance so far are measured, against the
    triangles near the block.
    """
    near = nearest_sample(queries - center, target.points - center)
    upper = point_triangle(queries, target.triangles[target.faces[near]])
    worst = np.argsort(-upper)[:BLOCK]
    best = block_max(queries[worst], upper[worst], target)
    order = spatial_order(queries)
    for start in range(0, len(order), BLOCK):
        chosen = order[start : start + BLOCK]
        chosen = chosen[upper[chosen] > best]
        if len(chosen):
            best = max(best, block_max(queries[chosen], upper[chosen], target))
    return best


def hausdorff_pct(source: Surface, other: Surface) -> float:
    """Symmetric Hausdorff distance, in % of the source's bounding-box diagonal."""
    center = source.mesh.bounds.mean(axis=0)
    diagonal = float(np.linalg.norm(source.mesh.extents))
    forward = one_sided(source.points, other, center)
    backward = one_sided(other.points, source, center)
    return 100.0 * max(forward, backward) / diagonal if diagonal else 0.0


def measure_silhouette(
    source: Surface | str, path: Path, work: Path, label: str, out: Output, samples: int
) -> None:
    """Fill `out` with the relative Hausdorff error of `path`, or say why it is n/a."""
    if isinstance(source, str):
        out.hausdorff_note = f"source: {source}"
        return
    try:
        other = sample(load_triangles(path, work, label), samples)
    except NoSurface as exc:
        # The source has a surface: an output without one has lost its silhouette entirely.
        out.hausdorff_note = f"{exc}, though the source has a surface (silhouette lost)"
        return
    out.hausdorff_pct = hausdorff_pct(source, other)


# --- one model -------------------------------------------------------------------------------


def measure(model: Model, work: Path, settings: Settings, samples: int) -> Row:
    """Both pipelines on one model, then the distance of each output from the source."""
    row = Row(model.name, model.group, str(model.path), model.kind)
    row.source_bytes = sum(p.stat().st_size for p in source_files(model.path))
    try:
        row.triangles = int(inspect_model(model.path, model.scale).get("triangles", 0))
    except (ValueError, OSError, KeyError) as exc:
        row.error = f"cannot inspect: {exc}"
        return row
    made: dict[str, Path] = {}
    for label in ("ours", "theirs"):
        folder = work / label
        folder.mkdir()
        try:
            if label == "ours":
                made[label], row.ours = make_ours(model, folder, settings)
            else:
                made[label], row.theirs = make_theirs(model, folder)
        except OptimizeError as exc:
            setattr(row, label, Output(error=str(exc)))
    source: Surface | str
    try:
        source = sample(load_triangles(model.path, work, "source"), samples)
    except NoSurface as exc:
        source = str(exc)
    for label, path in made.items():
        output = row.ours if label == "ours" else row.theirs
        measure_silhouette(source, path, work, label, output, samples)
    return row


# --- report ----------------------------------------------------------------------------------


def download_s(size: int | None) -> float | None:
    """Seconds to fetch `size` bytes at 10 Mbit/s, latency and protocol overhead left out."""
    return None if size is None else size * 8 / LINK_BITS_PER_S


def _kb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1024:.1f}"


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


HEADER = (
    f"{'model':<{NAME_WIDTH}} {'src KB':>8} {'tris':>7} | {'ours KB':>8} {'chosen':<13} "
    f"{'build s':>7} {'dl s':>6} | {'gt KB':>8} {'opt s':>6} {'dl s':>6} | {'ours/gt':>7}   | "
    f"{'Hd ours %':>9} {'Hd gt %':>9}"
)


def format_row(row: Row) -> str:
    """One table line; failures and n/a reasons are listed under the table."""
    ours, theirs = row.ours, row.theirs
    flag = "LARGER" if row.larger else ""
    return (
        f"{_short(row.name):<{NAME_WIDTH}} {_kb(row.source_bytes):>8} {row.triangles:>7} | "
        f"{_kb(ours.bytes):>8} {(ours.chosen or 'FAILED').removeprefix('phone-'):<13} "
        f"{_num(ours.seconds, 2):>7} {_num(download_s(ours.bytes), 3):>6} | "
        f"{_kb(theirs.bytes) if theirs.error is None else 'FAILED':>8} "
        f"{_num(theirs.seconds, 2):>6} {_num(download_s(theirs.bytes), 3):>6} | "
        f"{_num(row.ratio, 2):>7} {flag:<6}| "
        f"{_num(ours.hausdorff_pct, 4):>9} {_num(theirs.hausdorff_pct, 4):>9}"
    )


def totals(rows: list[Row]) -> dict[str, Any]:
    """Sums over the models both pipelines handled, so the two columns add the same models."""
    both = [r for r in rows if r.ours.bytes is not None and r.theirs.bytes is not None]
    source = sum(r.source_bytes for r in both)
    ours = sum(r.ours.bytes or 0 for r in both)
    theirs = sum(r.theirs.bytes or 0 for r in both)
    return {
        "models": len(both),
        "source_bytes": source,
        "ours_bytes": ours,
        "theirs_bytes": theirs,
        "source_download_s": download_s(source),
        "ours_download_s": download_s(ours),
        "theirs_download_s": download_s(theirs),
        "ours_build_s": sum(r.ours.seconds or 0.0 for r in both),
        "theirs_optimize_s": sum(r.theirs.seconds or 0.0 for r in both),
    }


def _max_hausdorff(rows: list[Row], which: str) -> tuple[float | None, str | None]:
    values = [(getattr(r, which).hausdorff_pct, r.name) for r in rows]
    known = [(v, n) for v, n in values if v is not None]
    return max(known) if known else (None, None)


def aim(rows: list[Row]) -> dict[str, Any]:
    """The issue's aim: ours no larger than gltf-transform's on every model, silhouette kept."""
    larger = [r for r in rows if r.larger]
    compared = [r for r in rows if r.ratio is not None]
    ours_max, ours_where = _max_hausdorff(rows, "ours")
    theirs_max, theirs_where = _max_hausdorff(rows, "theirs")
    return {
        "pass": not larger and len(compared) == len(rows),
        "compared": len(compared),
        "larger": [
            {
                "model": r.name,
                "ours_bytes": r.ours.bytes,
                "theirs_bytes": r.theirs.bytes,
                "chosen": r.ours.chosen,
            }
            for r in larger
        ],
        "max_hausdorff_pct": {
            "ours": ours_max,
            "ours_model": ours_where,
            "theirs": theirs_max,
            "theirs_model": theirs_where,
        },
    }


def print_totals(rows: list[Row]) -> dict[str, Any]:
    """Totals per group and overall: bytes, download at 10 Mbit/s, processing time."""
    groups = {g: [r for r in rows if r.group == g] for g in ("corpus", "assets")}
    groups["all"] = rows
    out: dict[str, Any] = {}
    print("\ntotals (models both pipelines handled; download at 10 Mbit/s):")
    print(
        f"  {'':<7} {'models':>6} {'source KB':>10} {'ours KB':>9} {'gt KB':>9} "
        f"{'src dl s':>8} {'ours dl s':>9} {'gt dl s':>8} {'ours build s':>12} {'gt opt s':>8}"
    )
    for name, group in groups.items():
        if not group:
            continue
        t = out[name] = totals(group)
        print(
            f"  {name:<7} {t['models']:>6} {_kb(t['source_bytes']):>10} {_kb(t['ours_bytes']):>9} "
            f"{_kb(t['theirs_bytes']):>9} {t['source_download_s']:>8.2f} "
            f"{t['ours_download_s']:>9.2f} {t['theirs_download_s']:>8.2f} "
            f"{t['ours_build_s']:>12.1f} {t['theirs_optimize_s']:>8.1f}"
        )
    return out


def print_notes(rows: list[Row], skipped: dict[str, str]) -> None:
    """Why some cells say FAILED or n/a: a report should explain its own gaps."""
    notes = [f"  {n}: skipped, {why}" for n, why in skipped.items()]
    for row in rows:
        if row.error:
            notes.append(f"  {row.name}: {row.error}")
        for label, output in (("ours", row.ours), ("gltf-transform", row.theirs)):
            if output.error:
                notes.append(f"  {row.name}: {label} failed: {output.error}")
            elif output.hausdorff_note:
                notes.append(f"  {row.name}: Hausdorff {label} n/a, {output.hausdorff_note}")
    if notes:
        print("\nnotes:")
        print("\n".join(notes))


def print_aim(result: dict[str, Any], total: int) -> None:
    """PASS or MISS, the models where ours is larger, and the silhouette figures."""
    print(
        "\naim (issue): our phone variant no larger than gltf-transform's on every model "
        "(keep the smaller where optimizing does not pay), with the silhouette kept"
    )
    verdict = "PASS" if result["pass"] else "MISS"
    print(
        f"  {verdict}  ours <= gltf-transform on {result['compared'] - len(result['larger'])}"
        f" of {total} models ({total - result['compared']} not comparable)"
    )
    for item in result["larger"]:
        print(
            f"        larger: {item['model']}  ours {item['ours_bytes']} B "
            f"({item['chosen']}) > gltf-transform {item['theirs_bytes']} B"
        )
    h = result["max_hausdorff_pct"]
    print(
        f"  silhouette: max relative Hausdorff ours {_num(h['ours'], 4)} % ({h['ours_model']}),"
        f" gltf-transform {_num(h['theirs'], 4)} % ({h['theirs_model']})"
    )


# --- per-model tables (docs/) ---------------------------------------------------------------

CSV_FIELDS = (
    "group",
    "kind",
    "model",
    "source_bytes",
    "triangles",
    "ours_bytes",
    "ours_chosen",
    "ours_download_s",
    "gltf_transform_bytes",
    "gltf_transform_download_s",
    "ours_over_gltf_transform",
    "ours_larger",
    "ours_build_s",
    "gltf_transform_s",
    "hausdorff_ours_pct",
    "hausdorff_gltf_transform_pct",
)


def table_row(row: Row) -> dict[str, Any]:
    """One model's figures under CSV_FIELDS (None where a pipeline failed)."""

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "group": row.group,
        "kind": row.kind,
        "model": row.name,
        "source_bytes": row.source_bytes,
        "triangles": row.triangles,
        "ours_bytes": row.ours.bytes,
        "ours_chosen": row.ours.chosen or ("FAILED" if row.ours.error else None),
        "ours_download_s": rounded(download_s(row.ours.bytes), 4),
        "gltf_transform_bytes": row.theirs.bytes,
        "gltf_transform_download_s": rounded(download_s(row.theirs.bytes), 4),
        "ours_over_gltf_transform": rounded(row.ratio, 3),
        "ours_larger": row.larger,
        "ours_build_s": rounded(row.ours.seconds, 2),
        "gltf_transform_s": rounded(row.theirs.seconds, 2),
        "hausdorff_ours_pct": rounded(row.ours.hausdorff_pct, 4),
        "hausdorff_gltf_transform_pct": rounded(row.theirs.hausdorff_pct, 4),
    }


def write_csv(rows: list[Row], path: Path) -> None:
    """One line per model, the figures of the printed table (bytes exact, seconds rounded)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in table_row(row).items()})


def write_markdown(rows: list[Row], path: Path) -> None:
    """The per-model table as Markdown: bytes and seconds at 10 Mbit/s, ours next to theirs."""
    lines = [
        "| model | kind | source B | ours B | chosen | ours s @10 Mbit/s "
        "| gltf-transform B | its s @10 Mbit/s | ours/gt |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        t = table_row(row)

        def cell(value: Any, fmt: str = "{:,}") -> str:
            return "n/a" if value is None else fmt.format(value)

        ratio_text = cell(t["ours_over_gltf_transform"], "{:.3f}")
        if row.larger:
            ratio_text = f"**{ratio_text} larger**"
        lines.append(
            f"| {row.name} | {row.kind} | {cell(t['source_bytes'])} | {cell(t['ours_bytes'])} | "
            f"{cell(t['ours_chosen'], '{}')} | {cell(t['ours_download_s'], '{:.3f}')} | "
            f"{cell(t['gltf_transform_bytes'])} | {cell(t['gltf_transform_download_s'], '{:.3f}')}"
            f" | {ratio_text} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- environment -----------------------------------------------------------------------------


def environment(settings: Settings, samples: int) -> dict[str, Any]:
    """What a reader needs to compare two reports: when, on what, with which versions."""
    budget = PhoneBudget(settings.phone_max_triangles, settings.phone_max_texture_px)
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "node": tool_version(["node", "--version"]),
        "gltf-transform": tool_version([str(GLTF_TRANSFORM), "--version"]),
        "trimesh": trimesh.__version__,
        "numpy": np.__version__,
        "budget": budget.key(),
        "hausdorff": f"{samples} samples per surface, seed {SEED}",
    }


def preflight() -> None:
    """Missing tools are found before minutes are spent on the first models."""
    if shutil.which("node") is None:
        raise BenchError("node not found: install Node.js (scripts/bench-models uses _env.sh)")
    if not GLTF_TRANSFORM.exists():
        raise BenchError(f"{GLTF_TRANSFORM} missing: run `npm ci` in the project folder")


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Which models, and where to write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="SUBSTRING", help="only models whose name has it")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--csv", type=Path, metavar="PATH", help="also write one line per model here (CSV)"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="PATH",
        help="also write the per-model table here (Markdown, for docs/performance.md)",
    )
    parser.add_argument(
        "--corpus",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the shared glTF corpus (default: yes)",
    )
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS, help=f"({CORPUS})")
    parser.add_argument(
        "--assets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure our assets/<id>/asset.yaml models (default: yes)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=SAMPLES,
        help=f"points sampled per surface for the Hausdorff distance ({SAMPLES})",
    )
    args = parser.parse_args(argv)
    if args.samples < 100:
        parser.error("--samples must be at least 100")
    return args


def select(args: argparse.Namespace, settings: Settings) -> tuple[list[Model], dict[str, str]]:
    """The models asked for; assets that cannot be read are returned as skipped."""
    models: list[Model] = []
    skipped: dict[str, str] = {}
    if args.corpus:
        models += corpus_models(args.corpus_dir)
    if args.assets:
        found, skipped = asset_models(settings)
        models += found
    if args.only:
        models = [m for m in models if args.only in m.name]
        skipped = {k: v for k, v in skipped.items() if args.only in k}
    if not models:
        raise BenchError("no model selected")
    return models, skipped


def run(models: list[Model], tmp: Path, settings: Settings, samples: int) -> list[Row]:
    """Every model in its own work folder, removed as soon as it is measured."""
    rows = []
    for number, model in enumerate(models, 1):
        print(f"[{number}/{len(models)}] {model.name}", file=sys.stderr)
        work = tmp / f"{number:03d}"
        work.mkdir()
        rows.append(measure(model, work, settings, samples))
        shutil.rmtree(work, ignore_errors=True)
    return rows


def report(
    env: dict[str, Any], rows: list[Row], skipped: dict[str, str], wall_s: float
) -> dict[str, Any]:
    """Print everything; return the same figures for --json."""
    print()
    for key, value in env.items():
        print(f"{key + ':':<16} {value}")
    print(f"\n{HEADER}\n{'-' * len(HEADER)}")
    for row in rows:
        print(format_row(row))
    sums = print_totals(rows)
    print_notes(rows, skipped)
    result = aim(rows)
    print_aim(result, len(rows))
    print(f"\nbenchmark wall time: {wall_s:.0f} s")
    return {
        "environment": env,
        "link_bits_per_s": LINK_BITS_PER_S,
        "models": [{**asdict(r), "ratio": r.ratio, "larger": r.larger} for r in rows],
        "skipped": skipped,
        "totals": sums,
        "aim": result,
        "wall_s": wall_s,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 whenever every model was processed, missed aims included."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    settings = Settings()
    started = time.perf_counter()
    try:
        preflight()
        models, skipped = select(args, settings)
        env = environment(settings, args.samples)
        with tempfile.TemporaryDirectory(prefix="parcours-bench-models-") as tmp:
            rows = run(models, Path(tmp), settings, args.samples)
    except (BenchError, OSError) as exc:
        print(f"bench-models: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench-models: interrupted", file=sys.stderr)
        return 130
    figures = report(env, rows, skipped, time.perf_counter() - started)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        print(f"\nfigures written to {args.json}")
    for path, write in ((args.csv, write_csv), (args.markdown, write_markdown)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(rows, path)
            print(f"per-model table written to {path}")
    failed = [r for r in rows if r.error or r.ours.error or r.theirs.error]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
