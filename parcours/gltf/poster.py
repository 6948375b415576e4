"""Poster images: a still of the model that a phone shows before the 3D model loads (first paint).

Why our own renderer: the poster must be made on a server with no GPU and no display, and the
same model must always give the same bytes (cache keys, reproducible builds). So this is a small
software rasterizer: trimesh reads the plain GLB (Draco and meshopt are decoded before this, by
the optimisation pipeline), numpy projects it orthographically from a fixed 3/4 view and shades
each triangle flat (Lambert, one light from the upper left), and Pillow fills the triangles
far-to-near (painter's algorithm) at twice the size, then downsamples with LANCZOS.

Colours follow glTF: the base colour factor and vertex colours are linear, textures are sRGB; the
shading is done in linear light and the result encoded to sRGB, as a glTF viewer would. Alpha is
ignored (the poster is opaque); skins are drawn in their bind pose.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import trimesh
from PIL import Image, ImageDraw

from parcours.gltf.inspect import read_container

FloatArray = npt.NDArray[np.float64]
RGB = tuple[int, int, int]

#: Camera: azimuth from the model's front (+Z) towards its right (+X), elevation above the ground.
AZIMUTH_DEG = 35.0
ELEVATION_DEG = 25.0
#: Space left around the bounding sphere, as a fraction of its radius.
MARGIN = 0.06
#: Light direction in camera space (x right, y up, z towards the viewer): upper left, in front.
LIGHT = (-0.45, 0.75, 0.5)
AMBIENT = 0.32
DIFFUSE = 0.78
#: Linear base colour of a mesh without material (glTF's default material is white; a light grey
#: keeps the shading readable on a light background).
DEFAULT_COLOUR = (0.8, 0.8, 0.8)
SUPERSAMPLE = 2
WEBP_QUALITY = 88
#: Extensions trimesh cannot decode: the pipeline must hand us the decoded file instead.
COMPRESSION_EXTENSIONS = ("KHR_draco_mesh_compression", "EXT_meshopt_compression")


def load_meshes(model: Path) -> list[Any]:
    """Triangle meshes of the model's scene, each a trimesh copy with its world transform baked in.

    Shared with usdz.py. Unlike `Scene.dump()`, the copies keep trimesh's cache, so the normals
    read from the file survive (and are transformed with the mesh, winding flipped where the
    transform mirrors). A copy's material loses its images' source format, so the original
    material is kept in `metadata["material"]` (shared by instances). Points and lines are left
    out. Raises ValueError for compressed input.
    """
    document, _, _ = read_container(model)
    compressed = set(COMPRESSION_EXTENSIONS) & set(document.get("extensionsUsed") or [])
    if compressed:
        raise ValueError(
            f"{model.name} uses {', '.join(sorted(compressed))}: decode it to a plain GLB first"
        )
    scene: Any = trimesh.load(model, force="scene")
    meshes: list[Any] = []
    for node in scene.graph.nodes_geometry:
        transform, geometry_name = scene.graph[node]
        geometry = scene.geometry[geometry_name]
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            continue
        mesh = geometry.copy(include_cache=True)
        mesh.apply_transform(transform)
        mesh.metadata["name"] = geometry_name
        mesh.metadata["node"] = node
        mesh.metadata["material"] = getattr(geometry.visual, "material", None)
        meshes.append(mesh)
    return meshes


def srgb_to_linear(values: FloatArray) -> FloatArray:
    """sRGB-encoded 0..1 to linear light (IEC 61966-2-1)."""
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: FloatArray) -> FloatArray:
    """Linear light 0..1 to sRGB-encoded 0..1."""
    values = np.clip(values, 0.0, 1.0)
    return np.where(values <= 0.0031308, values * 12.92, 1.055 * values ** (1 / 2.4) - 0.055)


def _factor(material: Any) -> FloatArray:
    """Linear RGB base colour factor of a trimesh material (PBR, or a simple material)."""
    factor = getattr(material, "baseColorFactor", None)
    if factor is None:
        factor = getattr(material, "main_color", None)
    if factor is None:
        return np.ones(3)
    values = np.asarray(factor).reshape(-1)[:3]
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.float64) / 255.0
    return values.astype(np.float64)


def base_colour_image(material: Any) -> Image.Image | None:
    """The material's base colour texture as a Pillow image, if it has one."""
    image = getattr(material, "baseColorTexture", None)
    if image is None:
        image = getattr(material, "image", None)
    return image if isinstance(image, Image.Image) else None


def face_colours(mesh: Any) -> FloatArray:
    """Linear RGB (n, 3) per face: vertex colours, else texture at the UV centroid x factor."""
    faces = np.asarray(mesh.faces)
    visual = mesh.visual
    kind = visual.kind
    if kind == "vertex":
        colours = np.asarray(visual.vertex_colors, dtype=np.float64)[:, :3] / 255.0
        return np.asarray(colours[faces].mean(axis=1))
    if kind == "face":
        return np.asarray(visual.face_colors, dtype=np.float64)[:, :3] / 255.0
    material = getattr(visual, "material", None)
    if material is None:
        return np.tile(np.asarray(DEFAULT_COLOUR), (len(faces), 1))
    factor = _factor(material)
    image = base_colour_image(material)
    uv = getattr(visual, "uv", None)
    if image is None or uv is None or len(uv) != len(mesh.vertices):
        return np.tile(factor, (len(faces), 1))
    texels = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    height, width = texels.shape[:2]
    centroid = np.asarray(uv, dtype=np.float64)[faces].mean(axis=1)
    centroid = np.nan_to_num(centroid) % 1.0  # repeat wrapping, glTF's default sampler
    # trimesh flips V on load (origin bottom left), so row 0 is the top of the image at v = 1.
    columns = np.minimum((centroid[:, 0] * width).astype(np.int64), width - 1)
    rows = np.minimum(((1.0 - centroid[:, 1]) * height).astype(np.int64), height - 1)
    return np.asarray(srgb_to_linear(texels[rows, columns]) * factor)


def _camera_rotation() -> FloatArray:
    """World-to-camera rotation (rows: camera right, up, and towards the viewer)."""
    azimuth, elevation = math.radians(AZIMUTH_DEG), math.radians(ELEVATION_DEG)
    back = np.array(
        [
            math.sin(azimuth) * math.cos(elevation),
            math.sin(elevation),
            math.cos(azimuth) * math.cos(elevation),
        ]
    )
    right = np.cross([0.0, 1.0, 0.0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    return np.stack([right, up, back])


def _gather(meshes: list[Any]) -> tuple[FloatArray, FloatArray]:
    """(triangles (n, 3, 3) in world space, linear colours (n, 3)) of all meshes."""
    triangles = [np.asarray(mesh.vertices, dtype=np.float64)[mesh.faces] for mesh in meshes]
    colours = [face_colours(mesh) for mesh in meshes]
    return np.concatenate(triangles), np.concatenate(colours)


def _project(
    triangles: FloatArray, pixels: int
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Screen points (n, 3, 2), camera depth (n,), unit normals (n, 3) and front-facing flags."""
    points = triangles.reshape(-1, 3)
    if not np.isfinite(points).all():
        raise ValueError("the model has vertices that are not finite numbers (NaN or infinity)")
    centre = (points.min(axis=0) + points.max(axis=0)) / 2.0
    radius = float(np.sqrt(((points - centre) ** 2).sum(axis=1).max()))
    if not radius > 0.0:
        raise ValueError("the model is degenerate: all its vertices are at one point")
    camera = ((points - centre) @ _camera_rotation().T).reshape(-1, 3, 3)
    scale = pixels / (2.0 * radius * (1.0 + MARGIN))
    screen = np.empty((len(camera), 3, 2))
    screen[..., 0] = pixels / 2.0 + camera[..., 0] * scale
    screen[..., 1] = pixels / 2.0 - camera[..., 1] * scale
    normals = np.cross(camera[:, 1] - camera[:, 0], camera[:, 2] - camera[:, 0])
    lengths = np.linalg.norm(normals, axis=1)
    normals /= np.where(lengths > 0.0, lengths, 1.0)[:, None]
    front = normals[:, 2] >= 0.0
    return screen, camera[..., 2].mean(axis=1), normals, front


def _shade(colours: FloatArray, normals: FloatArray, front: npt.NDArray[np.bool_]) -> FloatArray:
    """sRGB 0..255 per face: ambient plus Lambert, lit on both sides (open shells show)."""
    light = np.asarray(LIGHT) / np.linalg.norm(LIGHT)
    facing = np.where(front[:, None], normals, -normals)
    lambert = np.clip(facing @ light, 0.0, None)
    linear = colours * (AMBIENT + DIFFUSE * lambert)[:, None]
    return np.asarray(np.round(linear_to_srgb(linear) * 255.0))


def render_image(meshes: list[Any], size: int, background: RGB) -> tuple[Image.Image, int]:
    """(RGB image size x size, triangles drawn) of the meshes from the poster camera."""
    if not meshes:
        raise ValueError("the model has no triangle meshes to draw")
    triangles, colours = _gather(meshes)
    pixels = size * SUPERSAMPLE
    screen, depth, normals, front = _project(triangles, pixels)
    edges = screen[:, 1:] - screen[:, :1]
    area = np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]) / 2.0
    visible = area >= 1e-3  # edge-on and zero-area triangles cover no pixel
    if not visible.any():
        raise ValueError(
            f"the model is degenerate: none of its {len(triangles)} triangles has any area"
        )
    shaded = _shade(colours, normals, front)
    # Back faces first, then front faces, each far to near (stable sort: deterministic).
    order = np.lexsort((depth, front))
    order = order[visible[order]]
    canvas = Image.new("RGB", (pixels, pixels), tuple(background))
    draw = ImageDraw.Draw(canvas)
    polygon = draw.polygon
    coordinates = screen[order].reshape(-1, 6).tolist()
    fills = [(int(r), int(g), int(b)) for r, g, b in shaded[order].tolist()]
    for xy, fill in zip(coordinates, fills, strict=True):
        polygon(xy, fill=fill, outline=fill)
    return canvas.resize((size, size), Image.Resampling.LANCZOS), len(order)


def encode(image: Image.Image, suffix: str) -> bytes:
    """PNG (optimised) or WebP bytes of the image; both are deterministic for one Pillow."""
    buffer = io.BytesIO()
    if suffix == ".png":
        image.save(buffer, format="PNG", optimize=True)
    elif suffix == ".webp":
        image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=6)
    else:
        raise ValueError(f"poster format {suffix!r} is not supported: use .png or .webp")
    return buffer.getvalue()


def render_poster(
    model: Path,
    out: Path,
    *,
    size: int = 512,
    background: tuple[int, int, int] = (245, 243, 238),
) -> dict[str, Any]:
    """Write the poster of a plain GLB to `out` (.png or .webp) and return its facts.

    Facts: width, height, bytes, triangles (drawn: zero-area and edge-on ones are skipped),
    format. Raises ValueError for an empty or degenerate model, or an unknown suffix.
    """
    suffix = out.suffix.lower()
    if suffix not in {".png", ".webp"}:
        raise ValueError(f"poster format {out.suffix!r} is not supported: use .png or .webp")
    if size < 16:
        raise ValueError(f"poster size {size} is too small (16 pixels at least)")
    image, drawn = render_image(load_meshes(model), size, background)
    data = encode(image, suffix)
    out.write_bytes(data)
    return {
        "width": image.width,
        "height": image.height,
        "bytes": len(data),
        "triangles": drawn,
        "format": suffix.lstrip("."),
    }
