"""USDZ for iOS Quick Look, which opens no glTF: the AR button on iPhones needs this file.

Built with Pixar's usd-core from the plain GLB (no Draco or meshopt: the pipeline decodes those
first), read by trimesh with each mesh's world transform baked in. One `UsdGeom.Mesh` per mesh,
with a `UsdPreviewSurface` (the only surface Quick Look draws) made from the glTF metallic-
roughness material: base colour factor and texture, metallic-roughness, normal, occlusion and
emissive maps. The root layer is binary (.usdc): a USDZ is stored uncompressed, so text would
cost phones about three times the bytes. Stage: metres, Y up, a default prim, as glTF is.

Not converted, and why: animations and morph targets (Quick Look would need UsdSkel; a skinned
model is written in its bind pose), vertex colours beyond `displayColor` (Quick Look reads only
the material, so the material gets their mean), texture transforms and secondary UV sets.
Everything is built in a temporary folder and checked there (re-opened with `Usd.Stage.Open`,
then the USD validators that `usdchecker --arkit` runs) before the .usdz is moved to `out`.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pxr import Gf, Kind, Sdf, Tf, Usd, UsdGeom, UsdShade, UsdUtils, Vt

from parcours.gltf.inspect import read_container
from parcours.gltf.poster import base_colour_image, load_meshes

ROOT_LAYER = "model.usdc"
TEXTURE_DIR = "textures"
JPEG_QUALITY = 92
ROOT = Sdf.Path("/Root")
MATERIALS = ROOT.AppendChild("Materials")
_COLOR3, _FLOAT3, _FLOAT = (
    Sdf.ValueTypeNames.Color3f,
    Sdf.ValueTypeNames.Float3,
    Sdf.ValueTypeNames.Float,
)


@dataclass
class _Build:
    """The stage being written and what it already holds (textures and materials are shared)."""

    stage: Any
    folder: Path
    textures: dict[str, str] = field(default_factory=dict)  # content hash -> asset path
    materials: dict[tuple[int, tuple[float, ...], bool], Any] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


def _unique(build: _Build, name: str, fallback: str) -> str:
    """A valid prim name, unique on the stage (glTF names may repeat or be empty)."""
    base = Tf.MakeValidIdentifier(name) if name else fallback
    candidate, number = base, 1
    while candidate in build.names:
        candidate, number = f"{base}_{number}", number + 1
    build.names.add(candidate)
    return str(candidate)


def _floats(values: Any, size: int, default: float) -> list[float]:
    """A material factor as floats 0..1 (trimesh keeps colours as uint8)."""
    if values is None:
        return [default] * size
    array = np.asarray(values).reshape(-1)
    scaled = array / 255.0 if np.issubdtype(array.dtype, np.integer) else array
    return [float(x) for x in scaled[:size]] + [default] * (size - len(scaled[:size]))


def _write_texture(build: _Build, image: Image.Image, source_format: str | None) -> str:
    """Asset path of the image inside the package: JPEG stays JPEG, anything else is PNG.

    Keyed by pixels, so a texture shared by materials (or instances) is encoded once.
    """
    if image.mode not in {"RGB", "RGBA", "L", "LA"}:
        image = image.convert("RGBA")
    key = hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()
    if key not in build.textures:
        buffer = io.BytesIO()
        if source_format == "JPEG" and image.mode in {"RGB", "L"}:
            image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
            suffix = "jpg"
        else:  # zlib level 6: level 9 saves ~10% at ten times the time on 1k maps
            image.save(buffer, format="PNG", compress_level=6)
            suffix = "png"
        name = f"{TEXTURE_DIR}/{key[:16]}.{suffix}"
        (build.folder / TEXTURE_DIR).mkdir(exist_ok=True)
        (build.folder / name).write_bytes(buffer.getvalue())
        build.textures[key] = f"./{name}"
    return build.textures[key]


def _map(build: _Build, source: Any, copied: Any, slot: str, mode: str) -> str | None:
    """Asset path of the material's texture `slot` converted to `mode`, if it has one."""
    image = getattr(copied, slot, None)
    if not isinstance(image, Image.Image):
        return None
    return _write_texture(
        build, image.convert(mode), getattr(getattr(source, slot, None), "format", None)
    )


def _texture(
    build: _Build,
    material: Any,
    name: str,
    asset: str,
    *,
    srgb: bool,
    scale: list[float],
    bias: list[float] | None = None,
) -> Any:
    """A UsdUVTexture reading `st` (one primvar reader per material), wrapping like glTF."""
    path = material.GetPath()
    reader = UsdShade.Shader.Get(build.stage, path.AppendChild("stReader"))
    if not reader:
        reader = UsdShade.Shader.Define(build.stage, path.AppendChild("stReader"))
        reader.CreateIdAttr("UsdPrimvarReader_float2")
        reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
        reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    texture = UsdShade.Shader.Define(build.stage, path.AppendChild(name))
    texture.CreateIdAttr("UsdUVTexture")
    texture.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(Sdf.AssetPath(asset))
    texture.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(
        reader.ConnectableAPI(), "result"
    )
    texture.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set("repeat")
    texture.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set("repeat")
    texture.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set("sRGB" if srgb else "raw")
    texture.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set(Gf.Vec4f(*scale))
    if bias is not None:
        texture.CreateInput("bias", Sdf.ValueTypeNames.Float4).Set(Gf.Vec4f(*bias))
    return texture


def _connect(surface: Any, name: str, kind: Any, texture: Any, output: str, kind_out: Any) -> None:
    texture.CreateOutput(output, kind_out)
    surface.CreateInput(name, kind).ConnectToSource(texture.ConnectableAPI(), output)


def _material(build: _Build, source: Any, copied: Any, tint: list[float] | None, uv: bool) -> Any:
    """The UsdPreviewSurface material for a trimesh PBR material (shared between meshes).

    `copied` is the mesh's own copy (decoded images); `source` the original (image formats).
    Textures are only used on meshes with UVs, and not with a vertex-colour `tint`.
    """
    key = (id(source), tuple(tint or ()), uv)  # sources live as long as the meshes
    if key in build.materials:
        return build.materials[key]
    name = _unique(build, str(getattr(source, "name", "") or ""), f"Material{len(build.materials)}")
    material = UsdShade.Material.Define(build.stage, MATERIALS.AppendChild(name))
    surface = UsdShade.Shader.Define(build.stage, material.GetPath().AppendChild("Surface"))
    surface.CreateIdAttr("UsdPreviewSurface")
    material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    textured = uv and tint is None
    _base_colour(build, material, surface, source, copied if textured else None, tint)
    _other_maps(build, material, surface, source, copied if textured else None)
    build.materials[key] = material
    return material


def _base_colour(
    build: _Build, material: Any, surface: Any, source: Any, copied: Any, tint: list[float] | None
) -> None:
    """diffuseColor (factor, or texture scaled by it) and opacity for BLEND and MASK."""
    colour = _floats(getattr(source, "baseColorFactor", None), 4, 1.0)
    if tint is not None:
        colour = [*tint[:3], colour[3]]
    alpha_mode = str(getattr(source, "alphaMode", None) or "OPAQUE")
    image = base_colour_image(copied)
    if image is not None:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        original = base_colour_image(source)
        asset = _write_texture(build, image, original.format if original else None)
        texture = _texture(build, material, "BaseColor", asset, srgb=True, scale=colour)
        _connect(surface, "diffuseColor", _COLOR3, texture, "rgb", _FLOAT3)
        if alpha_mode != "OPAQUE" and image.mode == "RGBA":
            _connect(surface, "opacity", _FLOAT, texture, "a", _FLOAT)
    else:
        surface.CreateInput("diffuseColor", _COLOR3).Set(Gf.Vec3f(*colour[:3]))
    if alpha_mode != "OPAQUE" and not surface.GetInput("opacity"):
        surface.CreateInput("opacity", _FLOAT).Set(colour[3])
    if alpha_mode == "MASK":
        cutoff = getattr(source, "alphaCutoff", None)
        surface.CreateInput("opacityThreshold", _FLOAT).Set(0.5 if cutoff is None else cutoff)


def _other_maps(build: _Build, material: Any, surface: Any, source: Any, copied: Any) -> None:
    """Metallic and roughness (factors, or glTF's packed map), normal, occlusion, emission."""
    metallic = getattr(source, "metallicFactor", None)
    roughness = getattr(source, "roughnessFactor", None)
    metallic = 1.0 if metallic is None else float(metallic)  # glTF defaults
    roughness = 1.0 if roughness is None else float(roughness)
    asset = _map(build, source, copied, "metallicRoughnessTexture", "RGB")
    if asset is not None:
        scale = [1.0, roughness, metallic, 1.0]  # glTF: G roughness, B metallic
        texture = _texture(build, material, "MetallicRoughness", asset, srgb=False, scale=scale)
        _connect(surface, "roughness", _FLOAT, texture, "g", _FLOAT)
        _connect(surface, "metallic", _FLOAT, texture, "b", _FLOAT)
    else:
        surface.CreateInput("metallic", _FLOAT).Set(metallic)
        surface.CreateInput("roughness", _FLOAT).Set(roughness)

    asset = _map(build, source, copied, "normalTexture", "RGB")
    if asset is not None:
        scale, bias = [2.0, 2.0, 2.0, 1.0], [-1.0, -1.0, -1.0, 0.0]  # 0..1 to -1..1
        texture = _texture(build, material, "Normal", asset, srgb=False, scale=scale, bias=bias)
        _connect(surface, "normal", Sdf.ValueTypeNames.Normal3f, texture, "rgb", _FLOAT3)

    asset = _map(build, source, copied, "occlusionTexture", "RGB")
    if asset is not None:
        texture = _texture(build, material, "Occlusion", asset, srgb=False, scale=[1.0] * 4)
        _connect(surface, "occlusion", _FLOAT, texture, "r", _FLOAT)

    emissive = _floats(getattr(source, "emissiveFactor", None), 3, 0.0)
    asset = _map(build, source, copied, "emissiveTexture", "RGB") if any(emissive) else None
    if asset is not None:
        texture = _texture(build, material, "Emissive", asset, srgb=True, scale=[*emissive, 1.0])
        _connect(surface, "emissiveColor", _COLOR3, texture, "rgb", _FLOAT3)
    elif any(emissive):
        surface.CreateInput("emissiveColor", _COLOR3).Set(Gf.Vec3f(*emissive))


def _mesh(build: _Build, mesh: Any) -> int:
    """One UsdGeom.Mesh for a baked trimesh mesh, with its material bound; returns triangles."""
    name = _unique(build, str(mesh.metadata.get("node") or ""), f"Mesh{len(build.names)}")
    usd_mesh = UsdGeom.Mesh.Define(build.stage, ROOT.AppendChild(name))
    vertices = np.asarray(mesh.vertices, dtype=np.float32)
    faces = np.asarray(mesh.faces, dtype=np.int32)
    points = Vt.Vec3fArray.FromNumpy(vertices)
    usd_mesh.CreatePointsAttr(points)
    usd_mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(faces), 3, np.int32)))
    usd_mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(faces.reshape(-1)))
    usd_mesh.CreateExtentAttr(UsdGeom.PointBased.ComputeExtent(points))
    usd_mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)  # triangles, not a cage
    if "vertex_normals" in mesh._cache:  # read from the file, not guessed by trimesh
        normals = np.asarray(mesh.vertex_normals, dtype=np.float32)
        usd_mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(normals))
        usd_mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    primvars = UsdGeom.PrimvarsAPI(usd_mesh)
    visual, tint = mesh.visual, None
    uv = getattr(visual, "uv", None)
    has_uv = uv is not None and len(uv) == len(vertices)
    if has_uv:
        st = primvars.CreatePrimvar(
            "st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex
        )  # trimesh already flipped V to USD's bottom-left origin
        st.Set(Vt.Vec2fArray.FromNumpy(np.asarray(uv, dtype=np.float32)))
    if visual.kind in {"vertex", "face"}:
        vertex = visual.kind == "vertex"
        rgba = visual.vertex_colors if vertex else visual.face_colors
        colours = np.asarray(rgba, dtype=np.float32)[:, :3] / 255.0
        interpolation = UsdGeom.Tokens.vertex if vertex else UsdGeom.Tokens.uniform
        usd_mesh.CreateDisplayColorPrimvar(interpolation).Set(Vt.Vec3fArray.FromNumpy(colours))
        tint = [float(x) for x in colours.mean(axis=0)]
    copied = getattr(visual, "material", None)
    source = mesh.metadata.get("material")
    source = copied if source is None else source
    material = _material(build, source, copied, tint, has_uv)
    usd_mesh.CreateDoubleSidedAttr(bool(getattr(source, "doubleSided", False)))
    UsdShade.MaterialBindingAPI.Apply(usd_mesh.GetPrim()).Bind(material)
    return len(faces)


def check_compliance(usdz: Path) -> tuple[str | None, list[str]]:
    """(checker used, errors) of the USD validators for ARKit; warnings are not errors.

    usd-core up to 24.x has the Python `UsdUtils.ComplianceChecker` (run with arkit=True); later
    releases replaced it with `UsdValidation`, where `usdchecker --arkit` runs every validator.
    """
    legacy = getattr(UsdUtils, "ComplianceChecker", None)
    if legacy is not None:
        checker = legacy(arkit=True, skipARKitRootLayerCheck=False, rootPackageOnly=False)
        checker.CheckCompliance(str(usdz))
        return "UsdUtils.ComplianceChecker(arkit=True)", [str(e) for e in checker.GetErrors()]
    try:
        from pxr import UsdValidation
    except ImportError:  # pragma: no cover - neither API in this usd-core
        return None, []
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(metadata=registry.GetAllValidatorMetadata())
    found = context.Validate(Usd.Stage.Open(str(usdz)))
    error = UsdValidation.ValidationErrorType.Error
    errors = [f"{e.GetName()}: {e.GetMessage()}" for e in found if e.GetType() == error]
    return "UsdValidation (all validators, as usdchecker --arkit)", sorted(errors)


def _reopen(usdz: Path) -> tuple[int, int, float, str]:
    """(meshes, triangles, metersPerUnit, upAxis) of the package as a reader sees it."""
    stage = Usd.Stage.Open(str(usdz))
    if not stage or not stage.GetDefaultPrim():
        raise RuntimeError(f"{usdz.name} does not open as a USD stage with a default prim")
    meshes = triangles = 0
    for prim in stage.Traverse():
        if prim.IsA(UsdGeom.Mesh):
            meshes += 1
            triangles += len(UsdGeom.Mesh(prim).GetFaceVertexCountsAttr().Get() or [])
    meters = float(UsdGeom.GetStageMetersPerUnit(stage))
    return meshes, triangles, meters, str(UsdGeom.GetStageUpAxis(stage))


def write_usdz(model: Path, out: Path, meters_per_unit: float = 1.0) -> dict[str, Any]:
    """Write the USDZ of a plain GLB to `out` and return its facts.

    `meters_per_unit` is the asset's scale, so that Quick Look places it at real size.

    Facts: bytes, meshes, triangles, textures, animations_dropped (glTF animations are never
    converted), skinned (written in bind pose), checker and errors (validator errors, empty when
    compliant; warnings are left out). Raises ValueError for a model without triangles, or whose
    triangles have no area; RuntimeError if usd-core fails to package or re-open the result.
    """
    document, _, _ = read_container(model)
    meshes = load_meshes(model)
    if not meshes:
        raise ValueError("the model has no triangle meshes to convert")
    if not all(np.isfinite(mesh.vertices).all() for mesh in meshes):
        raise ValueError("the model has vertices that are not finite numbers (NaN or infinity)")
    if not sum(float(mesh.area) for mesh in meshes) > 0.0:
        raise ValueError("the model is degenerate: none of its triangles has any area")
    with tempfile.TemporaryDirectory(prefix="parcours-usdz-") as temporary:
        folder = Path(temporary)
        stage = Usd.Stage.CreateNew(str(folder / ROOT_LAYER))
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, meters_per_unit)
        root = UsdGeom.Xform.Define(stage, ROOT)
        Usd.ModelAPI(root).SetKind(Kind.Tokens.component)
        stage.SetDefaultPrim(root.GetPrim())
        UsdGeom.Scope.Define(stage, MATERIALS)
        build = _Build(stage, folder, names={"Materials"})
        triangles = sum(_mesh(build, mesh) for mesh in meshes)
        stage.GetRootLayer().Save()
        package = folder / "package.usdz"
        if not UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(str(folder / ROOT_LAYER)), str(package)):
            raise RuntimeError(f"usd-core could not package {model.name} as USDZ")
        counted = _reopen(package)
        expected = (len(meshes), triangles, meters_per_unit, "Y")
        if counted != expected:
            raise RuntimeError(
                f"the USDZ re-opened as (meshes, triangles, metersPerUnit, upAxis) {counted}, "
                f"not {expected}"
            )
        checker, errors = check_compliance(package)
        partial = out.with_name(f".{out.name}.partial")
        shutil.copyfile(package, partial)
        partial.replace(out)
    return {
        "bytes": out.stat().st_size,
        "meshes": len(meshes),
        "triangles": triangles,
        "textures": len(build.textures),
        "animations_dropped": bool(document.get("animations")),
        "skinned": bool(document.get("skins")),
        "checker": checker,
        "errors": errors,
    }
