"""Offline trail packs: one zip per trail and language with everything the trail needs.

The zip holds a manifest (every file with bytes and SHA-256), the trail and its stops as JSON
(texts in the language, French where a translation is missing), the route as GeoJSON, the
phone variants and posters of its models, and a transcript per stop. Its bytes depend only on
the content (sorted entries, fixed timestamps), so the same content gives the same ETag; a
pack is written once per snapshot to the build folder and served with byte ranges.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parcours.blobs import LocalBlobStore, file_sha256

FIXED_TIME = (2012, 6, 30, 0, 0, 0)  # the property's inscription day: any constant would do
STORED = {".glb", ".webp", ".png", ".jpg", ".usdz", ".ogg", ".mp3", ".zip"}


@dataclass(frozen=True)
class PackFile:
    """One file of a pack: where it goes in the zip, and where it comes from online."""

    path: str
    data: bytes | None = None
    blob: str | None = None
    url: str | None = None
    media_type: str = "application/octet-stream"


def pack_files(document: dict[str, Any], geojson: bytes, lang: str) -> list[PackFile]:
    """The files of a trail pack, from the trail's document in one language."""
    trail_id = document["id"]
    files = [
        PackFile(
            "trail.json",
            json.dumps(document, ensure_ascii=False, indent=1).encode(),
            url=f"/api/trails/{trail_id}?lang={lang}",
            media_type="application/json",
        ),
        PackFile(
            "route.geojson",
            geojson,
            url=f"/api/trails/{trail_id}.geojson?lang={lang}",
            media_type="application/geo+json",
        ),
    ]
    seen: set[str] = set()
    for stop in document["stops"]:
        lines = [stop["title"]["text"], "", stop["text"]["text"]]
        if stop.get("more"):
            lines += ["", stop["more"]["text"]]
        for layer in stop["layers"]:
            lines += ["", f"{layer['label']['text']} — {layer['text']['text']}"]
        files.append(
            PackFile(
                f"transcripts/{stop['index'] + 1:02d}-{stop['id']}.txt",
                ("\n".join(lines) + "\n").encode(),
                media_type="text/plain",
            )
        )
        audio = stop.get("audio")
        if audio:
            for key, folder in (("url", "audio"), ("captions", "captions")):
                blob = audio[key].rsplit("/", 1)[1]
                files.append(
                    PackFile(
                        f"{folder}/{stop['index'] + 1:02d}-{stop['id']}{Path(blob).suffix}",
                        blob=blob,
                        url=audio[key],
                    )
                )
        assets = [stop.get("asset"), *(layer.get("asset") for layer in stop["layers"])]
        for asset in assets:
            if not asset:
                continue
            for role in ("phone", "poster"):
                variant = asset.get("variants", {}).get(role)
                if variant and variant["url"] not in seen:
                    seen.add(variant["url"])
                    blob = variant["url"].rsplit("/", 1)[1]
                    folder = "models" if role == "phone" else "posters"
                    files.append(PackFile(f"{folder}/{blob}", blob=blob, url=variant["url"]))
    return files


def _bytes_of(item: PackFile, store: LocalBlobStore) -> bytes:
    if item.data is not None:
        return item.data
    assert item.blob is not None
    path = store.path_for(item.blob)
    if path is None or not path.is_file():
        raise FileNotFoundError(f"built file {item.blob} is missing; run `parcours build`")
    return path.read_bytes()


def write_pack(
    files: list[PackFile], store: LocalBlobStore, target: Path, meta: dict[str, Any]
) -> None:
    """A deterministic zip: manifest first, then files in path order."""
    contents = {item.path: _bytes_of(item, store) for item in files}
    manifest = {
        **meta,
        "files": [
            {"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for path, data in sorted(contents.items())
        ],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    partial = Path(name)
    with zipfile.ZipFile(partial, "w") as archive:
        for path, data in [
            ("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode()),
            *sorted(contents.items()),
        ]:
            info = zipfile.ZipInfo(path, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = (
                zipfile.ZIP_STORED if Path(path).suffix in STORED else zipfile.ZIP_DEFLATED
            )
            archive.writestr(info, data, compresslevel=9)
    partial.replace(target)


@dataclass(frozen=True)
class BuiltPack:
    path: Path
    sha256: str
    bytes: int
    files: list[dict[str, Any]]


def ensure_pack(
    document: dict[str, Any], geojson: bytes, lang: str, build: Path, revision: str
) -> BuiltPack:
    """The pack of a trail in a language for this content, written on first request."""
    store = LocalBlobStore(build / "blobs")
    files = pack_files(document, geojson, lang)
    key = hashlib.sha256(
        json.dumps(
            [
                revision,
                lang,
                document["id"],
                [
                    (f.path, f.blob, hashlib.sha256(f.data).hexdigest() if f.data else None)
                    for f in files
                ],
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()[:32]
    target = build / "packs" / f"{document['id']}-{lang}-{key}.zip"
    if not target.is_file():
        write_pack(
            files,
            store,
            target,
            {"trail": document["id"], "lang": lang, "title": document["title"]["text"]},
        )
    with zipfile.ZipFile(target) as archive:
        listed = json.loads(archive.read("manifest.json"))["files"]
    return BuiltPack(target, file_sha256(target), target.stat().st_size, listed)
