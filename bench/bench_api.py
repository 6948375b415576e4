"""Benchmark for issue "API speed": parcours against nginx serving the very same bytes.

A report, not a test: it prints throughput and latency of three hot API answers (the site
list, one site, and a 304 revalidation of the list), the startup time, and whether the aims of
the issue are met. nginx serving static copies of the answers is the yardstick: it shows what
this machine can do at all, so the ratio stays meaningful across machines.

Exit status: 0 when every measurement ran (even if aims are missed), 1 when something could
not run (a server did not start, wrk or nginx missing or failing, a 304 not answered as such).

Run through `bash scripts/bench` (installs nginx and wrk); see bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from benchenv import cpu_model, tool_version

HOST = "127.0.0.1"
LIST_PATH = "/api/sites?lang=en"
SITE_SLUG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"
SITE_PATH = f"/api/sites/{SITE_SLUG}?lang=en"
HEALTH_PATH = "/-/health"
NGINX = "/usr/sbin/nginx"
WRK_THREADS = 2
WRK_CONNECTIONS = 16
POLL_S = 0.010
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0

# Aims stated in the issue.
AIM_RATIO = 0.3
AIM_P99_MS = 10.0
AIM_STARTUP_S = 1.0


class BenchError(Exception):
    """Something the benchmark needs could not run; the figures would be meaningless."""


@dataclass(frozen=True)
class Scenario:
    """One wrk run per server: what to ask, and which header to send."""

    name: str
    path: str
    revalidate: bool = False  # send If-None-Match with the server's own ETag


SCENARIOS = (
    Scenario("list", LIST_PATH),
    Scenario("site", SITE_PATH),
    Scenario("304", LIST_PATH, revalidate=True),
)


@dataclass
class WrkResult:
    """The figures kept from one wrk run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Errors wrk counted: they make the throughput figure suspect, so they are shown."""
        found = [f"{n} non-2xx/3xx responses"] if (n := self.non_2xx_3xx) else []
        found += [f"socket errors {k} {v}" for k, v in self.socket_errors.items() if v]
        return found


@dataclass
class Body:
    """An answer fetched from parcours, to be served byte for byte by nginx."""

    path: str
    content: bytes
    etag: str


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel picks it, so runs never collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def spawn(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server in its own session so that Ctrl-C reaches us, and we stop it cleanly.

    Output goes to a file, never a pipe: a pipe nobody reads would block a logging server.
    """
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
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
def running(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process that is stopped whatever happens, Ctrl-C included."""
    proc = spawn(command, log)
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


# --- nginx -----------------------------------------------------------------------------------


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {access_log};
    types {{ }}
    default_type application/json;
    etag on;
    keepalive_requests 1000000;  # as uvicorn: never close a busy keep-alive connection
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen {host}:{port};
        root {tmp}/www;
        location = /api/sites {{ try_files /list.json =404; }}
        location = /api/sites/{slug} {{ try_files /site.json =404; }}
    }}
}}
"""


def write_nginx_site(
    tmp: Path, bodies: dict[str, Body], port: int, workers: int, log: bool
) -> Path:
    """Static copies of the answers and a config mapping the same URLs to them.

    Exact-match locations keep the URLs identical for both servers (the query string is
    ignored by static serving); `types {}` makes every answer application/json.
    """
    www = tmp / "www"
    www.mkdir()
    (www / "list.json").write_bytes(bodies["list"].content)
    (www / "site.json").write_bytes(bodies["site"].content)
    # nginx workers run as nobody when started by root: they must be able to read the files.
    for path in (tmp, www, www / "list.json", www / "site.json"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            workers=workers,
            tmp=tmp,
            host=HOST,
            port=port,
            slug=SITE_SLUG,
            access_log=f"{tmp}/nginx-access.log" if log else "off",
        )
    )
    return conf


def nginx_command(tmp: Path, conf: Path) -> list[str]:
    """Debian's nginx with everything, even its early error log, inside the temp dir."""
    return [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)]


# --- HTTP checks -----------------------------------------------------------------------------


def fetch(client: httpx.Client, base: str, path: str) -> Body:
    """The exact identity-encoded bytes and ETag a server sends for `path`."""
    response = client.get(base + path, headers={"Accept-Encoding": "identity"})
    if response.status_code != 200:
        raise BenchError(f"GET {base}{path}: {response.status_code}")
    etag = response.headers.get("etag")
    if not etag:
        raise BenchError(f"GET {base}{path}: no ETag")
    return Body(path, response.content, etag)


def check_304(client: httpx.Client, base: str, path: str, etag: str) -> None:
    """The 304 scenario is only meaningful if the server really revalidates."""
    headers = {"If-None-Match": etag, "Accept-Encoding": "identity"}
    status = client.get(base + path, headers=headers).status_code
    if status != 304:
        raise BenchError(f"GET {base}{path} with If-None-Match {etag}: {status}, not 304")


# --- wrk -------------------------------------------------------------------------------------


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
LATENCY_RE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
REQUESTS_RE = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> WrkResult:
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
    )


def run_wrk(url: str, duration: int, headers: dict[str, str]) -> WrkResult:
    """One wrk run at the concurrency the issue's aims are stated for."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"wrk {url} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return parse_wrk(done.stdout)


# --- report ----------------------------------------------------------------------------------


def server_version(command: list[str]) -> str:
    """nginx and wrk version lines, without their copyright notices."""
    first = tool_version(command)
    return first.removeprefix("nginx version: ").partition(" Copyright")[0]


def environment(server_versions: dict[str, Any]) -> dict[str, Any]:
    """What a reader needs to compare two reports: when, on what, with which versions."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "parcours": server_versions.get("parcours", "unknown"),
        "nginx": server_version([NGINX, "-v"]),
        "wrk": server_version(["wrk", "-v"]),
    }


def ratio(row: dict[str, WrkResult]) -> float:
    """parcours throughput as a share of nginx's on the same answer (nan if nginx did none)."""
    reference = row["nginx"].requests_per_s
    return row["parcours"].requests_per_s / reference if reference else float("nan")


def aims(startup_s: float, rows: dict[str, dict[str, WrkResult]]) -> list[tuple[str, bool]]:
    """The issue's aims, each with whether this run meets it."""
    ratio_ok = all(ratio(row) >= AIM_RATIO for row in rows.values())
    p99_ok = all(r["parcours"].p99_ms < AIM_P99_MS for r in rows.values())
    return [
        (f"parcours/nginx req/s ratio >= {AIM_RATIO} for all scenarios", ratio_ok),
        (f"parcours p99 < {AIM_P99_MS:g} ms at {WRK_CONNECTIONS} concurrent clients", p99_ok),
        (f"startup to first answer < {AIM_STARTUP_S:g} s", startup_s < AIM_STARTUP_S),
    ]


def format_table(rows: dict[str, dict[str, WrkResult]]) -> str:
    """One line per scenario, parcours next to nginx."""
    head = (
        f"{'scenario':<8} | {'parcours req/s':>14} | {'nginx req/s':>11} | {'ratio':>5} | "
        f"{'parcours p50 ms':>15} | {'p99 ms':>7} | {'nginx p50':>9} | {'p99':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, row in rows.items():
        ours, ref = row["parcours"], row["nginx"]
        lines.append(
            f"{name:<8} | {ours.requests_per_s:>14.0f} | {ref.requests_per_s:>11.0f} | "
            f"{ratio(row):>5.2f} | {ours.p50_ms:>15.2f} | "
            f"{ours.p99_ms:>7.2f} | {ref.p50_ms:>9.2f} | {ref.p99_ms:>7.2f}"
        )
    return "\n".join(lines)


def report(
    env: dict[str, Any],
    args: argparse.Namespace,
    startup_s: float,
    bodies: dict[str, Body],
    rows: dict[str, dict[str, WrkResult]],
) -> dict[str, Any]:
    """Print the report; return the same figures for --json."""
    print()
    for key, value in env.items():
        print(f"{key + ':':<10} {value}")
    print(f"{'workers:':<10} {args.workers} (parcours and nginx)")
    load = f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.duration}s"
    print(f"{'load:':<10} {load}, on the same machine as the servers")
    for name, body in bodies.items():
        print(f"body {name:<5} {len(body.content)} bytes  ({body.path})")
    print(f"\nstartup to first answer: {startup_s * 1000:.0f} ms\n")
    print(format_table(rows))
    for name, row in rows.items():
        for server, result in row.items():
            for problem in result.problems():
                print(f"WARNING {name} {server}: {problem}")
    checked = aims(startup_s, rows)
    print('\naims (issue "API speed"):')
    for text, ok in checked:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")
    return {
        "environment": env,
        "workers": args.workers,
        "duration_s": args.duration,
        "log_level": args.log_level,
        "wrk": {"threads": WRK_THREADS, "connections": WRK_CONNECTIONS},
        "startup_s": startup_s,
        "bodies": {n: {"path": b.path, "bytes": len(b.content)} for n, b in bodies.items()},
        "scenarios": {
            name: {
                **{server: asdict(result) for server, result in row.items()},
                "ratio": ratio(row),
            }
            for name, row in rows.items()
        },
        "aims": [{"aim": text, "pass": ok} for text, ok in checked],
    }


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Options; the load itself (-t2 -c16) is fixed because the aims are stated for it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes for parcours and nginx (1)"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="parcours --log-level (info)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="both servers log every request (parcours --access-log, nginx to a file); off by "
        "default in both, so the comparison stays fair",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.workers < 1:
        parser.error("--duration and --workers must be at least 1")
    return args


def preflight() -> None:
    """Missing tools are found before half a minute is spent starting servers."""
    if not shutil.which("wrk"):
        raise BenchError("wrk not found: run through scripts/bench (installs wrk)")
    if not Path(NGINX).exists():
        raise BenchError(f"{NGINX} not found: run through scripts/bench (installs nginx-light)")


def start_parcours(
    stack: contextlib.ExitStack, args: argparse.Namespace, tmp: Path
) -> tuple[str, float]:
    """parcours on a free port; its base URL and seconds from process start to first answer."""
    port = free_port()
    log = tmp / "parcours.log"
    command = parcours_command(port, args.workers, args.log_level, args.access_log)
    started = time.perf_counter()
    proc = stack.enter_context(running(command, log))
    base = f"http://{HOST}:{port}"
    startup_s = wait_until_ok(proc, base + HEALTH_PATH, log, started)
    print(f"parcours: first answer after {startup_s * 1000:.0f} ms", file=sys.stderr)
    return base, startup_s


def start_nginx(
    stack: contextlib.ExitStack, args: argparse.Namespace, tmp: Path, bodies: dict[str, Body]
) -> str:
    """nginx on a free port serving `bodies`; its base URL once it answers."""
    port = free_port()
    log_requests = args.access_log
    conf = write_nginx_site(tmp, bodies, port, args.workers, log_requests)
    proc = stack.enter_context(running(nginx_command(tmp, conf), tmp / "nginx.out"))
    base = f"http://{HOST}:{port}"
    wait_until_ok(proc, base + LIST_PATH, tmp / "nginx-error.log", time.perf_counter())
    return base


def check_same_bytes(client: httpx.Client, nginx_url: str, bodies: dict[str, Body]) -> str:
    """nginx must send exactly what parcours sends, or the comparison is off; its list ETag."""
    served = {name: fetch(client, nginx_url, body.path) for name, body in bodies.items()}
    for name, body in bodies.items():
        if served[name].content != body.content:
            raise BenchError(f"nginx does not serve the same bytes as parcours for {body.path}")
    return served["list"].etag


def measure(
    bases: dict[str, str], etags: dict[str, str], duration: int
) -> dict[str, dict[str, WrkResult]]:
    """Every scenario against parcours then nginx, one after the other (never both at once)."""
    rows: dict[str, dict[str, WrkResult]] = {}
    for scenario in SCENARIOS:
        rows[scenario.name] = {}
        for server, base in bases.items():
            print(f"wrk {scenario.name} {server} ({duration} s)", file=sys.stderr)
            headers = {"If-None-Match": etags[server]} if scenario.revalidate else {}
            rows[scenario.name][server] = run_wrk(base + scenario.path, duration, headers)
    return rows


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start both servers, check they answer alike, measure; both are stopped on the way out."""
    preflight()
    with contextlib.ExitStack() as stack:
        parcours_url, startup_s = start_parcours(stack, args, tmp)
        client = stack.enter_context(httpx.Client(timeout=5.0))
        bodies = {s.name: fetch(client, parcours_url, s.path) for s in SCENARIOS[:2]}
        versions = client.get(parcours_url + "/-/version").json()
        nginx_url = start_nginx(stack, args, tmp, bodies)
        etags = {
            "parcours": bodies["list"].etag,
            "nginx": check_same_bytes(client, nginx_url, bodies),
        }
        bases = {"parcours": parcours_url, "nginx": nginx_url}
        for server, base in bases.items():
            check_304(client, base, LIST_PATH, etags[server])
        rows = measure(bases, etags, args.duration)
    return report(environment(versions), args, startup_s, bodies, rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 whenever it produced a report, missed aims included."""
    args = parse_args(argv)
    # A plain `kill` should stop the servers too: turn SIGTERM into an exception.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
            figures = bench(args, Path(tmp))
    except (BenchError, httpx.HTTPError, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
