"""The one writer of curated content: validate the whole candidate, then write atomically.

Every change (from the API, the curators' pages or the command line) comes here. It is applied
to a throw-away copy of the content, and the copy is loaded exactly as the server loads it;
only if that succeeds is the real file replaced (temp file, fsync, rename), its revision kept,
the change audited and the new snapshot published. An invalid change leaves every file as it
was and reports every problem. One change at a time, across threads and worker processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from parcours import yamledit
from parcours.accounts import User
from parcours.atomic import fsync_dir, write_atomic
from parcours.errors import CatalogueInvalid, NotFound, Problem
from parcours.history import History, sha256
from parcours.settings import Settings
from parcours.snapshot import Snapshot, build_snapshot
from parcours.store_errors import Invalid, PreconditionFailed, PreconditionRequired, StorageError

CATALOGUE = "site_catalog.yaml"
#: What a candidate copies; the heavy models are linked, never copied.
COPIED_FILES = (CATALOGUE, "babel.cfg", "babel-content.cfg")
COPIED_DIRS = ("tours", "locales")
_LOCK = threading.Lock()


def etag_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"e-' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24] + '"'


@dataclass(frozen=True)
class Saved:
    """What a successful change returns: the entity's new data and ETag, and the snapshot."""

    entity: str
    data: Any
    etag: str
    snapshot: Snapshot


class Store:
    def __init__(
        self, settings: Settings, publish: Callable[[Snapshot], None] = lambda s: None
    ) -> None:
        self.settings = settings
        self.publish = publish
        self.state = settings.root / ".parcours"
        self.history = History(self.state)

    # --- reading ---------------------------------------------------------------------

    def _text(self, relpath: str) -> str:
        return (self.settings.root / relpath).read_text(encoding="utf-8")

    def _site_index(self, text: str, site_id: str) -> tuple[Any, int]:
        document = yamledit.load(text)
        for index, site in enumerate(document["sites"]):
            if site.get("id") == site_id:
                return document, index
        ids = [str(s.get("id")) for s in document["sites"]]
        import difflib

        raise NotFound("site", site_id[:100], difflib.get_close_matches(site_id, ids, n=3))

    def site(self, site_id: str) -> tuple[dict[str, Any], str]:
        document, index = self._site_index(self._text(CATALOGUE), site_id)
        data = yamledit.plain(document["sites"][index])
        return data, etag_of(data)

    def _trail_path(self, trail_id: str) -> str:
        relpath = f"tours/{trail_id}.yaml"
        if "/" in trail_id or not (self.settings.root / relpath).is_file():
            known = sorted(p.stem for p in self.settings.tours_dir.glob("*.yaml"))
            import difflib

            raise NotFound("trail", trail_id[:100], difflib.get_close_matches(trail_id, known))
        return relpath

    def trail(self, trail_id: str) -> tuple[dict[str, Any], str]:
        data = yamledit.plain(yamledit.load(self._text(self._trail_path(trail_id))))
        return data, etag_of(data)

    # --- changes -----------------------------------------------------------------------

    def update_site(
        self, site_id: str, patch: dict[str, Any], if_match: str | None, user: User
    ) -> Saved:
        """Merge-patch one site (RFC 7386); `id` cannot change through a patch."""
        with self._locked():
            text = self._text(CATALOGUE)
            document, index = self._site_index(text, site_id)
            current = yamledit.plain(document["sites"][index])
            self._check_etag(if_match, current)
            item = yamledit.merge_patch(document["sites"][index], patch)
            if item.get("id") != site_id:
                raise Invalid([_problem(CATALOGUE, "id", "a site's id cannot be changed")])
            new_text = yamledit.splice_item(text, "sites", index, item)
            return self._commit(
                {CATALOGUE: new_text}, f"site/{site_id}", "update", user, yamledit.plain(item)
            )

    def create_site(self, site: dict[str, Any], user: User) -> Saved:
        with self._locked():
            text = self._text(CATALOGUE)
            ident = str(site.get("id", ""))
            if any(s.get("id") == ident for s in yamledit.load(text)["sites"]):
                raise Invalid([_problem(CATALOGUE, "id", f"a site '{ident}' already exists")])
            new_text = yamledit.append_item(text, "sites", site)
            return self._commit({CATALOGUE: new_text}, f"site/{ident}", "create", user, site)

    def delete_site(self, site_id: str, if_match: str | None, user: User) -> Saved:
        with self._locked():
            text = self._text(CATALOGUE)
            document, index = self._site_index(text, site_id)
            self._check_etag(if_match, yamledit.plain(document["sites"][index]))
            new_text = yamledit.splice_item(text, "sites", index, None)
            return self._commit({CATALOGUE: new_text}, f"site/{site_id}", "delete", user, None)

    def update_trail(
        self, trail_id: str, patch: dict[str, Any], if_match: str | None, user: User
    ) -> Saved:
        """Merge-patch a trail; `stops` is replaced whole (RFC 7386 replaces arrays)."""
        with self._locked():
            relpath = self._trail_path(trail_id)
            text = self._text(relpath)
            document = yamledit.load(text)
            self._check_etag(if_match, yamledit.plain(document))
            document = yamledit.merge_patch(document, patch)
            if document.get("id") != trail_id:
                raise Invalid([_problem(relpath, "id", "a trail's id cannot be changed")])
            return self._commit(
                {relpath: yamledit.dump(document)},
                f"trail/{trail_id}",
                "update",
                user,
                yamledit.plain(document),
            )

    def create_trail(self, trail: dict[str, Any], user: User) -> Saved:
        """A new trail file `tours/<id>.yaml`, validated with everything else."""
        ident = str(trail.get("id", ""))
        if not yamledit.SLUG.match(ident):
            raise Invalid([_problem("tours", "id", f"'{ident[:60]}' is not a trail id")])
        relpath = f"tours/{ident}.yaml"
        with self._locked():
            if (self.settings.root / relpath).exists():
                raise Invalid([_problem(relpath, "id", f"a trail '{ident}' already exists")])
            text = "# yaml-language-server: $schema=../schema/trail.json\n" + yamledit.dump(trail)
            return self._commit({relpath: text}, f"trail/{ident}", "create", user, trail)

    def delete_trail(self, trail_id: str, if_match: str | None, user: User) -> Saved:
        """Remove a trail; its revisions stay in the history and can be restored."""
        with self._locked():
            relpath = self._trail_path(trail_id)
            self._check_etag(if_match, yamledit.plain(yamledit.load(self._text(relpath))))
            return self._commit({relpath: None}, f"trail/{trail_id}", "delete", user, None)

    def asset(self, asset_id: str) -> tuple[dict[str, Any], str]:
        data = yamledit.plain(yamledit.load(self._text(self._asset_path(asset_id))))
        return data, etag_of(data)

    def _asset_path(self, asset_id: str) -> str:
        relpath = f"assets/{asset_id}/asset.yaml"
        if "/" in asset_id or not (self.settings.root / relpath).is_file():
            import difflib

            known = sorted(p.parent.name for p in self.settings.assets_dir.glob("*/asset.yaml"))
            raise NotFound("asset", asset_id[:100], difflib.get_close_matches(asset_id, known))
        return relpath

    def update_asset(
        self, asset_id: str, patch: dict[str, Any], if_match: str | None, user: User
    ) -> Saved:
        """Merge-patch an asset record: attach it to sites, fix its alt text, its hotspots."""
        with self._locked():
            relpath = self._asset_path(asset_id)
            document = yamledit.load(self._text(relpath))
            self._check_etag(if_match, yamledit.plain(document))
            document = yamledit.merge_patch(document, patch)
            if document.get("id") != asset_id:
                raise Invalid([_problem(relpath, "id", "an asset's id cannot be changed")])
            return self._commit(
                {relpath: yamledit.dump(document)},
                f"asset/{asset_id}",
                "update",
                user,
                yamledit.plain(document),
            )

    def restore(self, relpath: str, number: int, user: User) -> Saved:
        """Put an earlier revision back; itself a new, validated and audited revision."""
        with self._locked():
            try:
                data = self.history.read(relpath, number)
            except (KeyError, ValueError):
                raise NotFound("revision", f"{relpath}@{number}", []) from None
            return self._commit({relpath: data}, f"file/{relpath}", f"restore {number}", user, None)

    def commit(
        self,
        changes: Mapping[str, str | bytes | None],
        entity: str,
        action: str,
        user: User,
        data: Any = None,
        prepare: Callable[[], Mapping[str, str | bytes | None]] | None = None,
    ) -> Saved:
        """Write whole content files (a translation catalogue, an uploaded model), validated
        with everything else. `prepare`, when given, computes the changes under the lock from
        the files as they are then (read-modify-write without losing a concurrent change)."""
        with self._locked():
            return self._commit(prepare() if prepare else changes, entity, action, user, data)

    # --- the pipeline ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            lock = (self.state / "store.lock").open("a")
        except OSError as exc:
            raise StorageError(exc) from None
        with _LOCK, lock as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _check_etag(self, if_match: str | None, current: Any) -> None:
        if not if_match:
            raise PreconditionRequired()
        etag = etag_of(current)
        if if_match.strip() != "*" and etag not in {t.strip() for t in if_match.split(",")}:
            raise PreconditionFailed(etag, current)

    def _candidate(self, changes: Mapping[str, str | bytes | None]) -> Path:
        """A copy of the content with the changes applied, for a full validation."""
        root = self.settings.root
        folder = Path(tempfile.mkdtemp(prefix="candidate-", dir=self.state))
        for name in COPIED_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, folder / name)
        for name in COPIED_DIRS:
            if (root / name).is_dir():
                shutil.copytree(root / name, folder / name)
        if (root / "assets").is_dir():
            (folder / "assets").symlink_to(root / "assets")
        for relpath, content in changes.items():
            target = folder / relpath
            if relpath.startswith("assets/"):
                # Models are linked, not copied: give the changed asset a folder of its own.
                asset = folder / Path(relpath).parts[0] / Path(relpath).parts[1]
                if (folder / "assets").is_symlink():
                    (folder / "assets").unlink()
                    (folder / "assets").mkdir()
                    for entry in (root / "assets").iterdir():
                        (folder / "assets" / entry.name).symlink_to(entry)
                if asset.is_symlink():
                    source = asset.resolve()
                    asset.unlink()
                    shutil.copytree(source, asset)
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return folder

    def _validate(self, changes: Mapping[str, str | bytes | None]) -> None:
        folder = self._candidate(changes)
        try:
            build_snapshot(replace(self.settings, root=folder, build_dir=self.settings.build_path))
        except CatalogueInvalid as exc:
            raise Invalid(list(exc.problems)) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _write(self, changes: Mapping[str, str | bytes | None], entry: dict[str, Any]) -> None:
        """Write the files, their revisions and the audit line; if the disk refuses any of
        it, put back what was written and forget the new revisions, then raise."""
        undo: list[tuple[Path, bytes | None]] = []
        created: list[Path] = []

        def record(relpath: str, data: bytes) -> int:
            known = self.history.revisions(relpath)
            revision = self.history.record(relpath, data)
            if not known or revision.number > known[-1].number:
                created.append(revision.path)
            return revision.number

        try:
            files: list[dict[str, Any]] = []
            for relpath, content in changes.items():
                path = self.settings.root / relpath
                before = path.read_bytes() if path.is_file() else b""
                if before and not self.history.revisions(relpath):
                    record(relpath, before)  # the state before the first change
                undo.append((path, before if path.is_file() else None))
                if content is None:  # a deletion: the last revision keeps the file
                    path.unlink(missing_ok=True)
                    fsync_dir(path.parent)
                    files.append(
                        {"path": relpath, "before": sha256(before), "after": None, "revision": None}
                    )
                    continue
                after = content.encode("utf-8") if isinstance(content, str) else content
                write_atomic(path, after)
                files.append(
                    {
                        "path": relpath,
                        "before": sha256(before) if before else None,
                        "after": sha256(after),
                        "revision": record(relpath, after),
                    }
                )
            self.history.audit({**entry, "files": files})
        except OSError:
            for path, old in reversed(undo):
                with contextlib.suppress(OSError):
                    if old is None:
                        path.unlink(missing_ok=True)
                    elif path.read_bytes() != old:
                        write_atomic(path, old)
            for revision_path in created:
                with contextlib.suppress(OSError):
                    revision_path.unlink()
            raise

    def _commit(
        self,
        changes: Mapping[str, str | bytes | None],
        entity: str,
        action: str,
        user: User,
        data: Any,
    ) -> Saved:
        try:
            self._validate(changes)
            entry = {"user": user.name, "role": user.role, "action": action, "entity": entity}
            self._write(changes, entry)
        except OSError as exc:  # disk full, read-only...: _write has undone what it did
            raise StorageError(exc) from None
        snapshot = build_snapshot(self.settings)
        self.publish(snapshot)
        return Saved(entity, data, etag_of(data) if data is not None else "", snapshot)


def _problem(file: str, path: str, message: str) -> Problem:
    return Problem(file, None, path, message, None, code="invalid")
