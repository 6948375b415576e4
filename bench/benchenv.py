"""What both benchmarks print about the machine, so two reports can be compared."""

from __future__ import annotations

import contextlib
import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    """The CPU the figures were measured on, as /proc/cpuinfo names it."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def tool_version(command: list[str]) -> str:
    """First line a tool prints about its version (nginx and wrk print it on stderr)."""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
        lines = (done.stdout + done.stderr).strip().splitlines()
        return lines[0] if lines else "unknown"
    return "unknown"
