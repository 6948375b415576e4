"""One declared set of settings, read from the environment and overridden by CLI flags.

Every knob the server has lives here, with its default, so that `parcours serve --help`,
the README and the code agree on what can be changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository that ships with the package holds the bundled catalogue.
BUNDLED_ROOT = PACKAGE_DIR.parent

#: Bounding box (min lon, min lat, max lon, max lat) of the 47 communes of La Porte du
#: Hainaut, with a margin of about 2 km: a coordinate outside it is almost surely a typo
#: (swapped lat/lon, a missing digit) rather than a site of the agglomeration.
PORTE_DU_HAINAUT_BBOX = (3.15, 50.20, 3.65, 50.55)


@dataclass(frozen=True)
class Settings:
    """Where the content lives, which languages are served and the limits of the API."""

    root: Path = BUNDLED_ROOT
    source_language: str = "fr"
    #: Display and negotiation order of translated languages (others follow alphabetically).
    language_order: tuple[str, ...] = ("fr", "en", "nl", "de")
    #: Heritage and regional languages that `?lang=` accepts even with no translations yet;
    #: they fall back to French. Languages with a catalogue in locales/ are always accepted.
    extra_languages: tuple[str, ...] = ("pcd", "pl", "it", "ar")
    #: Fallback chains for languages that should try another one before French.
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Public base URL (e.g. https://parcours.example.org); None uses the request's own.
    public_url: str | None = None
    area_bbox: tuple[float, float, float, float] = PORTE_DU_HAINAUT_BBOX
    page_size: int = 100
    max_page_size: int = 500
    max_radius_m: float = 200_000.0
    max_yaml_bytes: int = 5 * 1024 * 1024
    #: Largest model a curator may upload (POST /api/assets/{id}/model), checked while reading.
    max_upload_bytes: int = 50 * 1024 * 1024
    #: Where `parcours build` writes variants and its manifest (default: <root>/.build).
    build_dir: Path | None = None
    #: Behind nginx: /media/ answers `X-Accel-Redirect: <prefix><2 hex>/<blob>` with an empty
    #: body and nginx sends the file from `location <prefix> { internal; alias <build>/blobs/; }`.
    accel_redirect_prefix: str | None = None
    #: Bytes of built media each worker keeps in memory (0: every file is read from disk).
    media_cache_bytes: int = 64 * 1024 * 1024
    phone_max_triangles: int = 150_000
    phone_max_texture_px: int = 1024
    validator_timeout_s: float = 120.0
    validator_memory_mb: int = 1024
    #: Map tiles of the pages' maps ({z}/{x}/{y}); the maps still draw routes and stops
    #: on a plain background when tiles cannot load.
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    #: Pick up hand edits of the content while serving (`parcours serve` turns it on).
    watch: bool = False
    #: Origins allowed to frame the embed pages (/embed/...); empty: any origin may.
    #: Every other page refuses to be framed by another origin.
    embed_origins: tuple[str, ...] = ()
    #: Where the browser libraries installed by npm are (model-viewer, Leaflet, decoders).
    node_modules: Path = BUNDLED_ROOT / "node_modules"

    @property
    def catalogue_path(self) -> Path:
        return self.root / "site_catalog.yaml"

    @property
    def tours_dir(self) -> Path:
        return self.root / "tours"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"

    @property
    def build_path(self) -> Path:
        return self.build_dir or self.root / ".build"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields changed; None values are ignored."""
        kept = {key: value for key, value in changes.items() if value is not None}
        return replace(self, **kept)  # type: ignore[arg-type]


class SettingsError(ValueError):
    """A PARCOURS_* variable that cannot be used; the message says which and how to fix it."""


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _parse_bbox(value: str) -> tuple[float, float, float, float]:
    parts = [float(part) for part in _split(value)]
    if len(parts) != 4:
        raise SettingsError(f"PARCOURS_AREA_BBOX needs 4 numbers, got {len(parts)}")
    return (parts[0], parts[1], parts[2], parts[3])


def _parse_origins(value: str) -> tuple[str, ...]:
    """`https://museum.example, http://localhost:8080` -> origins, refused if not origins."""
    origins = []
    for part in _split(value):
        parsed = urlsplit(part)
        if (
            parsed.scheme not in {"http", "https"}
            or not parsed.netloc
            or parsed.path not in {"", "/"}
        ):
            raise SettingsError(
                f"PARCOURS_EMBED_ORIGINS: {part!r} is not an origin such as https://museum.example"
            )
        origins.append(f"{parsed.scheme}://{parsed.netloc}")
    return tuple(origins)


def _parse_accel_prefix(value: str) -> str | None:
    """`/_blobs/` -> itself; a prefix that is not a plain absolute path is refused."""
    prefix = value.strip()
    if not prefix:
        return None
    parts = prefix[1:].rstrip("/").split("/")
    plain = all(p.replace("-", "").replace("_", "").isalnum() and p.isascii() for p in parts)
    if not prefix.startswith("/") or not plain:
        raise SettingsError(
            f"PARCOURS_ACCEL_REDIRECT: {value!r} is not a path such as /_blobs/ "
            "(letters, digits, - and _ between slashes)"
        )
    return prefix.rstrip("/") + "/"


def _count(env: Mapping[str, str], name: str, minimum: int) -> int:
    """A whole number of at least `minimum`, or a SettingsError naming the variable."""
    raw = env[name].strip().replace("_", "")
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            f"{name}: {env[name]!r} is not a whole number (for example {name}=1000000)"
        ) from None
    if value < minimum:
        raise SettingsError(f"{name}: {value} is below the minimum of {minimum}")
    return value


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from PARCOURS_* variables; anything unset keeps its default."""
    env = os.environ if environ is None else environ
    settings = Settings()
    changes: dict[str, object] = {}
    if "PARCOURS_ROOT" in env:
        changes["root"] = Path(env["PARCOURS_ROOT"]).resolve()
    if "PARCOURS_PUBLIC_URL" in env:
        changes["public_url"] = env["PARCOURS_PUBLIC_URL"].rstrip("/") or None
    if "PARCOURS_EXTRA_LANGUAGES" in env:
        changes["extra_languages"] = _split(env["PARCOURS_EXTRA_LANGUAGES"])
    if "PARCOURS_AREA_BBOX" in env:
        changes["area_bbox"] = _parse_bbox(env["PARCOURS_AREA_BBOX"])
    if "PARCOURS_BUILD_DIR" in env:
        changes["build_dir"] = Path(env["PARCOURS_BUILD_DIR"]).resolve()
    if "PARCOURS_PHONE_MAX_TRIANGLES" in env:
        changes["phone_max_triangles"] = _count(env, "PARCOURS_PHONE_MAX_TRIANGLES", 1)
    if "PARCOURS_PHONE_MAX_TEXTURE_PX" in env:
        changes["phone_max_texture_px"] = _count(env, "PARCOURS_PHONE_MAX_TEXTURE_PX", 1)
    if "PARCOURS_WATCH" in env:
        changes["watch"] = env["PARCOURS_WATCH"].strip().lower() in {"1", "true", "yes", "on"}
    if "PARCOURS_EMBED_ORIGINS" in env:
        changes["embed_origins"] = _parse_origins(env["PARCOURS_EMBED_ORIGINS"])
    if "PARCOURS_TILE_URL" in env:
        changes["tile_url"] = env["PARCOURS_TILE_URL"]
    if "PARCOURS_TILE_ATTRIBUTION" in env:
        changes["tile_attribution"] = env["PARCOURS_TILE_ATTRIBUTION"]
    if "PARCOURS_NODE_MODULES" in env:
        changes["node_modules"] = Path(env["PARCOURS_NODE_MODULES"]).resolve()
    if "PARCOURS_ACCEL_REDIRECT" in env:
        changes["accel_redirect_prefix"] = _parse_accel_prefix(env["PARCOURS_ACCEL_REDIRECT"])
    if "PARCOURS_MEDIA_CACHE_BYTES" in env:
        changes["media_cache_bytes"] = _count(env, "PARCOURS_MEDIA_CACHE_BYTES", 0)
    if "PARCOURS_PAGE_SIZE" in env:
        changes["page_size"] = _count(env, "PARCOURS_PAGE_SIZE", 1)
    if "PARCOURS_MAX_YAML_BYTES" in env:
        changes["max_yaml_bytes"] = _count(env, "PARCOURS_MAX_YAML_BYTES", 1)
    if "PARCOURS_MAX_UPLOAD_BYTES" in env:
        changes["max_upload_bytes"] = _count(env, "PARCOURS_MAX_UPLOAD_BYTES", 1)
    return settings.with_overrides(**changes)
