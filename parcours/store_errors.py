"""What a curator's change can run into, each with its HTTP status and a clear message."""

from __future__ import annotations

import errno
from typing import Any

from parcours.errors import ParcoursError, Problem


class PreconditionRequired(ParcoursError):
    def __init__(self) -> None:
        super().__init__(
            message="this change needs If-Match with the entity's ETag (read it first)",
            code="precondition_required",
            status=428,
        )


class PreconditionFailed(ParcoursError):
    def __init__(self, current_etag: str, current: Any) -> None:
        super().__init__(
            message="someone changed this since you read it; here is the current version",
            code="precondition_failed",
            status=412,
            details={"etag": current_etag, "current": current},
        )


class Invalid(ParcoursError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            message=f"the change was not saved: {len(problems)} problem(s)",
            code="invalid_change",
            status=422,
            details={"problems": [p.as_dict() for p in problems]},
        )


class StorageError(ParcoursError):
    """The disk refused a write (full, read-only...): the change was undone, nothing changed."""

    def __init__(self, exc: OSError) -> None:
        full = exc.errno in {errno.ENOSPC, errno.EDQUOT}
        if full:
            reason = "the disk is full"
        elif exc.errno in {errno.EROFS, errno.EACCES, errno.EPERM}:
            reason = "the content folder is read-only"
        else:
            reason = f"the disk refused the write ({exc.strerror or 'I/O error'})"
        super().__init__(
            message=f"the change was not saved: {reason}; nothing was changed",
            code="storage_error",
            status=507 if full else 503,
            details={"errno": errno.errorcode.get(exc.errno or 0, "unknown")},
        )
