"""Writing a file so that a crash at any moment leaves either the old bytes or the new ones.

Temporary file in the same folder, fsync, rename over the target, fsync of the folder: the
rename is atomic on POSIX file systems, and the two fsyncs make it durable once we return.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data`; on any error the old file is untouched and no temp is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


def write_cache(path: Path, data: bytes) -> None:
    """Keep derived bytes for next time: atomic (never half a file) but not made durable, as
    losing them only costs recomputing them; skipped where the folder cannot be written (a
    read-only deployment recomputes at every start)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def append_durable(path: Path, line: bytes) -> None:
    """Append one line and make it durable (the audit log is append-only); if the disk
    refuses it (full: a short write), the log is cut back to where it was and OSError raised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = line if line.endswith(b"\n") else line + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)
