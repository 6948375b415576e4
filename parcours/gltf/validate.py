"""Validate one glTF file: the safety gate first, then (only if it passed) the Khronos reference."""

from __future__ import annotations

from pathlib import Path

from . import gate
from .gate import GateLimits
from .reference import TRUNCATED, run_reference
from .report import Report


def validate_file(
    path: Path,
    limits: GateLimits | None = None,
    *,
    timeout_s: float = 60,
    memory_mb: int = 1024,
) -> Report:
    """The merged report; a file the gate refuses never reaches the reference validator."""
    gate_report = gate.check(path, limits or GateLimits())
    if not gate_report.ok:
        return gate_report
    messages, info = run_reference(path, timeout_s=timeout_s, memory_mb=memory_mb)
    # The gate found these external URIs unused and never lets them be fetched; the JS
    # validator, unlike its CLI, cannot skip them and reports IO_ERROR: not a model error.
    unfetched = set(gate_report.info.get("unfetched", ()))
    messages = [m for m in messages if not (m.code == "IO_ERROR" and m.pointer in unfetched)]
    version = info.get("validatorVersion") or "unknown"
    return gate_report.merged(
        messages,
        f"khronos-gltf-validator {version}",
        info,
        truncated=any(m.code == TRUNCATED for m in messages),
    )
