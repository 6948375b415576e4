"""The published blobs, and the folder of links a reverse proxy serves them from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from parcours.published import PUBLIC_MEDIA, published_blobs, sync_public_media


def put_blob(build: Path, content: bytes, suffix: str = "glb") -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = build / "blobs" / digest[:2] / f"{digest}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path.name


def test_published_blobs_are_validated_variants_and_narrations() -> None:
    manifest = {
        "ok": {"published": True, "variants": {"phone": {"blob": "a.glb"}, "usdz": {"blob": "b"}}},
        "refused": {"published": False, "variants": {"phone": {"blob": "c.glb"}}},
        "odd": "not a record",
    }
    narrations = {
        "trail": {"stop": {"fr": {"audio": "d.mp3", "captions": "e.vtt"}, "en": {"audio": ""}}},
        "skipped": "espeak-ng is not installed",
    }
    assert published_blobs(manifest, narrations) == {"a.glb", "b", "d.mp3", "e.vtt"}


def test_the_mount_holds_exactly_the_published_blobs(tmp_path: Path) -> None:
    kept, dropped = put_blob(tmp_path, b"kept"), put_blob(tmp_path, b"dropped")
    never = put_blob(tmp_path, b"never published")
    lost = hashlib.sha256(b"lost").hexdigest() + ".glb"  # published, but not in the store
    assert sync_public_media(tmp_path, [kept, dropped, lost, "../../etc/passwd"]) == (2, 0)
    folder = tmp_path / PUBLIC_MEDIA
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept, dropped])
    assert (folder / kept).read_bytes() == b"kept"
    assert not (folder / kept).readlink().is_absolute()  # the build folder can move
    # The next build no longer publishes `dropped`: its link goes, the blob stays.
    assert sync_public_media(tmp_path, [kept, lost]) == (0, 1)
    assert [p.name for p in folder.iterdir()] == [kept]
    assert (tmp_path / "blobs" / dropped[:2] / dropped).is_file()
    assert not (folder / never).exists()
    # Nothing to do the second time; a stray file in the folder is removed.
    (folder / "stray.glb").write_bytes(b"x")
    assert sync_public_media(tmp_path, [kept]) == (0, 1)
    assert sync_public_media(tmp_path, [kept]) == (0, 0)
