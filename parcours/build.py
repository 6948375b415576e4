"""`parcours build`: validate every asset, make its variants, write the manifest the server reads.

For each asset: the source passes the safety gate and the Khronos validator (a model with
errors is never published); its facts are read; the phone variant (smallest valid candidate
within budget), a plain AR variant, a poster and, when usd-core is installed, a USDZ are made,
each variant validated in turn. Outputs go to a content-addressed store; a job record keyed
by the source's hash, the pipeline version and the budget makes a second build with nothing
changed do no work, and say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from parcours.assets import Asset, discover_assets, read_manifest, read_narrations
from parcours.blobs import LocalBlobStore, file_sha256
from parcours.errors import CatalogueInvalid
from parcours.gltf.gate import GateLimits
from parcours.gltf.inspect import inspect_model, read_container
from parcours.gltf.optimize import (
    PIPELINE_VERSION,
    OptimizeError,
    PhoneBudget,
    ar_variant,
    phone_candidates,
    plain_copy,
)
from parcours.gltf.report import Report
from parcours.gltf.validate import validate_file
from parcours.published import published_blobs, sync_public_media
from parcours.settings import Settings

MEDIA_TYPES = {
    "glb": "model/gltf-binary",
    "png": "image/png",
    "webp": "image/webp",
    "usdz": "model/vnd.usdz+zip",
}


@dataclass
class BuildSummary:
    """What a build did, for the CLI to print."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    narrations: int = 0
    narration_note: str | None = None


def source_files(model: Path) -> list[Path]:
    """The model and the files it refers to (relative URIs, after the gate accepted them)."""
    files = [model]
    try:
        document, _, _ = read_container(model)
    except (ValueError, OSError):
        return files
    for kind in ("buffers", "images"):
        for item in document.get(kind) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                candidate = model.parent / unquote(uri)
                if candidate.is_file():
                    files.append(candidate)
    return files


def job_key(asset: Asset, folder: Path, budget: PhoneBudget) -> str:
    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{budget.key()}|{asset.scale}".encode())
    for path in source_files(folder / asset.model):
        digest.update(f"|{path.relative_to(folder)}:{file_sha256(path)}".encode())
    return digest.hexdigest()


def _budget(settings: Settings) -> PhoneBudget:
    return PhoneBudget(settings.phone_max_triangles, settings.phone_max_texture_px)


def _validate(path: Path, settings: Settings) -> Report:
    return validate_file(
        path,
        GateLimits(),
        timeout_s=settings.validator_timeout_s,
        memory_mb=settings.validator_memory_mb,
    )


def _variant(store: LocalBlobStore, path: Path, suffix: str, **facts: Any) -> dict[str, Any]:
    blob = store.put(path, suffix)
    return {"blob": blob, "bytes": path.stat().st_size, "media_type": MEDIA_TYPES[suffix], **facts}


def _phone(
    source: Path, work: Path, facts: dict[str, Any], budget: PhoneBudget, settings: Settings
) -> tuple[Path, dict[str, Any]]:
    """The smallest candidate that the validators accept, and what each candidate weighed."""
    tried: dict[str, Any] = {}
    best = None
    for candidate in phone_candidates(source, work, facts, budget):
        report = _validate(candidate.path, settings)
        tried[candidate.name] = {
            "bytes": candidate.bytes,
            "ok": report.ok,
            "errors": sorted({m.code for m in report.errors()}),
        }
        if report.ok and (best is None or candidate.bytes < best.bytes):
            best = candidate
    if best is None:
        raise OptimizeError(f"no phone variant passed validation: {tried}")
    return best.path, {
        "compression": best.compression,
        "chosen": best.name,
        "triangles": best.facts.get("triangles"),
        "candidates": tried,
    }


def build_asset(
    asset: Asset, folder: Path, settings: Settings, store: LocalBlobStore, key: str
) -> dict[str, Any]:
    """Validate, inspect and make every variant of one asset; returns its job record."""
    started = time.monotonic()
    model = folder / asset.model
    record: dict[str, Any] = {
        "asset": asset.id,
        "key": key,
        "pipeline": PIPELINE_VERSION,
        "source": {
            "file": asset.model,
            "sha256": file_sha256(model),
            "bytes": sum(p.stat().st_size for p in source_files(model)),
        },
    }
    report = _validate(model, settings)
    record["report"] = report.as_dict()
    record["published"] = report.ok
    if not report.ok:
        record["variants"] = {}
        return record
    facts = inspect_model(model, asset.scale)
    record["facts"] = facts
    budget = _budget(settings)
    variants: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parcours-build-") as tmp:
        work = Path(tmp)
        phone_path, phone_facts = _phone(model, work, facts, budget, settings)
        variants["phone"] = _variant(store, phone_path, "glb", **phone_facts)
        ar_path = work / "ar.glb"
        ar_facts = ar_variant(model, ar_path, facts, budget)
        if _validate(ar_path, settings).ok:
            variants["ar"] = _variant(store, ar_path, "glb", triangles=ar_facts.get("triangles"))
        plain = work / "plain.glb"
        plain_copy(model, plain)
        # The full model in one file: the source GLB itself, or a .gltf packed as GLB.
        original = model if model.suffix.lower() == ".glb" else plain
        if original is model or _validate(plain, settings).ok:
            variants["original"] = _variant(store, original, "glb", triangles=facts["triangles"])
        variants.update(_derived(plain, work, store, asset.scale))
    record["variants"] = variants
    record["seconds"] = round(time.monotonic() - started, 2)
    record["built_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return record


def _derived(plain: Path, work: Path, store: LocalBlobStore, scale: float) -> dict[str, Any]:
    """Poster (first paint) and USDZ (iOS Quick Look), made from the plain GLB."""
    from parcours.gltf.poster import render_poster

    out: dict[str, Any] = {}
    poster = work / "poster.webp"
    poster_facts = render_poster(plain, poster)
    out["poster"] = _variant(
        store, poster, "webp", width=poster_facts.get("width"), height=poster_facts.get("height")
    )
    try:
        from parcours.gltf.usdz import write_usdz
    except ImportError:  # usd-core not installed: Quick Look is simply not offered
        return out
    usdz = work / "model.usdz"
    usdz_facts = write_usdz(plain, usdz, meters_per_unit=scale)
    out["usdz"] = _variant(
        store, usdz, "usdz", animations_dropped=usdz_facts.get("animations_dropped", False)
    )
    return out


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def build_all(
    settings: Settings,
    *,
    only: Iterable[str] = (),
    force: bool = False,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
    narrate: bool = True,
) -> BuildSummary:
    """Build what changed; write build/manifest.json; raise CatalogueInvalid on bad asset.yaml."""
    started = time.monotonic()
    assets, problems = discover_assets(settings)
    if problems:
        raise CatalogueInvalid(problems)
    wanted = set(only)
    if wanted:
        assets = [(a, f) for a, f in assets if a.id in wanted]
    build = settings.build_path
    store = LocalBlobStore(build / "blobs")
    budget = _budget(settings)
    summary = BuildSummary()
    records: dict[str, Any] = {}
    todo = []
    for asset, folder in assets:
        key = job_key(asset, folder, budget)
        job = build / "jobs" / f"{asset.id}.json"
        if not force and job.is_file():
            previous = json.loads(job.read_text(encoding="utf-8"))
            blobs = [v["blob"] for v in previous.get("variants", {}).values()]
            if previous.get("key") == key and all(store.exists(b) for b in blobs):
                records[asset.id] = previous
                summary.unchanged.append(asset.id)
                continue
        todo.append((asset, folder, key, job))

    def one(item: tuple[Asset, Path, str, Path]) -> tuple[str, dict[str, Any]]:
        asset, folder, key, job = item
        try:
            record = build_asset(asset, folder, settings, store, key)
        except OptimizeError as exc:
            record = {
                "asset": asset.id,
                "key": key,
                "published": False,
                "variants": {},
                "error": str(exc),
            }
        _write_json(job, record)
        if progress:
            progress(asset.id)
        return asset.id, record

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for asset_id, record in pool.map(one, todo):
            records[asset_id] = record
            if record.get("published"):
                summary.built.append(asset_id)
            else:
                summary.refused[asset_id] = [
                    m["code"]
                    for m in record.get("report", {}).get("issues", {}).get("messages", [])
                    if m["severity"] == 0
                ] or [record.get("error", "refused")]
    existing = _read_manifest(build)
    merged = {**existing.get("assets", {}), **records} if wanted else records
    _write_json(build / "manifest.json", {"pipeline": PIPELINE_VERSION, "assets": merged})
    if narrate:
        spoken = build_narrations(settings, store)
        summary.narrations = sum(
            len(langs)
            for stops in spoken.values()
            if isinstance(stops, dict)
            for langs in stops.values()
        )
        summary.narration_note = (
            spoken.get("skipped") if isinstance(spoken.get("skipped"), str) else None
        )
    # What a reverse proxy may send by itself (docs/deploy.md, "static mount").
    sync_public_media(build, published_blobs(read_manifest(settings), read_narrations(settings)))
    summary.seconds = round(time.monotonic() - started, 2)
    return summary


def _read_manifest(build: Path) -> dict[str, Any]:
    path = build / "manifest.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def build_narrations(settings: Settings, store: LocalBlobStore) -> dict[str, Any]:
    """Spoken stops of every trail in each language they are written in; cached by text.

    Writes build/narrations.json: trail -> stop -> language -> audio and captions blobs.
    """
    from parcours import narration
    from parcours.snapshot import build_snapshot

    if not narration.available():
        return {"skipped": "espeak-ng is not installed (Debian package espeak-ng)"}
    snapshot = build_snapshot(settings)
    out: dict[str, Any] = {}
    jobs = settings.build_path / "narrations"
    for lang in narration.VOICES:
        for trail_id, document in snapshot.trails.documents.get(lang, {}).items():
            for stop in document["stops"]:
                if stop["text"]["lang"] != lang:
                    continue  # not translated yet: the French narration serves
                text = f"{stop['title']['text']}.\n{stop['text']['text']}"
                key = narration.narration_key(text, lang)
                job = jobs / f"{key}.json"
                record = json.loads(job.read_text(encoding="utf-8")) if job.is_file() else None
                if record is None or not all(
                    store.exists(record[k]) for k in ("audio", "captions")
                ):
                    spoken = narration.narrate(text, lang)
                    with tempfile.TemporaryDirectory() as tmp:
                        mp3, vtt = Path(tmp) / "a.mp3", Path(tmp) / "a.vtt"
                        mp3.write_bytes(spoken.mp3)
                        vtt.write_text(spoken.vtt, encoding="utf-8")
                        record = {
                            "audio": store.put(mp3, "mp3"),
                            "captions": store.put(vtt, "vtt"),
                            "seconds": spoken.seconds,
                            "voice": f"espeak-ng {spoken.voice}",
                            "bytes": len(spoken.mp3),
                            "lang": lang,
                        }
                    _write_json(job, record)
                stops = out.setdefault(trail_id, {}).setdefault(stop["id"], {})
                stops[lang] = record
    _write_json(settings.build_path / "narrations.json", out)
    return out
