"""Starting and stopping the servers of the benchmarks, and driving wrk against them.

Shared by bench_api.py (parcours, nginx and nginx in front of parcours). Every server runs in
its own session and is stopped with its process group whatever happens (Ctrl-C, `kill`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
NGINX = "/usr/sbin/nginx"
WRK_THREADS = 2
WRK_CONNECTIONS = 16
POLL_S = 0.010
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
MIB = 1024 * 1024


class BenchError(Exception):
    """Something the benchmark needs could not run; the figures would be meaningless."""


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel picks it, so runs never collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def spawn(
    command: list[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own session so that Ctrl-C reaches us, and we stop it cleanly.

    Output goes to a file, never a pipe: a pipe nobody reads would block a logging server.
    """
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            env=None if env is None else {**os.environ, **env},
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server we started and its workers (its process group), politely then firmly."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def running(
    command: list[str], log: Path, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process that is stopped whatever happens, Ctrl-C included."""
    proc = spawn(command, log, env)
    try:
        yield proc
    finally:
        stop(proc)


def log_tail(log: Path, lines: int = 20) -> str:
    """The end of a server's log, to explain why it did not come up."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_ok(proc: subprocess.Popen[bytes], url: str, log: Path, started: float) -> float:
    """Poll `url` every 10 ms until it answers 200; seconds since `started` (perf_counter)."""
    with httpx.Client(timeout=1.0) as client:
        while True:
            if proc.poll() is not None:
                raise BenchError(f"{url}: server exited ({proc.returncode})\n{log_tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(url).status_code == 200:
                    return time.perf_counter() - started
            if time.perf_counter() - started > START_TIMEOUT_S:
                raise BenchError(f"{url}: no answer after {START_TIMEOUT_S:.0f} s\n{log_tail(log)}")
            time.sleep(POLL_S)


def parcours_command(port: int, workers: int, log_level: str, access_log: bool) -> list[str]:
    """`parcours serve` from the active environment (scripts/bench puts .venv/bin on PATH)."""
    exe = shutil.which("parcours") or str(Path(sys.executable).with_name("parcours"))
    if not Path(exe).exists():
        raise BenchError("parcours not found: run through scripts/bench or activate .venv")
    command = [exe, "serve", "--host", HOST, "--port", str(port), "--log-level", log_level]
    command += ["--access-log"] if access_log else []
    return command + (["--workers", str(workers)] if workers != 1 else [])


def nginx_command(tmp: Path, conf: Path) -> list[str]:
    """Debian's nginx with everything, even its early error log, inside the temp dir."""
    return [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)]


# --- wrk -------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    """The figures kept from one wrk run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    body_bytes: int = 0  # size of one answer's body, for MiB/s

    @property
    def mib_per_s(self) -> float:
        """Body bytes per second (headers left out), in MiB/s."""
        return self.requests_per_s * self.body_bytes / MIB

    def problems(self) -> list[str]:
        """Errors wrk counted: they make the throughput figure suspect, so they are shown."""
        found = [f"{n} non-2xx/3xx responses"] if (n := self.non_2xx_3xx) else []
        found += [f"socket errors {k} {v}" for k, v in self.socket_errors.items() if v]
        return found


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
LATENCY_RE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
REQUESTS_RE = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str, body_bytes: int = 0) -> WrkResult:
    """Figures from wrk's text report (wrk has no machine-readable output without Lua)."""
    rps = RPS_RE.search(output)
    requests = REQUESTS_RE.search(output)
    latencies = {q: float(v) * UNIT_MS[u] for q, v, u in LATENCY_RE.findall(output)}
    if not rps or not requests or set(latencies) != {"50", "99"}:
        raise BenchError(f"cannot read wrk's report:\n{output}")
    non_2xx = NON_2XX_RE.search(output)
    sockets = SOCKET_RE.search(output)
    names = ("connect", "read", "write", "timeout")
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        requests=int(requests.group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(names, map(int, sockets.groups()), strict=True)) if sockets else {},
        body_bytes=body_bytes,
    )


def run_wrk(url: str, duration: int, headers: Mapping[str, str], body_bytes: int) -> WrkResult:
    """One wrk run at the concurrency the issue's aims are stated for."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"wrk {url} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return parse_wrk(done.stdout, body_bytes)
