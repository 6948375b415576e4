"""A curator's write when the disk is full or the content folder read-only.

Whatever step the disk refuses (the validation copy, the revision kept before the change, the
temp file, its bytes, the rename, the revision after, the audit line), the curator gets one
clear JSON error (`storage_error`, 507 for a full disk, 503 for a read-only folder) saying that
nothing was changed, and nothing was: the file's bytes, no temp file, no revision, no audit
line, the same snapshot served. Then the same change goes through once the disk is back.

Faults are injected where parcours.atomic meets the OS (tests run as root, where file modes
stop nothing); a real full tmpfs and a real read-only mount are used when `mount` is allowed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

import parcours.history
from parcours.accounts import Accounts
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.web.app import create_app

SITE = "caph-8n-cite-lagrange"
CATALOGUE = "site_catalog.yaml"
MERGE = {"content-type": "application/merge-patch+json"}
NEW_SUMMARY = "Cité pavillonnaire de Raismes : maisons jumelles et jardins ouvriers."

Installer = Callable[[pytest.MonkeyPatch, int], None]


def fd_path(fd: int) -> str:
    try:
        return str(Path(f"/proc/self/fd/{fd}").readlink())
    except OSError:
        return ""


def refuse(code: int) -> OSError:
    return OSError(code, os.strerror(code))


# --- Where the disk says no ---------------------------------------------------------------


def at_candidate(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The throw-away copy used to validate the change cannot be made."""
    real = tempfile.mkdtemp

    def mkdtemp(*args: object, **kwargs: object) -> str:
        if str(kwargs.get("prefix", "")).startswith("candidate-"):
            raise refuse(code)
        return real(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)


def at_temp_file(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Before the temp file beside the catalogue exists."""
    real = tempfile.mkstemp

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(f".{CATALOGUE}."):
            raise refuse(code)
        return real(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def after_temp_written(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The temp file holds the new bytes, but making them durable fails."""
    real = os.fsync

    def fsync(fd: int) -> None:
        name = Path(fd_path(fd)).name
        if name.startswith(f".{CATALOGUE}.") and name.endswith(".tmp"):
            raise refuse(code)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def at_rename(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    real = Path.replace

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        if Path(target).name == CATALOGUE:
            raise refuse(code)
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)


def _history_write(number: int) -> Installer:
    def install(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
        real = parcours.history.write_atomic
        calls = []

        def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
            calls.append(path)
            if len(calls) == number:
                raise refuse(code)
            real(path, data, mode)

        monkeypatch.setattr(parcours.history, "write_atomic", write_atomic)

    return install


#: The first change of a file keeps its state before (revision 1), then the new one (2).
at_revision_before = _history_write(1)
at_revision_after = _history_write(2)


def at_audit_line(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The disk fills up in the middle of the audit line: a short write."""
    real = os.write

    def write(fd: int, data: bytes) -> int:
        if fd_path(fd).endswith("audit.jsonl"):
            if code != errno.ENOSPC:
                raise refuse(code)
            return real(fd, data[: len(data) // 2])
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


FAULTS: dict[str, Installer] = {
    "candidate": at_candidate,
    "temp-file": at_temp_file,
    "temp-written": after_temp_written,
    "rename": at_rename,
    "revision-before": at_revision_before,
    "revision-after": at_revision_after,
    "audit-line": at_audit_line,
}
ERRORS = {errno.ENOSPC: (507, "the disk is full"), errno.EROFS: (503, "read-only")}


# --- Fixtures and checks ----------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **headers}


@pytest.fixture
def curator(content_root: Path) -> str:
    return Accounts(content_root / ".parcours" / "users.json").add("curator-1", "curator")


@pytest.fixture
def writer(content_root: Path, curator: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(root=content_root))) as client:
        yield client


def patch_site(client: TestClient, token: str, summary: str = NEW_SUMMARY) -> httpx.Response:
    source = client.get(f"/api/sites/{SITE}/source", headers=auth(token))
    assert source.status_code == 200, source.text
    return client.patch(
        f"/api/sites/{SITE}",
        headers=auth(token, **MERGE, **{"if-match": source.headers["etag"]}),
        content=json.dumps({"summary": summary}),
    )


def leftovers(root: Path, state: Path) -> list[str]:
    """Temp files, candidate copies, revisions and audit lines a failed write might leave."""
    found = [str(p) for p in root.rglob("*.tmp")] + [str(p) for p in state.rglob("*.tmp")]
    found += [str(p) for p in state.glob("candidate-*")]
    found += [str(p) for p in (state / "history").rglob("*.rev")]
    audit = state / "audit.jsonl"
    if audit.is_file() and audit.stat().st_size:
        found.append(f"{audit}: {audit.read_bytes()!r}")
    return found


def assert_refused_and_untouched(
    answer: httpx.Response,
    status: int,
    words: str,
    client: TestClient,
    root: Path,
    state: Path,
    sha: str,
) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == "storage_error"
    assert words in error["message"] and "nothing was changed" in error["message"]
    assert str(root) not in answer.text
    assert digest(root / CATALOGUE) == sha
    assert leftovers(root, state) == []
    # Reads go on, from the content as it was.
    served = client.get(f"/api/sites/{SITE}?lang=fr")
    assert served.status_code == 200
    assert served.json()["summary"]["text"] != NEW_SUMMARY
    assert client.get("/").status_code == 200
    assert client.get("/-/health").status_code == 200


# --- Injected faults -----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(ERRORS), ids=[errno.errorcode[c] for c in sorted(ERRORS)])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_refused_write_changes_nothing_and_says_so(
    fault: str,
    code: int,
    writer: TestClient,
    curator: str,
    content_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = content_root / ".parcours"
    sha = digest(content_root / CATALOGUE)
    status, words = ERRORS[code]
    with monkeypatch.context() as patched:
        FAULTS[fault](patched, code)
        answer = patch_site(writer, curator)
    assert_refused_and_untouched(answer, status, words, writer, content_root, state, sha)
    # The disk is back: the same change is saved, revisions numbered as if nothing happened.
    again = patch_site(writer, curator)
    assert again.status_code == 200, again.text
    revisions = sorted(p.name[:6] for p in (state / "history").rglob("*.rev"))
    assert revisions == ["000001", "000002"]
    assert len((state / "audit.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    assert writer.get(f"/api/sites/{SITE}?lang=fr").json()["summary"]["text"] == NEW_SUMMARY


def test_a_short_audit_write_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk in the middle of a line must not glue half a line to the next entry."""
    audit = tmp_path / "audit.jsonl"
    history = parcours.history.History(tmp_path)
    history.audit({"action": "first"})
    size = audit.stat().st_size
    with monkeypatch.context() as patched:
        at_audit_line(patched, errno.ENOSPC)
        with pytest.raises(OSError) as caught:
            history.audit({"action": "second"})
    assert caught.value.errno == errno.ENOSPC
    assert audit.stat().st_size == size
    history.audit({"action": "third"})
    assert [e["action"] for e in history.audit_entries()] == ["first", "third"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file modes (see the mounts)")
def test_a_read_only_folder_by_its_mode(
    writer: TestClient, curator: str, content_root: Path
) -> None:
    sha = digest(content_root / CATALOGUE)
    content_root.chmod(0o555)
    try:
        answer = patch_site(writer, curator)
    finally:
        content_root.chmod(0o755)
    state = content_root / ".parcours"
    assert_refused_and_untouched(answer, 503, "read-only", writer, content_root, state, sha)


# --- Real file systems (tmpfs) -------------------------------------------------------------


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)


@contextlib.contextmanager
def tmpfs(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    mounted = run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(folder))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        run("umount", "-l", str(folder))


def small_root(root: Path, state: Path) -> None:
    """The content on its own small file system (the models linked), with room for 64 KB
    more: not for a second catalogue (108 KB) beside the first. The state folder (validation
    copies, history, audit) is on the big disk."""
    for name in (CATALOGUE, "babel.cfg", "babel-content.cfg"):
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in ("locales", "tours", "schema"):
        shutil.copytree(BUNDLED_ROOT / name, root / name)
    (root / "assets").symlink_to(BUNDLED_ROOT / "assets")
    state.mkdir()
    (root / ".parcours").symlink_to(state)
    stats = os.statvfs(root)
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    assert run("mount", "-o", f"remount,size={used + 64 * 1024}", str(root)).returncode == 0
    assert os.statvfs(root).f_bavail * stats.f_frsize < (root / CATALOGUE).stat().st_size


@pytest.fixture
def mounted_client(tmp_path: Path) -> Iterator[tuple[TestClient, str, Path, Path]]:
    state = tmp_path / "state"
    with tmpfs(tmp_path / "content") as root:
        small_root(root, state)
        token = Accounts(state / "users.json").add("curator-1", "curator")
        with TestClient(create_app(Settings(root=root))) as client:
            yield client, token, root, state


def test_a_really_full_disk(mounted_client: tuple[TestClient, str, Path, Path]) -> None:
    """The tmpfs holds the 108 KB catalogue but has no room for its new copy beside it."""
    client, token, root, state = mounted_client
    sha = digest(root / CATALOGUE)
    answer = patch_site(client, token)
    assert_refused_and_untouched(answer, 507, "the disk is full", client, root, state, sha)
    assert not [p for p in root.iterdir() if p.name.startswith(".site_catalog")]
    assert run("mount", "-o", "remount,size=16m", str(root)).returncode == 0
    assert patch_site(client, token).status_code == 200
    assert NEW_SUMMARY in (root / CATALOGUE).read_text(encoding="utf-8")


def test_a_really_read_only_folder(mounted_client: tuple[TestClient, str, Path, Path]) -> None:
    """Remounted read-only: even root cannot write there."""
    client, token, root, state = mounted_client
    sha = digest(root / CATALOGUE)
    assert run("mount", "-o", "remount,ro,size=16m", str(root)).returncode == 0
    answer = patch_site(client, token)
    assert_refused_and_untouched(answer, 503, "read-only", client, root, state, sha)
    assert run("mount", "-o", "remount,rw", str(root)).returncode == 0
    assert patch_site(client, token).status_code == 200
