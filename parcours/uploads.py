"""A model uploaded by a curator: received aside, checked, then committed by the one writer.

The bytes land in `<root>/.parcours/uploads/<random>/model.glb`, a folder of their own (a
relative URI in the file can reach nothing else), with the size limit enforced while they
arrive. The file then passes the safety gate and the Khronos validator, exactly as
`parcours validate` runs them; a refused file is answered with the full report. An accepted
one replaces the asset's model through `Store.commit` (validated with everything else,
atomic, audited, restorable), its variants are rebuilt (`parcours build` for that asset
only) and a snapshot with them is published. The folder is removed whatever happens.

Plain Python with no mesh library imported at module level: the web layer imports this.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import secrets
import shutil
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from parcours import yamledit
from parcours.accounts import User
from parcours.asset_docs import variants_of
from parcours.assets import read_manifest
from parcours.errors import ParcoursError
from parcours.settings import Settings
from parcours.store import Saved, Store

if TYPE_CHECKING:
    from parcours.gltf.report import Report

ASSET_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MODEL_NAME = "model.glb"
log = logging.getLogger("parcours.uploads")
#: One build at a time in this process: builds merge their records into one manifest.
_BUILDING = threading.Lock()


class UploadTooLarge(ParcoursError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            message=f"the model is larger than {limit} bytes (PARCOURS_MAX_UPLOAD_BYTES)",
            code="upload_too_large",
            status=413,
            details={"limit": limit},
        )


class ModelRefused(ParcoursError):
    def __init__(self, report: Report) -> None:
        super().__init__(
            message=f"the model was refused: {report.num_errors} error(s); nothing was changed",
            code="model_refused",
            status=422,
            details={"report": report.as_dict()},
        )


class NoAssetRecord(ParcoursError):
    def __init__(self, asset_id: str, known: list[str]) -> None:
        close = difflib.get_close_matches(asset_id, known, n=3)
        super().__init__(
            message=f"no asset '{asset_id}': describe it first in assets/{asset_id}/asset.yaml "
            "(id, model: model.glb, title, description, alt, credits, licence, schematic), "
            "then upload its model",
            code="unknown_asset",
            status=404,
            details={
                "id": asset_id,
                "suggestions": close,
                "hint": "see docs/curating.md, 'A new model'",
            },
        )


def check_asset(settings: Settings, asset_id: str) -> Path:
    """The asset's folder, which must hold an asset.yaml already."""
    folder = settings.assets_dir / asset_id
    if not ASSET_ID.match(asset_id) or not (folder / "asset.yaml").is_file():
        known = (
            sorted(p.name for p in settings.assets_dir.iterdir() if (p / "asset.yaml").is_file())
            if settings.assets_dir.is_dir()
            else []
        )
        raise NoAssetRecord(asset_id[:80], known)
    return folder


class Upload:
    """The file being received; its folder is removed on exit, whatever happened."""

    def __init__(self, settings: Settings, limit: int) -> None:
        self.area = settings.root / ".parcours" / "uploads"
        self.folder = self.area / secrets.token_hex(8)
        self.path = self.folder / MODEL_NAME
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    def __enter__(self) -> Upload:
        self.folder.mkdir(parents=True, mode=0o700)
        self._handle = self.path.open("wb")
        return self

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadTooLarge(self.limit)
        self._handle.write(chunk)
        self.digest.update(chunk)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def check_model(path: Path, settings: Settings) -> Report:
    """The safety gate, then the Khronos validator: the report `parcours validate` prints."""
    from parcours.gltf.validate import validate_file

    return validate_file(
        path, timeout_s=settings.validator_timeout_s, memory_mb=settings.validator_memory_mb
    )


def _changes(settings: Settings, asset_id: str, data: bytes) -> dict[str, str | bytes]:
    """The model file to replace; an asset that named a .gltf now names model.glb."""
    record = f"assets/{asset_id}/asset.yaml"
    document = yamledit.load((settings.root / record).read_text(encoding="utf-8"))
    model = str(document.get("model") or MODEL_NAME) if isinstance(document, dict) else MODEL_NAME
    if Path(model).name == model and model.lower().endswith(".glb"):
        return {f"assets/{asset_id}/{model}": data}
    document["model"] = MODEL_NAME
    return {f"assets/{asset_id}/{MODEL_NAME}": data, record: yamledit.dump(document)}


def accept_model(store: Store, asset_id: str, upload: Upload, report: Report, user: User) -> Saved:
    """Replace the asset's model with the checked upload, through the one writer."""
    data = upload.path.read_bytes()
    facts = {
        "asset": asset_id,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "validators": list(report.validators),
    }
    return store.commit(
        {},
        f"asset/{asset_id}",
        "upload model",
        user,
        facts,
        prepare=lambda: _changes(store.settings, asset_id, data),
    )


def rebuild(store: Store, asset_id: str, user: User) -> dict[str, Any]:
    """`parcours build` for this asset (phone variant, AR, poster, USDZ), then a snapshot
    with the new variants is published (an audited change with no file)."""
    from parcours.build import build_all

    outcome: dict[str, Any] = {}
    try:
        with _BUILDING:
            summary = build_all(store.settings, only=[asset_id], narrate=False)
        outcome = {"refused": summary.refused.get(asset_id, []), "seconds": summary.seconds}
    except Exception as exc:  # the model is saved: `parcours build` can be run again
        log.exception("building %s after its upload failed", asset_id)
        outcome = {"refused": ["build_failed"], "error": f"{type(exc).__name__}: {exc}"}
    saved = store.commit({}, f"asset/{asset_id}", "build variants", user, None)
    record = read_manifest(store.settings).get(asset_id)
    return {
        "published": bool(record and record.get("published")) and "error" not in outcome,
        **outcome,
        "variants": variants_of(record),
        "revision": saved.snapshot.revision,
    }
