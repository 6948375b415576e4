"""Every revision of every curated file, and the append-only audit log of who changed what.

Revisions are whole copies named by order and content hash under
`<state>/history/<file path>/`, so a diff or a restore needs nothing but the folder, and a
backup is a copy of it. The audit log is one JSON line per change, appended and fsynced.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parcours.atomic import append_durable, write_atomic


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Revision:
    number: int
    sha256: str
    saved: float
    path: Path

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.number, "sha256": self.sha256, "saved": self.saved}


class History:
    """Revisions per file (relative path) and the audit log, in the state folder."""

    def __init__(self, state: Path) -> None:
        self.root = state / "history"
        self.audit_path = state / "audit.jsonl"

    def _folder(self, relpath: str) -> Path:
        if relpath.startswith("/") or ".." in Path(relpath).parts:
            raise ValueError(f"not a content path: {relpath!r}")
        return self.root / relpath

    def revisions(self, relpath: str) -> list[Revision]:
        folder = self._folder(relpath)
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.rev")):
            number, digest, saved = path.stem.split("-", 2)
            found.append(Revision(int(number), digest, float(saved) / 1000, path))
        return sorted(found, key=lambda r: r.number)

    def record(self, relpath: str, data: bytes) -> Revision:
        """Keep `data` as the next revision of `relpath` (no copy if it equals the last)."""
        existing = self.revisions(relpath)
        digest = sha256(data)
        if existing and existing[-1].sha256 == digest:
            return existing[-1]
        number = existing[-1].number + 1 if existing else 1
        saved = time.time()
        path = self._folder(relpath) / f"{number:06d}-{digest}-{int(saved * 1000)}.rev"
        write_atomic(path, data, mode=0o600)
        return Revision(number, digest, saved, path)

    def read(self, relpath: str, number: int) -> bytes:
        for revision in self.revisions(relpath):
            if revision.number == number:
                return revision.path.read_bytes()
        raise KeyError(number)

    def diff(self, relpath: str, a: int, b: int) -> str:
        """Unified diff between two revisions of a file."""
        before = self.read(relpath, a).decode("utf-8").splitlines(keepends=True)
        after = self.read(relpath, b).decode("utf-8").splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, f"{relpath}@{a}", f"{relpath}@{b}"))

    def audit(self, entry: dict[str, Any]) -> None:
        line = json.dumps({"time": time.time(), **entry}, ensure_ascii=False, sort_keys=True)
        append_durable(self.audit_path, line.encode("utf-8"))

    def audit_entries(self, entity: str | None = None) -> list[dict[str, Any]]:
        if not self.audit_path.is_file():
            return []
        entries = []
        for line in self.audit_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash before its fsync was never acknowledged
            if entity is None or entry.get("entity") == entity:
                entries.append(entry)
        return entries
