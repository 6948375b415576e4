"""Which built files visitors may fetch, and the folder a web server may serve them from.

A blob in the build's store is served only if the last build published it: a variant that
passed validation (the manifest's `published`), or a narration's audio and captions. The
snapshot reads that set to answer `/media/`; `parcours build` also mirrors it as a folder of
links, `<build>/public/media/<sha256>.<ext>`, so that a reverse proxy can send the media
itself (a static mount, docs/deploy.md) while parcours still decides what is in it: a name
that is not in the folder falls back to parcours, which answers 404 for what it does not
publish. Links are relative, so the build folder can be copied or synced as a whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parcours.blobs import BLOB_NAME

PUBLIC_MEDIA = Path("public") / "media"


def published_blobs(manifest: dict[str, Any], narrations: dict[str, Any]) -> frozenset[str]:
    """Blob names of the published variants and of the spoken stops."""
    variants = {
        variant["blob"]
        for record in manifest.values()
        if isinstance(record, dict) and record.get("published")
        for variant in record.get("variants", {}).values()
        if isinstance(variant, dict) and "blob" in variant
    }
    spoken = {
        blob
        for stops in narrations.values()
        if isinstance(stops, dict)
        for langs in stops.values()
        if isinstance(langs, dict)
        for record in langs.values()
        if isinstance(record, dict)
        for blob in (record.get("audio"), record.get("captions"))
        if isinstance(blob, str) and blob
    }
    return frozenset(variants | spoken)


def sync_public_media(build_path: Path, names: Iterable[str]) -> tuple[int, int]:
    """Make `<build>/public/media/` hold a link to exactly each published blob that exists.

    New links are made before stale ones are removed, each with a rename, so a proxy reading
    the folder meanwhile finds either a complete link or none (and then asks parcours).
    Returns (links added, links removed).
    """
    folder = build_path / PUBLIC_MEDIA
    folder.mkdir(parents=True, exist_ok=True)
    # A blob the store lost is not announced as served.
    wanted = {
        name
        for name in names
        if BLOB_NAME.match(name) and (build_path / "blobs" / name[:2] / name).is_file()
    }
    added = removed = 0
    for name in sorted(wanted):
        target = Path("..", "..", "blobs", name[:2], name)
        link = folder / name
        if link.is_symlink() and link.readlink() == target:
            continue
        temporary = folder / f".tmp-{name}"
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(target)
        temporary.replace(link)
        added += 1
    for entry in folder.iterdir():
        if entry.name not in wanted:
            entry.unlink()
            removed += 1
    return added, removed
