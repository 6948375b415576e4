"""Primitive builders of the model kit: boxes, beams, prisms, lofts, patches, roofs, trees.

Everything is plain numpy (vertices, triangles) in real-world metres, Y up, with outward,
counter-clockwise faces; the `Model` collects parts per node and material and turns them into
a trimesh scene. No randomness: the same calls give the same bytes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import trimesh
from trimesh.visual import material as _materials
from trimesh.visual import texture as _textures

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Vec3 = tuple[float, float, float]
Point2 = tuple[float, float]

#: Flat PBR colours (sRGB 0-255), metallic and roughness factors.
PALETTE: dict[str, tuple[tuple[int, int, int], float, float]] = {
    "brick": ((150, 70, 52), 0.0, 0.9),
    "brick-dark": ((116, 52, 40), 0.0, 0.9),
    "render": ((214, 206, 190), 0.0, 0.9),
    "stone": ((186, 180, 166), 0.0, 0.85),
    "concrete": ((160, 158, 150), 0.0, 0.9),
    "slate": ((72, 78, 88), 0.0, 0.7),
    "tile": ((156, 78, 58), 0.0, 0.8),
    "steel": ((92, 98, 106), 0.6, 0.5),
    "bronze": ((78, 88, 70), 0.8, 0.45),
    "grass": ((98, 142, 70), 0.0, 0.95),
    "hedge": ((58, 104, 50), 0.0, 0.95),
    "tree": ((52, 98, 56), 0.0, 0.95),
    "trunk": ((98, 74, 52), 0.0, 0.95),
    "water": ((58, 108, 158), 0.0, 0.1),
    "spoil": ((62, 57, 54), 0.0, 0.95),
    "spoil-brown": ((96, 80, 68), 0.0, 0.95),
    "ballast": ((122, 116, 106), 0.0, 0.95),
    "wood": ((108, 84, 60), 0.0, 0.9),
    "road": ((88, 88, 92), 0.0, 0.95),
}

# trimesh's constructors are untyped; call them through Any.
_PBRMaterial: Any = _materials.PBRMaterial
_TextureVisuals: Any = _textures.TextureVisuals
_MATERIALS: dict[str, Any] = {}


def material(name: str) -> Any:
    """One shared material per palette name, so every file lists each colour once."""
    if name not in _MATERIALS:
        rgb, metallic, roughness = PALETTE[name]
        _MATERIALS[name] = _PBRMaterial(
            name=name,
            baseColorFactor=[*rgb, 255],
            metallicFactor=metallic,
            roughnessFactor=roughness,
        )
    return _MATERIALS[name]


def srgb_to_linear(channel: int) -> float:
    """An sRGB 0-255 channel as glTF's linear base colour factor, rounded for stable bytes."""
    c = channel / 255.0
    return round(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4, 4)


def polish(tree: dict[str, Any]) -> None:
    """glTF tree post-processor: exact linear colours (trimesh keeps 8 bits), buffer targets."""
    for entry in tree.get("materials", []):
        rgb, _, _ = PALETTE[entry["name"]]
        pbr = entry.setdefault("pbrMetallicRoughness", {})
        pbr["baseColorFactor"] = [*(srgb_to_linear(c) for c in rgb), 1.0]
    targets: dict[int, set[int]] = {}
    accessors = tree.get("accessors", [])
    for mesh in tree.get("meshes", []):
        for primitive in mesh["primitives"]:
            uses = [(primitive["indices"], 34963)] if "indices" in primitive else []
            uses += [(index, 34962) for index in primitive["attributes"].values()]
            for index, target in uses:
                targets.setdefault(accessors[index]["bufferView"], set()).add(target)
    for view, kinds in targets.items():
        if len(kinds) == 1:
            tree["bufferViews"][view]["target"] = kinds.pop()


def vary(key: str, salt: str, low: float = 0.0, high: float = 1.0) -> float:
    """A stable pseudo-random number in [low, high) from a key (e.g. a site id) and a salt."""
    digest = hashlib.sha256(f"{key}|{salt}".encode()).digest()
    unit = int.from_bytes(digest[:6], "big") / float(1 << 48)
    return low + (high - low) * unit


@dataclass(frozen=True)
class Part:
    """Triangles in local coordinates."""

    vertices: FloatArray
    faces: IntArray

    @property
    def triangles(self) -> int:
        return len(self.faces)


def part(vertices: Sequence[Sequence[float]] | FloatArray, faces: Sequence[Sequence[int]]) -> Part:
    return Part(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64))


def moved(p: Part, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0) -> Part:
    return Part(p.vertices + np.array([dx, dy, dz]), p.faces)


def merge(parts: Iterable[Part]) -> Part:
    verts: list[FloatArray] = []
    faces: list[IntArray] = []
    offset = 0
    for item in parts:
        verts.append(item.vertices)
        faces.append(item.faces + offset)
        offset += len(item.vertices)
    if not verts:
        return Part(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64))
    return Part(np.vstack(verts), np.vstack(faces))


def _rotation_y(yaw_deg: float) -> FloatArray:
    """Rotation about +Y; yaw 90 turns +x into -z."""
    a = math.radians(yaw_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


class Frame:
    """A placement (x, z offset and yaw) in which builders add parts and name anchor points."""

    def __init__(self, model: Model, x: float = 0.0, z: float = 0.0, yaw: float = 0.0) -> None:
        self.model, self.x, self.z, self.yaw = model, x, z, yaw
        self._rot = _rotation_y(yaw)

    def at(self, x: float, z: float, yaw: float = 0.0) -> Frame:
        px, _, pz = self.point(x, 0.0, z)
        return Frame(self.model, px, pz, self.yaw + yaw)

    def point(self, x: float, y: float, z: float) -> Vec3:
        v = self._rot @ np.array([x, y, z])
        return (
            round(float(v[0] + self.x), 2),
            round(float(v[1]), 2),
            round(float(v[2] + self.z), 2),
        )

    def direction(self, x: float, y: float, z: float) -> Vec3:
        v = self._rot @ np.array([x, y, z])
        return (round(float(v[0]), 3), round(float(v[1]), 3), round(float(v[2]), 3))

    def add(self, node: str, material_name: str, *parts: Part) -> None:
        placed = [
            Part(p.vertices @ self._rot.T + np.array([self.x, 0.0, self.z]), p.faces) for p in parts
        ]
        self.model.add(node, material_name, placed)


class Model:
    """Parts grouped by (node, material), in insertion order; `scene()` builds the trimesh."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[Part]] = {}

    def root(self) -> Frame:
        return Frame(self)

    def add(self, node: str, material_name: str, parts: Iterable[Part]) -> None:
        if material_name not in PALETTE:
            raise KeyError(f"unknown material {material_name!r}")
        self._groups.setdefault((node, material_name), []).extend(parts)

    @property
    def triangles(self) -> int:
        return sum(p.triangles for parts in self._groups.values() for p in parts)

    def glb(self) -> bytes:
        """Binary glTF: positions and indices only (viewers shade flat), linear colours."""
        exporter: Any = trimesh.exchange.gltf.export_glb
        data = exporter(self.scene(), include_normals=False, tree_postprocessor=polish)
        return bytes(data)

    def scene(self) -> trimesh.Scene:
        scene = trimesh.Scene()
        for (node, material_name), parts in self._groups.items():
            merged = merge(parts)
            # Millimetre grid: the same numbers on every platform, whatever the last ulp.
            vertices = np.round(merged.vertices, 3) + 0.0
            mesh = trimesh.Trimesh(
                vertices=vertices,
                faces=merged.faces,
                process=False,
                visual=_TextureVisuals(material=material(material_name)),
            )
            name = f"{node}/{material_name}"
            scene.add_geometry(mesh, geom_name=name, node_name=name)
        return scene


# --- primitives (local coordinates) -------------------------------------------------------


def box(
    sx: float,
    sy: float,
    sz: float,
    x: float = 0.0,
    y: float = 0.0,
    z: float = 0.0,
    top: bool = True,
    bottom: bool = True,
) -> Part:
    """Axis-aligned box, centred on x and z, standing on y; walls under a roof need no top."""
    hx, hz = sx / 2.0, sz / 2.0
    v = [
        (x - hx, y, z - hz),
        (x + hx, y, z - hz),
        (x + hx, y, z + hz),
        (x - hx, y, z + hz),
        (x - hx, y + sy, z - hz),
        (x + hx, y + sy, z - hz),
        (x + hx, y + sy, z + hz),
        (x - hx, y + sy, z + hz),
    ]
    f = [
        (0, 4, 5), (0, 5, 1), (1, 5, 6), (1, 6, 2),
        (2, 6, 7), (2, 7, 3), (3, 7, 4), (3, 4, 0),
    ]  # fmt: skip
    if bottom:
        f += [(0, 1, 2), (0, 2, 3)]
    if top:
        f += [(4, 6, 5), (4, 7, 6)]
    return part(v, f)


def walls(sx: float, sy: float, sz: float, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> Part:
    """The four walls of a box: a building body under its roof."""
    return box(sx, sy, sz, x, y, z, top=False, bottom=False)


def beam(p0: Vec3, p1: Vec3, width: float, depth: float | None = None) -> Part:
    """Box-section member from p0 to p1 (lattice bars, struts, rails, cables)."""
    a, b = np.array(p0, dtype=np.float64), np.array(p1, dtype=np.float64)
    axis = b - a
    length = float(np.linalg.norm(axis))
    u = axis / length
    ref = np.array([0.0, 1.0, 0.0]) if abs(u[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    side = np.cross(u, ref)
    side /= np.linalg.norm(side)
    up = np.cross(side, u)
    base = box(width, length, depth if depth is not None else width)
    basis = np.stack([side, u, up], axis=1)  # local x -> side, y -> along, z -> up
    verts = base.vertices @ basis.T + a
    return Part(verts, base.faces)


def prism(profile: Sequence[Point2], length: float, z: float = 0.0) -> Part:
    """Extrude a convex profile (x, y), counter-clockwise seen from +z, along z."""
    n = len(profile)
    h = length / 2.0
    back = [(px, py, z - h) for px, py in profile]
    front = [(px, py, z + h) for px, py in profile]
    faces: list[tuple[int, int, int]] = []
    for i in range(1, n - 1):
        faces.append((n, n + i, n + i + 1))
        faces.append((0, i + 1, i))
    for i in range(n):
        j = (i + 1) % n
        faces.append((i, j, n + j))
        faces.append((i, n + j, n + i))
    return part(back + front, faces)


def circle(radius: float, segments: int, phase: float = 0.0) -> list[Point2]:
    """Polygon (x, z), counter-clockwise seen from above (+y)."""
    out = []
    for i in range(segments):
        a = phase - 2.0 * math.pi * i / segments
        out.append((radius * math.cos(a), radius * math.sin(a)))
    return out


def rect(width: float, depth: float) -> list[Point2]:
    hx, hz = width / 2.0, depth / 2.0
    return [(-hx, -hz), (-hx, hz), (hx, hz), (hx, -hz)]


def stadium(length: float, width: float, segments: int = 8) -> list[Point2]:
    """Long shape along x with rounded ends (the outline of a tip 'en langue')."""
    r, half = width / 2.0, max(length / 2.0 - width / 2.0, 0.0)
    pts: list[Point2] = []
    for i in range(segments + 1):
        a = -math.pi / 2.0 + math.pi * i / segments
        pts.append((half + r * math.cos(a), -r * math.sin(a)))
    for i in range(segments + 1):
        a = math.pi / 2.0 + math.pi * i / segments
        pts.append((-half + r * math.cos(a), -r * math.sin(a)))
    return pts


def loft(
    rings: Sequence[tuple[Sequence[Point2], float]],
    apex: Vec3 | None = None,
    cap_top: bool = True,
    cap_bottom: bool = False,
) -> Part:
    """Join rings of equal size (polygon in x-z, height y) bottom to top; cap or close at apex."""
    n = len(rings[0][0])
    verts = [(px, y, pz) for poly, y in rings for px, pz in poly]
    faces: list[tuple[int, int, int]] = []
    for r in range(len(rings) - 1):
        lo, hi = r * n, (r + 1) * n
        for i in range(n):
            j = (i + 1) % n
            faces.append((lo + i, lo + j, hi + j))
            faces.append((lo + i, hi + j, hi + i))
    top = (len(rings) - 1) * n
    if apex is not None:
        verts.append(apex)
        tip = len(verts) - 1
        faces.extend((top + i, top + (i + 1) % n, tip) for i in range(n))
    elif cap_top:  # a fan around a hub: the outline only has to be star-shaped
        cx, cz = np.mean(np.asarray(rings[-1][0]), axis=0)
        verts.append((float(cx), rings[-1][1], float(cz)))
        hub = len(verts) - 1
        faces.extend((top + i, top + (i + 1) % n, hub) for i in range(n))
    if cap_bottom:
        faces.extend((0, i + 1, i) for i in range(1, n - 1))
    return part(verts, faces)


def frustum(
    r0: float, r1: float, height: float, segments: int = 16, y: float = 0.0, phase: float = 0.0
) -> Part:
    """Cylinder, truncated cone or (r1 == 0) cone standing on y."""
    if r1 <= 0.0:
        return loft([(circle(r0, segments, phase), y)], apex=(0.0, y + height, 0.0))
    return loft([(circle(r0, segments, phase), y), (circle(r1, segments, phase), y + height)])


def flat(poly: Sequence[Point2], y: float = 0.0, hub: bool = False) -> Part:
    """Upward-facing patch (garden, yard, water): convex, or star-shaped with a hub."""
    verts = [(px, y, pz) for px, pz in poly]
    n = len(poly)
    if not hub:
        return part(verts, [(0, i, i + 1) for i in range(1, n - 1)])
    cx, cz = np.mean(np.asarray(poly), axis=0)
    verts.append((float(cx), y, float(cz)))
    return part(verts, [(i, (i + 1) % n, n) for i in range(n)])


def patch(width: float, depth: float, x: float = 0.0, z: float = 0.0, y: float = 0.03) -> Part:
    return flat([(px + x, pz + z) for px, pz in rect(width, depth)], y)


# --- roofs and houses ---------------------------------------------------------------------


def gable_roof(
    span: float, length: float, rise: float, y: float, overhang: float = 0.3, x: float = 0.0
) -> Part:
    """Roof prism: ridge along z, eaves at y, spanning x."""
    h = span / 2.0 + overhang
    slab = 0.15
    profile = [(x - h, y - slab), (x + h, y - slab), (x + h, y), (x, y + rise), (x - h, y)]
    return prism(profile, length + 2.0 * overhang)


def tree(height: float, x: float, z: float, segments: int = 7) -> tuple[Part, Part]:
    """(trunk, crown) of a schematic tree."""
    trunk = box(0.35, height * 0.4, 0.35, x, 0.0, z)
    crown = frustum(height * 0.22, 0.0, height * 0.75, segments, y=height * 0.25)
    return trunk, moved(crown, x, 0.0, z)
