"""Content-addressed storage of built files (variants, posters, USDZ).

One small interface so that an object store (S3-compatible) can replace the local folder
without touching the web layer: a blob is named by the SHA-256 of its bytes and its suffix,
so its URL never changes meaning and can be cached forever.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

BLOB_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]{1,8})$")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class LocalBlobStore:
    """Blobs under `root/<2 hex>/<sha256>.<suffix>`, written atomically."""

    root: Path

    def path_for(self, name: str) -> Path | None:
        """The file of a blob name, or None for a name that is not one of ours."""
        match = BLOB_NAME.match(name)
        if match is None:
            return None
        return self.root / match.group(1)[:2] / name

    def put(self, source: Path, suffix: str) -> str:
        """Store a copy of `source`; returns the blob name (hash.suffix)."""
        name = f"{file_sha256(source)}.{suffix.lstrip('.').lower()}"
        target = self.path_for(name)
        assert target is not None
        if target.exists():
            if target.stat().st_mode & 0o044 != 0o044:
                target.chmod(0o644)  # made before blobs were world-readable
            return name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name_of_temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        temporary = Path(name_of_temporary)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            # Public files: a proxy serving them (X-Accel-Redirect) runs as another user.
            temporary.chmod(0o644)
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
        return name

    def exists(self, name: str) -> bool:
        path = self.path_for(name)
        return path is not None and path.is_file()
