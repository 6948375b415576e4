"""Rigged scenes of the kit and their animation, written into the GLB ourselves.

trimesh writes meshes, materials and nodes but no animation. A `Rig` groups parts per node and
material like `kit_parts.Model`, and some nodes are joints: empty nodes with a pivot (their rest
translation, relative to the parent joint) that can move or turn, carrying their own meshes.
Parts are given in world coordinates at rest (`add`, so `Frame` works) or in the joint's own
coordinates (`place`). `finish` then rewrites trimesh's GLB: exact linear colours, transparency
and glow of the scene looks, node matrices as translations, and a `Clip` of LINEAR keyframes
(translation, rotation, scale) appended to the binary buffer. Same input, same bytes.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import trimesh
from trimesh.visual import material as _materials
from trimesh.visual import texture as _textures

from parcours.gltf import kit_parts as kp
from parcours.gltf.kit_parts import FloatArray, Model, Part, Point2, Vec3

Quat = tuple[float, float, float, float]
Channel = Literal["translation", "rotation", "scale"]
_PBRMaterial: Any = _materials.PBRMaterial
_TextureVisuals: Any = _textures.TextureVisuals
FLOAT, ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 5126, 34962, 34963
JSON_CHUNK, BIN_CHUNK = 0x4E4F534A, 0x004E4942


@dataclass(frozen=True)
class Look:
    """A flat PBR material: sRGB colour, metallic, roughness, opacity and linear glow."""

    rgb: tuple[int, int, int]
    metallic: float = 0.0
    roughness: float = 0.9
    alpha: float = 1.0
    glow: Vec3 = (0.0, 0.0, 0.0)


#: The kit's palette plus the colours of the special scenes.
LOOKS: dict[str, Look] = {name: Look(rgb, m, r) for name, (rgb, m, r) in kp.PALETTE.items()}
LOOKS |= {
    "french": Look((40, 78, 168), 0.0, 0.7),
    "allied": Look((200, 70, 40), 0.0, 0.7),
    "canvas": Look((228, 146, 58), 0.0, 0.9),
    "earthwork": Look((132, 108, 78), 0.0, 0.95),
    "field": Look((150, 160, 96), 0.0, 0.95),
    "marker": Look((246, 206, 70), 0.2, 0.5, glow=(0.3, 0.22, 0.02)),
    "hologram": Look((150, 205, 255), 0.0, 0.4, alpha=0.6, glow=(0.05, 0.14, 0.28)),
    "glass": Look((206, 226, 238), 0.0, 0.05, alpha=0.3),
    "paper": Look((236, 230, 212), 0.0, 0.9),
    "ink": Look((30, 32, 44), 0.0, 0.4),
    "brass": Look((176, 138, 72), 0.8, 0.35),
    "lamp": Look((255, 228, 168), 0.0, 0.6, glow=(0.8, 0.62, 0.3)),
    "book-red": Look((128, 40, 36), 0.0, 0.8),
    "book-green": Look((44, 84, 58), 0.0, 0.8),
    "book-blue": Look((40, 56, 96), 0.0, 0.8),
    "book-ochre": Look((170, 128, 60), 0.0, 0.8),
    "opening": Look((44, 42, 44), 0.0, 0.8),
}
_LOOK_MATERIALS: dict[str, Any] = {}


def look_material(name: str) -> Any:
    """One shared trimesh material per look; `finish` writes the exact factors."""
    if name not in _LOOK_MATERIALS:
        _LOOK_MATERIALS[name] = _PBRMaterial(name=name, baseColorFactor=[*LOOKS[name].rgb, 255])
    return _LOOK_MATERIALS[name]


# --- rotations ----------------------------------------------------------------------------


def quat(axis: Vec3, degrees: float) -> Quat:
    """Unit quaternion (x, y, z, w) turning `degrees` about `axis` (right-handed)."""
    half = math.radians(degrees) / 2.0
    x, y, z = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis) * math.sin(half)
    return (float(x), float(y), float(z), math.cos(half))


def qmul(a: Quat, b: Quat) -> Quat:
    """The rotation b, then a."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def turn(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> Quat:
    """Yaw about +y (90 turns +x into -z), after pitch about +x, after roll about +z."""
    return qmul(quat((0, 1, 0), yaw), qmul(quat((1, 0, 0), pitch), quat((0, 0, 1), roll)))


# --- geometry helpers: limbs, heads, rivers and roads ------------------------------------


def along(p: Part, p0: Vec3, p1: Vec3) -> Part:
    """A part built along +y from the origin, turned and moved to run from p0 towards p1."""
    a, b = np.asarray(p0, dtype=np.float64), np.asarray(p1, dtype=np.float64)
    u = (b - a) / np.linalg.norm(b - a)
    ref = np.array([0.0, 1.0, 0.0]) if abs(u[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    side = np.cross(u, ref)
    side /= np.linalg.norm(side)
    basis: FloatArray = np.stack([side, u, np.cross(side, u)], axis=1)  # right-handed
    return Part(p.vertices @ basis.T + a, p.faces)


def tube(p0: Vec3, p1: Vec3, r0: float, r1: float | None = None, segments: int = 8) -> Part:
    """Closed round limb (or post) from p0 to p1, radius r0 at p0 and r1 at p1."""
    length = float(np.linalg.norm(np.subtract(p1, p0)))
    rings = [
        (kp.circle(r0, segments), 0.0),
        (kp.circle(r1 if r1 is not None else r0, segments), length),
    ]
    return along(kp.loft(rings, cap_bottom=True), p0, p1)


def ball(radius: float, centre: Vec3, stretch: Vec3 = (1.0, 1.0, 1.0), segments: int = 10) -> Part:
    """A low-poly sphere (or ellipsoid with `stretch`) around `centre`."""
    angles = [math.pi * (i / 6.0 - 0.5) for i in range(1, 6)]
    rings = [(kp.circle(radius * math.cos(a), segments), radius * math.sin(a)) for a in angles]
    p = kp.loft(rings, apex=(0.0, radius, 0.0), cap_bottom=True)
    return Part(p.vertices * np.asarray(stretch) + np.asarray(centre), p.faces)


def ribbon(points: Sequence[Point2], width: float, y: float) -> Part:
    """Flat band along a polyline of (x, z) points (a river, a road), facing up."""
    pts = np.asarray(points, dtype=np.float64)
    tangent = np.gradient(pts, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal *= width / 2 / np.linalg.norm(normal, axis=1)[:, None]
    sides = np.stack([pts + normal, pts - normal], axis=1).reshape(-1, 2)
    faces = [
        f for i in range(0, 2 * len(pts) - 2, 2) for f in ((i, i + 1, i + 3), (i, i + 3, i + 2))
    ]
    p = kp.part([(x, y, z) for x, z in sides], faces)
    tri = p.vertices[p.faces]
    down = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 1] < 0
    return Part(p.vertices, np.where(down[:, None], p.faces[:, ::-1], p.faces))


# --- the rig ------------------------------------------------------------------------------


class Rig(Model):
    """Parts per (node, look); joints are empty nodes with a pivot that an animation moves."""

    def __init__(self) -> None:
        super().__init__()
        self.joints: dict[str, tuple[str | None, Vec3]] = {}

    def joint(self, name: str, pivot: Vec3 = (0.0, 0.0, 0.0), parent: str | None = None) -> str:
        """Declare a joint at `pivot` (relative to its parent joint); its name, for chaining."""
        if parent is not None and parent not in self.joints:
            raise KeyError(f"unknown parent joint {parent!r}")
        self.joints[name] = (parent, pivot)
        return name

    def origin(self, name: str) -> FloatArray:
        """World position of a joint at rest (joints only translate at rest)."""
        parent, pivot = self.joints[name]
        return np.asarray(pivot, dtype=np.float64) + (self.origin(parent) if parent else 0.0)

    def add(self, node: str, material_name: str, parts: Iterable[Part]) -> None:
        """Parts in world coordinates at rest (what `Frame.add` hands over)."""
        shift = self.origin(node) if node in self.joints else np.zeros(3)
        self.place(node, material_name, *(Part(p.vertices - shift, p.faces) for p in parts))

    def place(self, node: str, material_name: str, *parts: Part) -> None:
        """Parts in the joint's own coordinates (or world coordinates for a plain node)."""
        if material_name not in LOOKS:
            raise KeyError(f"unknown look {material_name!r}")
        self._groups.setdefault((node, material_name), []).extend(parts)

    def scene(self) -> trimesh.Scene:
        scene = trimesh.Scene()
        graph: Any = scene.graph  # trimesh's graph is untyped
        base = graph.base_frame
        for name, (parent, pivot) in self.joints.items():
            matrix = np.eye(4)
            matrix[:3, 3] = pivot
            graph.update(frame_from=parent or base, frame_to=name, matrix=matrix)
        for (node, look), parts in self._groups.items():
            m, visual = kp.merge(parts), _TextureVisuals(material=look_material(look))
            vertices = np.round(m.vertices, 4) + 0.0  # a 0.1 mm grid: stable bytes
            mesh = trimesh.Trimesh(vertices, m.faces, process=False, visual=visual)
            name = f"{node}/{look}"
            parent = node if node in self.joints else None
            scene.add_geometry(mesh, geom_name=name, node_name=name, parent_node_name=parent)
        return scene

    def glb(self, clip: Clip | None = None) -> bytes:
        exporter: Any = trimesh.exchange.gltf.export_glb
        return finish(bytes(exporter(self.scene(), include_normals=False)), clip)


# --- animation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Track:
    """Keyframes (time in seconds, value) of one node property: absolute, in parent space."""

    node: str
    path: Channel
    keys: tuple[tuple[float, tuple[float, ...]], ...]


@dataclass(frozen=True)
class Clip:
    """One looping animation: every track is held from 0 to `duration`."""

    name: str
    duration: float
    tracks: tuple[Track, ...]


def track(node: str, path: Channel, keys: Sequence[tuple[float, Sequence[float]]]) -> Track:
    return Track(node, path, tuple((float(t), tuple(float(v) for v in value)) for t, value in keys))


def march(
    name: str, stops: Sequence[tuple[float, float, float]], y: float, facing: float | None = None
) -> list[Track]:
    """A node (front +x) moving at height y through (time, x, z) stops, turning to face each leg
    within 0.6 s; `facing` is its yaw in degrees at time 0 (else the first leg's)."""
    yaws: list[tuple[float, float]] = [] if facing is None else [(0.0, facing)]
    for (t0, x0, z0), (t1, x1, z1) in pairwise(stops):
        if math.hypot(x1 - x0, z1 - z0) < 1e-6:
            continue
        heading = math.degrees(math.atan2(-(z1 - z0), x1 - x0))
        yaws = yaws or [(0.0, heading)]
        previous = yaws[-1][1]
        delta = (heading - previous + 180.0) % 360.0 - 180.0
        if abs(delta) < 1e-6:
            continue
        span = min(0.6, (t1 - t0) / 2.0)
        yaws += [(t0, previous)] if yaws[-1][0] < t0 else []
        yaws += [(t0 + span / 2.0, previous + delta / 2.0)] if abs(delta) > 120.0 else []
        yaws.append((t0 + span, previous + delta))
    tracks = [track(name, "translation", [(t, (x, y, z)) for t, x, z in stops])]
    return tracks + ([track(name, "rotation", [(t, turn(h)) for t, h in yaws])] if yaws else [])


def split_glb(glb: bytes) -> tuple[dict[str, Any], bytes]:
    """(JSON document, BIN chunk) of a GLB with both chunks."""
    (json_length,) = struct.unpack_from("<I", glb, 12)
    document: dict[str, Any] = json.loads(glb[20 : 20 + json_length])
    position = 20 + json_length
    if position + 8 > len(glb):
        return document, b""
    bin_length, kind = struct.unpack_from("<II", glb, position)
    if kind != BIN_CHUNK:
        raise ValueError("second GLB chunk is not BIN")
    return document, glb[position + 8 : position + 8 + bin_length]


def join_glb(document: dict[str, Any], binary: bytes) -> bytes:
    """A GLB 2.0 container: JSON padded with spaces, BIN with zeros, both to 4 bytes."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(text), JSON_CHUNK) + text
    if binary:
        chunks += struct.pack("<II", len(binary), BIN_CHUNK) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _looks(document: dict[str, Any]) -> None:
    for entry in document.get("materials", []):
        look = LOOKS[entry["name"]]
        pbr = entry.setdefault("pbrMetallicRoughness", {})
        pbr["baseColorFactor"] = [*(kp.srgb_to_linear(c) for c in look.rgb), look.alpha]
        pbr["metallicFactor"], pbr["roughnessFactor"] = look.metallic, look.roughness
        entry.pop("alphaMode", None)
        if look.alpha < 1.0:
            entry["alphaMode"] = "BLEND"
        if any(look.glow):
            entry["emissiveFactor"] = list(look.glow)


def _targets(document: dict[str, Any]) -> None:
    """Vertex and index buffer views get their target (as `kit_parts.polish` does)."""
    targets: dict[int, set[int]] = {}
    accessors = document.get("accessors", [])
    for mesh in document.get("meshes", []):
        for primitive in mesh["primitives"]:
            uses = [(primitive["indices"], ELEMENT_ARRAY_BUFFER)] if "indices" in primitive else []
            uses += [(index, ARRAY_BUFFER) for index in primitive["attributes"].values()]
            for index, target in uses:
                targets.setdefault(accessors[index]["bufferView"], set()).add(target)
    for view, kinds in targets.items():
        if len(kinds) == 1:
            document["bufferViews"][view]["target"] = kinds.pop()


def _translations(document: dict[str, Any]) -> None:
    """Joint matrices (pure translations) as `translation`: animated nodes may not use matrix."""
    for node in document.get("nodes", []):
        if "matrix" not in node:
            continue
        m = np.asarray(node.pop("matrix"), dtype=np.float64).reshape(4, 4).T
        if not np.allclose(m[:3, :3], np.eye(3)) or not np.allclose(m[3], [0, 0, 0, 1]):
            raise ValueError(f"node {node.get('name')!r}: only translated joints are supported")
        node["translation"] = [round(float(c), 6) + 0.0 for c in m[:3, 3]]


def _keys(item: Track, duration: float) -> tuple[list[float], list[tuple[float, ...]]]:
    """Times from 0 to `duration` (holding the ends) and checked, normalised values."""
    times = [t for t, _ in item.keys]
    values = [v for _, v in item.keys]
    size = 4 if item.path == "rotation" else 3
    if not times or any(b <= a for a, b in pairwise(times)):
        raise ValueError(f"{item.node} {item.path}: times must increase strictly")
    if times[0] < 0.0 or times[-1] > duration or any(len(v) != size for v in values):
        raise ValueError(f"{item.node} {item.path}: keys outside the clip or of the wrong size")
    if times[0] > 0.0:
        times, values = [0.0, *times], [values[0], *values]
    if times[-1] < duration:
        times, values = [*times, duration], [*values, values[-1]]
    if item.path == "rotation":
        values = [tuple(c / math.sqrt(sum(x * x for x in v)) for c in v) for v in values]
    return times, [tuple(round(c, 6) + 0.0 for c in v) for v in values]


def _animate(document: dict[str, Any], binary: bytes, clip: Clip) -> bytes:
    nodes = document.get("nodes", [])
    index = {node.get("name"): i for i, node in enumerate(nodes)}
    if len(index) != len(nodes):
        raise ValueError("node names must be unique to be animated")
    data = bytearray(binary + b"\0" * (-len(binary) % 4))
    start = len(data)
    view = len(document.setdefault("bufferViews", []))
    accessors = document.setdefault("accessors", [])
    shared_times: dict[bytes, int] = {}
    samplers: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def accessor(raw: bytes, count: int, kind: str, bounds: list[float] | None) -> int:
        entry: dict[str, Any] = {"bufferView": view, "byteOffset": len(data) - start}
        entry |= {"componentType": FLOAT, "count": count, "type": kind}
        if bounds is not None:
            entry["min"], entry["max"] = [bounds[0]], [bounds[1]]
        data.extend(raw)
        accessors.append(entry)
        return len(accessors) - 1

    for item in clip.tracks:
        if item.node not in index or (item.node, item.path) in seen:
            raise ValueError(f"{item.node} {item.path}: unknown node or animated twice")
        seen.add((item.node, item.path))
        times, values = _keys(item, clip.duration)
        t32 = np.asarray(times, dtype="<f4")
        raw = t32.tobytes()
        if raw not in shared_times:
            bounds = [float(t32[0]), float(t32[-1])]
            shared_times[raw] = accessor(raw, len(times), "SCALAR", bounds)
        out = np.asarray(values, dtype="<f4")
        output = accessor(out.tobytes(), len(values), "VEC4" if out.shape[1] == 4 else "VEC3", None)
        target = {"node": index[item.node], "path": item.path}
        channels.append({"sampler": len(samplers), "target": target})
        samplers.append({"input": shared_times[raw], "interpolation": "LINEAR", "output": output})
        nodes[index[item.node]][item.path] = list(values[0])  # the rest pose is time 0
    document["bufferViews"].append(
        {"buffer": 0, "byteOffset": start, "byteLength": len(data) - start}
    )
    document["buffers"][0]["byteLength"] = len(data)
    document["animations"] = [{"name": clip.name, "samplers": samplers, "channels": channels}]
    return bytes(data)


def finish(glb: bytes, clip: Clip | None = None) -> bytes:
    """trimesh's GLB with the looks' exact factors, joints as translations and the clip."""
    document, binary = split_glb(glb)
    _looks(document)
    _targets(document)
    _translations(document)
    if clip is not None and clip.tracks:
        binary = _animate(document, binary, clip)
    return join_glb(document, binary)
