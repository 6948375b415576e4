"""Validation reports in the shape of the Khronos glTF-Validator's, whoever wrote them.

The safety gate and the reference validator both produce `Message`s; a `Report` merges them
and gives the verdict: a model with any error (severity 0) is never published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ERROR, WARNING, INFO, HINT = 0, 1, 2, 3
Source = Literal["gate", "khronos"]


@dataclass(frozen=True)
class Message:
    """One issue: a Khronos code (or one of ours, prefixed PARCOURS_), where and how bad."""

    code: str
    severity: int
    message: str
    pointer: str | None = None
    offset: int | None = None
    source: Source = "gate"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.offset is not None:
            out["offset"] = self.offset
        return out

    @classmethod
    def from_khronos(cls, raw: Mapping[str, Any]) -> Message:
        return cls(
            str(raw.get("code", "UNKNOWN")),
            int(raw.get("severity", ERROR)),
            str(raw.get("message", "")),
            raw.get("pointer"),
            raw.get("offset"),
            "khronos",
        )


@dataclass(frozen=True)
class Report:
    """Everything said about one file; `ok` is the publication verdict."""

    uri: str
    messages: tuple[Message, ...] = ()
    validators: tuple[str, ...] = ()
    truncated: bool = False
    info: Mapping[str, Any] = field(default_factory=dict)

    def count(self, severity: int) -> int:
        return sum(1 for m in self.messages if m.severity == severity)

    @property
    def num_errors(self) -> int:
        return self.count(ERROR)

    @property
    def ok(self) -> bool:
        return self.num_errors == 0

    @property
    def codes(self) -> set[str]:
        return {m.code for m in self.messages}

    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == ERROR]

    def merged(
        self,
        messages: Iterable[Message],
        validator: str,
        info: Mapping[str, Any] | None = None,
        truncated: bool = False,
    ) -> Report:
        return Report(
            self.uri,
            (*self.messages, *messages),
            (*self.validators, validator),
            self.truncated or truncated,
            {**self.info, **(info or {})},
        )

    def as_dict(self) -> dict[str, Any]:
        """Khronos report shape (issues.numErrors..., messages[]), plus who said what."""
        return {
            "uri": self.uri,
            "validators": list(self.validators),
            "issues": {
                "numErrors": self.count(ERROR),
                "numWarnings": self.count(WARNING),
                "numInfos": self.count(INFO),
                "numHints": self.count(HINT),
                "truncated": self.truncated,
                "messages": [m.as_dict() for m in self.messages],
            },
            "info": dict(self.info),
        }

    def summary(self) -> str:
        lines = [
            f"{self.uri}: {'OK' if self.ok else 'REFUSED'} "
            f"({self.count(ERROR)} errors, {self.count(WARNING)} warnings)"
        ]
        for m in self.messages:
            if m.severity <= WARNING:
                where = m.pointer or (f"byte {m.offset}" if m.offset is not None else "")
                label = "error" if m.severity == ERROR else "warning"
                lines.append(f"  {label} {m.code}{f' at {where}' if where else ''}: {m.message}")
        return "\n".join(lines)
