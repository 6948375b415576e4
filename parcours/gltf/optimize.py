"""Phone variants: a model within a triangle and texture budget, compressed for weak networks.

The heavy lifting runs in Node with glTF Transform (transform.mjs): it decodes Draco and
meshopt properly (trimesh raises on meshopt and silently zeroes Draco), simplifies with
meshoptimizer and re-encodes textures with sharp. This module decides the budget, runs the
candidates and lets the caller keep the smallest valid one, the original included: on small
models, optimizing can make the file larger.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# 3: palette, and a visually lossless simplification within budget; 4: a quantized candidate,
# the packed source of a .gltf as a candidate, each texture kept in its encoding when smaller
PIPELINE_VERSION = "4"
#: Ways of compressing the geometry, one phone candidate each ("quantize": no meshopt or
#: Draco stream, only KHR_mesh_quantization: on tiny models their overhead outweighs the gain).
COMPRESSIONS = ("meshopt", "draco", "quantize")
SCRIPT = Path(__file__).with_name("transform.mjs")
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


class OptimizeError(Exception):
    """A transform could not run or failed; the message says which and why."""


@dataclass(frozen=True)
class PhoneBudget:
    """What a phone variant may hold (from settings)."""

    max_triangles: int = 150_000
    max_texture_px: int = 1024
    simplify_error: float = 0.001  # fraction of the mesh extent
    texture_format: str = "webp"

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class Candidate:
    """One way of making the phone variant, with its file once made."""

    name: str
    path: Path
    compression: str
    facts: dict[str, Any]

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise OptimizeError("Node.js is not installed; run `bash scripts/serve` or install nodejs")
    if not (NODE_MODULES / "@gltf-transform" / "functions").is_dir():
        raise OptimizeError("glTF Transform is missing; run `npm ci` in the project folder")
    return node


def run_transform(arguments: list[str], timeout_s: float = 600) -> dict[str, Any]:
    """Run transform.mjs; its last stdout line is a JSON object of facts."""
    try:
        result = subprocess.run(
            [_node(), "--max-old-space-size=4096", str(SCRIPT), *arguments],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OptimizeError(f"transform {arguments[0]} took over {timeout_s:.0f} s") from None
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise OptimizeError(f"transform {arguments[0]} failed: {message}")
    try:
        facts: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise OptimizeError(f"transform {arguments[0]} printed no facts") from None
    return facts


def plain_copy(source: Path, output: Path) -> dict[str, Any]:
    """A GLB without any compression extension, safe for trimesh, USD and the poster."""
    return run_transform(["plain", str(source), str(output)])


def packed_copy(source: Path, output: Path) -> dict[str, Any]:
    """The source in one GLB, otherwise as it is (its compression extensions kept)."""
    return run_transform(["pack", str(source), str(output)])


def simplify_ratio(triangles: int, budget: PhoneBudget) -> float:
    """Share of the geometry to keep so the phone variant fits the triangle budget."""
    if triangles <= budget.max_triangles or triangles == 0:
        return 1.0
    return max(0.001, budget.max_triangles / triangles)


def make_variant(
    source: Path,
    output: Path,
    triangles: int,
    budget: PhoneBudget,
    compression: str,
    texture_format: str | None = None,
) -> dict[str, Any]:
    options = {
        "ratio": simplify_ratio(triangles, budget),
        "error": budget.simplify_error if triangles <= budget.max_triangles else 1.0,
        "textureSize": budget.max_texture_px,
        "textureFormat": texture_format or budget.texture_format,
        "compress": compression,
    }
    return run_transform(["phone", str(source), str(output), json.dumps(options)])


def phone_candidates(
    source: Path, workdir: Path, facts: dict[str, Any], budget: PhoneBudget
) -> list[Candidate]:
    """One variant per way of compressing, and the source itself when it already fits.

    The source is the guard against optimizing where it does not pay: a .glb as it is, a .gltf
    packed into one GLB (a phone variant is one file) with nothing else changed.
    """
    triangles = int(facts.get("triangles", 0))
    out = []
    for compression in COMPRESSIONS:
        path = workdir / f"phone-{compression}.glb"
        made = make_variant(source, path, triangles, budget, compression)
        out.append(Candidate(f"phone-{compression}", path, compression, made))
    textures_fit = all(
        (t.get("width") or 0) <= budget.max_texture_px
        and (t.get("height") or 0) <= budget.max_texture_px
        for t in facts.get("textures", [])
    )
    if triangles <= budget.max_triangles and textures_fit:
        original = source
        if source.suffix.lower() != ".glb":
            original = workdir / "original.glb"
            try:
                packed_copy(source, original)
            except OptimizeError:  # only a guard: the optimized candidates remain
                return out
        out.append(Candidate("original", original, "none", {"triangles": triangles}))
    return out


def ar_variant(
    source: Path, output: Path, facts: dict[str, Any], budget: PhoneBudget
) -> dict[str, Any]:
    """Within budget but uncompressed, textures in their own format: for Scene Viewer."""
    return make_variant(source, output, int(facts.get("triangles", 0)), budget, "none", "auto")
