"""3D assets as curators describe them: `assets/<asset-id>/asset.yaml` beside the model.

The YAML holds French texts (title, description, alt, hotspot labels and texts), credits and
licence, real-world scale, hotspots and an optional geo-anchor; translations come from
locales/ like the catalogue's. Loading reports every problem with file, line and path.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from parcours.errors import Problem
from parcours.settings import Settings
from parcours.yamldoc import YamlDocument, load_yaml

AssetId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=2, max_length=80)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Vec3 = Annotated[list[float], Field(min_length=3, max_length=3)]
MODEL_SUFFIXES = (".glb", ".gltf")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Hotspot(_Record):
    """A point of interest on the model, shown as a labelled button in the viewer."""

    id: AssetId
    position: Vec3 = Field(description="Model coordinates in metres (x, y, z), y up.")
    normal: Vec3 = Field(
        default_factory=lambda: [0.0, 1.0, 0.0], description="Direction the hotspot faces."
    )
    label: Text = Field(description="Short French label (a few words).")
    text: Text = Field(description="French text shown when the hotspot is opened.")


class GeoAnchor(_Record):
    """Where and how the model stands on the ground, for AR placement at the site."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    heading: float = Field(0.0, ge=0, lt=360, description="Degrees clockwise from north of -z.")


class Asset(_Record):
    """One 3D model and what visitors and curators need to know about it."""

    id: AssetId
    model: Text = Field(description="Source model file in this folder (.glb or .gltf).")
    title: Text
    description: Text = Field(description="Plain-language French description.")
    alt: Text = Field(description="One French sentence saying what is visible.")
    credits: Text
    licence: Text
    licence_url: Text | None = None
    schematic: bool = Field(description="True for reconstructions that are not a survey.")
    scale: float = Field(1.0, gt=0, description="Metres per model unit.")
    up_axis: Literal["Y", "Z"] = "Y"
    sites: list[AssetId] = Field(default_factory=list, description="Catalogue sites shown.")
    geo_anchor: GeoAnchor | None = None
    hotspots: list[Hotspot] = Field(default_factory=list)

    @property
    def translatable(self) -> dict[str, str]:
        """Context suffix -> French text, for gettext (asset/<id>/<suffix>)."""
        out = {"title": self.title, "description": self.description, "alt": self.alt}
        for spot in self.hotspots:
            out[f"hotspot/{spot.id}/label"] = spot.label
            out[f"hotspot/{spot.id}/text"] = spot.text
        return out


def asset_context(asset_id: str, suffix: str) -> str:
    return f"asset/{asset_id}/{suffix}"


def load_asset(folder: Path, root: Path, settings: Settings) -> tuple[Asset | None, list[Problem]]:
    """One asset folder -> (asset or None, problems)."""
    display = str((folder / "asset.yaml").relative_to(root))
    try:
        doc: YamlDocument = load_yaml(
            folder / "asset.yaml", display, settings.max_yaml_bytes, settings.build_path / "cache"
        )
    except Exception as exc:  # CatalogueInvalid carries its problems
        return None, list(getattr(exc, "problems", [Problem(display, None, "", str(exc))]))
    try:
        asset = Asset.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message = (
                f"unknown key '{loc[-1]}'" if error["type"] == "extra_forbidden" else error["msg"]
            )
            problems.append(doc.problem(loc, message, None, error["type"]))
        return None, problems
    problems = []
    if asset.id != folder.name:
        problems.append(
            doc.problem(
                ("id",),
                f"id '{asset.id}' differs from the folder name '{folder.name}'",
                "rename one of them",
                "asset_id",
            )
        )
    model = folder / asset.model
    if Path(asset.model).name != asset.model or model.suffix.lower() not in MODEL_SUFFIXES:
        problems.append(
            doc.problem(
                ("model",),
                f"'{asset.model}' must be a .glb or .gltf file name in the asset folder",
                None,
                "model_path",
            )
        )
    elif not model.is_file():
        problems.append(
            doc.problem(
                ("model",),
                f"model file '{asset.model}' is missing",
                f"put it in {folder.relative_to(root)}/",
                "model_missing",
            )
        )
    seen: set[str] = set()
    for index, spot in enumerate(asset.hotspots):
        if spot.id in seen:
            problems.append(
                doc.problem(
                    ("hotspots", index, "id"),
                    f"duplicate hotspot id '{spot.id}'",
                    None,
                    "duplicate_id",
                )
            )
        seen.add(spot.id)
    return asset, problems


def discover_assets(settings: Settings) -> tuple[list[tuple[Asset, Path]], list[Problem]]:
    """Every assets/<id>/asset.yaml, parsed; problems of all of them at once."""
    found: list[tuple[Asset, Path]] = []
    problems: list[Problem] = []
    if not settings.assets_dir.is_dir():
        return found, problems
    for folder in sorted(p for p in settings.assets_dir.iterdir() if p.is_dir()):
        if not (folder / "asset.yaml").is_file():
            continue
        asset, asset_problems = load_asset(folder, settings.root, settings)
        problems += asset_problems
        if asset is not None and not asset_problems:
            found.append((asset, folder))
    return found, problems


def read_narrations(settings: Settings) -> dict[str, Any]:
    """Spoken stops from the last build: trail -> stop -> language -> audio (or {})."""
    path = settings.build_path / "narrations.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_manifest(settings: Settings) -> dict[str, Any]:
    """The build manifest (variants, facts, reports per asset), or {} before any build."""
    path = settings.build_path / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    assets = data.get("assets") if isinstance(data, dict) else None
    return assets if isinstance(assets, dict) else {}


def check_site_references(
    assets: list[tuple[Asset, Path]], site_ids: set[str], settings: Settings
) -> list[Problem]:
    """Every site an asset names must be in the catalogue."""
    problems = []
    for asset, folder in assets:
        for index, site_id in enumerate(asset.sites):
            if site_id not in site_ids:
                display = str((folder / "asset.yaml").relative_to(settings.root))
                doc = load_yaml(folder / "asset.yaml", display, settings.max_yaml_bytes)
                close = difflib.get_close_matches(site_id, sorted(site_ids), n=1)
                problems.append(
                    doc.problem(
                        ("sites", index),
                        f"unknown site '{site_id}'",
                        f"did you mean '{close[0]}'?"
                        if close
                        else "use an id from site_catalog.yaml",
                        "unknown_site",
                    )
                )
    return problems
