"""The Khronos glTF-Validator, run as a limited Node subprocess (`validator.mjs`).

Only files that passed the safety gate get here. Whatever goes wrong with the reference (no
node, no package, timeout, crash, garbage on stdout) becomes one ERROR message with the code
`PARCOURS_REFERENCE_FAILED`: a validator that could not say "valid" never lets a file through.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import parcours

from .report import ERROR, Message

SCRIPT = Path(__file__).with_name("validator.mjs")
NODE_MODULES = Path(parcours.__file__).parent.parent / "node_modules"
FAILED = "PARCOURS_REFERENCE_FAILED"
TRUNCATED = "PARCOURS_REFERENCE_TRUNCATED"
MAX_STDOUT = 8 * 1024 * 1024  # the report, at most 200 messages; far less in practice
MAX_STDERR = 64 * 1024
OFF_HEAP_MB = 512  # file bytes, decoded buffers and the runtime, on top of the V8 heap
MAX_STACK_KB = 4096
HINT = "run `bash scripts/test` or `npm ci` in the repository"


def failure(what: str) -> Message:
    return Message(FAILED, ERROR, f"Khronos glTF-Validator failed: {what}", source="khronos")


def stack_size_kb() -> int:
    """A V8 stack that fits in the OS stack, so deep recursion is a RangeError, not a SIGSEGV."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY:
        return MAX_STACK_KB
    return max(256, min(MAX_STACK_KB, soft // 1024 // 2))


def command(path: Path, memory_mb: int) -> list[str]:
    """The node command line; raises LookupError with a readable reason when it cannot run."""
    node = shutil.which("node")
    if node is None:
        raise LookupError(f"`node` is not on PATH (Node 20 is needed; then {HINT})")
    if not (NODE_MODULES / "gltf-validator" / "package.json").is_file():
        raise LookupError(
            f"the npm package gltf-validator is not installed in {NODE_MODULES}; {HINT}"
        )
    return [
        node,
        f"--max-old-space-size={memory_mb}",
        f"--stack-size={stack_size_kb()}",
        str(SCRIPT),
        str(path),
    ]


def limiter(cpu_s: int, memory_mb: int) -> Callable[[], None]:
    """preexec_fn for the child: CPU seconds, data segment, no files written, no core dumps.

    RLIMIT_AS is not used: V8 reserves far more address space than it touches. RLIMIT_DATA
    only counts writable private memory, so it bounds the heap plus the buffers outside it.
    """
    data = (memory_mb + OFF_HEAP_MB) * 1024 * 1024

    def lower(which: int, value: int) -> None:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    def apply() -> None:
        lower(resource.RLIMIT_CPU, cpu_s)
        lower(resource.RLIMIT_DATA, data)
        lower(resource.RLIMIT_FSIZE, 0)
        lower(resource.RLIMIT_CORE, 0)

    return apply


def run_bounded(
    argv: list[str], timeout_s: float, preexec: Callable[[], None]
) -> tuple[int, bytes, bytes]:
    """Run argv, keeping at most MAX_STDOUT/MAX_STDERR bytes; raise TimeoutError or OverflowError.

    The child is in its own session and the whole group is killed on any early exit.
    More stdout than MAX_STDOUT is an error; extra stderr is read and dropped.
    """
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    # preexec_fn only calls setrlimit (no Python-level locks), so forking from a threaded
    # parent is safe enough; Python 3.11 has no other way to set limits before exec.
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=preexec,  # noqa: PLW1509
        start_new_session=True,
    )
    out, err = proc.stdout, proc.stderr
    if out is None or err is None:  # pragma: no cover - PIPE always gives both
        raise OSError("no pipes to the child")
    out_fd, err_fd = out.fileno(), err.fileno()
    kept: dict[int, bytearray] = {out_fd: bytearray(), err_fd: bytearray()}
    deadline = time.monotonic() + timeout_s
    try:
        with selectors.DefaultSelector() as selector:
            for fd in kept:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if not data:
                        selector.unregister(key.fd)
                    elif key.fd == out_fd:
                        kept[key.fd] += data
                        if len(kept[key.fd]) > MAX_STDOUT:
                            raise OverflowError
                    elif len(kept[key.fd]) < MAX_STDERR:
                        kept[key.fd] += data[: MAX_STDERR - len(kept[key.fd])]
        try:
            code = proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()
        err.close()
    return code, bytes(kept[out_fd]), bytes(kept[err_fd])


def exit_reason(code: int, stderr: bytes) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = {
            "SIGXCPU": " (CPU time limit)",
            "SIGKILL": " (CPU time or memory limit)",
            "SIGSEGV": " (native crash, e.g. stack overflow)",
        }.get(name, "")
        reason = f"killed by {name}{extra}"
    else:
        reason = f"exit code {code}"
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return f"{reason}: {' | '.join(lines[:3])[:500]}" if lines else reason


def parse(stdout: bytes) -> tuple[list[Message], dict[str, Any]]:
    """Messages and info of a Khronos report; raises ValueError when it is not one."""
    report = json.loads(stdout)
    if not isinstance(report, dict) or not isinstance(report.get("issues"), dict):
        raise ValueError("no `issues` object in the report")
    issues = report["issues"]
    raw = issues.get("messages")
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ValueError("`issues.messages` is not a list of objects")
    messages = [Message.from_khronos(m) for m in raw]
    info = report.get("info")
    info = dict(info) if isinstance(info, dict) else {}
    if isinstance(report.get("validatorVersion"), str):
        info["validatorVersion"] = report["validatorVersion"]
    num_errors = issues.get("numErrors", 0)
    if not isinstance(num_errors, int) or num_errors > sum(m.severity == ERROR for m in messages):
        raise ValueError(f"numErrors {num_errors!r} does not match the messages")
    if issues.get("truncated"):
        # The validator stops at maxIssues: errors it would have found later are never reported.
        text = (
            f"report truncated after {len(messages)} issues: the rest of the file was not checked"
        )
        messages.append(Message(TRUNCATED, ERROR, text, source="khronos"))
    return messages, info


def run_reference(
    path: Path, *, timeout_s: float = 60, memory_mb: int = 1024
) -> tuple[list[Message], dict[str, Any]]:
    """Khronos messages and report `info` for one .gltf/.glb (its resources beside it)."""
    try:
        argv = command(path, memory_mb)
    except LookupError as exc:
        return [failure(str(exc))], {}
    cpu_s = max(1, math.ceil(timeout_s))
    try:
        code, stdout, stderr = run_bounded(argv, timeout_s, limiter(cpu_s, memory_mb))
    except TimeoutError:
        return [failure(f"no answer within {timeout_s:g} s (killed)")], {}
    except OverflowError:
        return [failure(f"more than {MAX_STDOUT} bytes of output (killed)")], {}
    except (OSError, subprocess.SubprocessError) as exc:
        return [failure(f"cannot start node: {exc}")], {}
    if code != 0:
        return [failure(exit_reason(code, stderr))], {}
    try:
        return parse(stdout)
    except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        return [failure(f"unreadable report ({exc}); output began {stdout[:80]!r}")], {}
