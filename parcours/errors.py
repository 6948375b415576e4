"""The ParcoursError family: every failure a user can cause, with a code, a status and a hint.

The core raises these; the web layer turns them into the one JSON error shape (or a friendly
page), the CLI prints them. None of them carries a traceback to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class ParcoursError(Exception):
    """Base of all user-facing errors: a stable code, an HTTP status and a safe message."""

    message: str
    code: str = "error"
    status: int = 500
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class CatalogueInvalid(ParcoursError):
    """The content files hold problems: all of them are listed, never just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(
            message=f"the catalogue has {count} problem{'s' if count != 1 else ''}",
            code="catalogue_invalid",
            status=422,
            details={"problems": [p.as_dict() for p in self.problems]},
        )

    def report(self) -> str:
        return "\n".join([*(str(p) for p in self.problems), f"{self.message}."])


class BadParameter(ParcoursError):
    """A query parameter that cannot be understood: says which one and why."""

    def __init__(self, name: str, reason: str, **details: Any) -> None:
        super().__init__(
            message=f"parameter '{name}': {reason}",
            code="bad_parameter",
            status=400,
            details={"parameter": name, **details},
        )


class NotFound(ParcoursError):
    """Something named in the URL does not exist; suggestions help the caller recover."""

    def __init__(self, what: str, ident: str, suggestions: Sequence[str] = ()) -> None:
        message = f"no {what} with id '{ident}'"
        if suggestions:
            message += f"; did you mean {', '.join(repr(s) for s in suggestions)}?"
        super().__init__(
            message=message,
            code=f"unknown_{what}",
            status=404,
            details={"id": ident, "suggestions": list(suggestions)},
        )
