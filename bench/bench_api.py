"""Benchmark: parcours against nginx serving the very same bytes, one and two workers.

A report, not a test. For the hottest answers (the site list and a site as JSON, a site's HTML
page, a 304 revalidation, a small phone model, its 304, and a large model of several MB) it
measures requests/s, MiB/s and latency of parcours and of nginx serving static copies of the
same bytes, with one then two worker processes each; then the production modes of
deploy/parcours-media.conf, nginx in front of parcours, against nginx alone on the same file:
the static mount (`parcours build` links the published blobs in `<build>/public/media/`, nginx
sends them and asks parcours for any other name) and `X-Accel-Redirect` alone (the same
configuration with an empty mount: parcours answers every request and nginx sends the file).
It prints the environment, the tables, and the aims of the issues, each PASS or MISS.

Exit status: 0 when every measurement ran (even if aims are missed), 1 when something could
not run (a server did not start, wrk or nginx missing or failing, a 304 not answered as such).

Run through `bash scripts/bench` (installs nginx and wrk); see bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from benchenv import cpu_model, tool_version
from largemodel import write_terril
from servers import (
    HOST,
    MIB,
    NGINX,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    WrkResult,
    free_port,
    nginx_command,
    parcours_command,
    run_wrk,
    running,
    wait_until_ok,
)

from parcours.assets import read_narrations
from parcours.published import published_blobs, sync_public_media
from parcours.settings import BUNDLED_ROOT, settings_from_env

MEDIA_CONF = BUNDLED_ROOT / "deploy" / "parcours-media.conf"

LIST_PATH = "/api/sites?lang=en"
SITE_SLUG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"
SITE_PATH = f"/api/sites/{SITE_SLUG}?lang=en"
PAGE_PATH = f"/sites/{SITE_SLUG}?lang=en"
HEALTH_PATH = "/-/health"
ACCEL_PREFIX = "/_blobs/"
LARGE_RECORD = "_bench-large-model"

# Aims stated in the issues ("API speed"; "fast serving; a production deployment").
AIM_RATIO = 0.3  # req/s against nginx: JSON, 304s, small model (one worker)
AIM_LARGE = 0.5  # MiB/s against nginx: large model (one worker)
AIM_MOUNT = 0.9  # production mode (nginx in front, static mount) against nginx alone
AIM_P99_MS = 10.0
AIM_STARTUP_S = 1.0


@dataclass(frozen=True)
class Scenario:
    """One wrk run per server: what to ask, and whether to revalidate with the server's ETag."""

    name: str
    label: str
    revalidate: bool = False
    accel: bool = False  # also measured through nginx in front of parcours (production modes)
    ratio_aim: float | None = None  # req/s ratio aimed at (one worker)
    mib_aim: float | None = None  # MiB/s ratio aimed at (one worker)
    p99_aim: bool = False


SCENARIOS = (
    Scenario("list", "JSON: site list", ratio_aim=AIM_RATIO, p99_aim=True),
    Scenario("site", "JSON: one site", ratio_aim=AIM_RATIO, p99_aim=True),
    Scenario("page", "HTML: a site's page"),
    Scenario("304", "304: site list", revalidate=True, ratio_aim=AIM_RATIO, p99_aim=True),
    Scenario("model-s", "small model (phone GLB)", accel=True, ratio_aim=AIM_RATIO),
    Scenario("model-s-304", "304: small model", revalidate=True, ratio_aim=AIM_RATIO),
    Scenario("model-l", "large model (GLB)", accel=True, mib_aim=AIM_LARGE),
)
BY_NAME = {s.name: s for s in SCENARIOS}


@dataclass
class Body:
    """An answer fetched from parcours, to be served byte for byte by nginx."""

    path: str
    content: bytes
    etag: str
    media_type: str


Rows = dict[str, dict[str, WrkResult]]  # scenario -> server -> figures


# --- the content: a copy of the build with a large model added ---------------------------------


def prepare_build(tmp: Path, side: int) -> tuple[Path, str, int]:
    """A copy of the build folder with a generated large GLB published as a blob.

    The blob is stored like every other (`blobs/<2 hex>/<sha256>.glb`) and listed in the
    manifest under a record of its own, so `/media/` serves it as it serves a built variant.
    Files are made world-readable: nginx's workers run as `nobody` when started by root.
    """
    source = settings_from_env().build_path
    if not (source / "manifest.json").is_file():
        raise BenchError(f"no build in {source}: run `parcours build` first")
    build = tmp / "build"
    shutil.copytree(source / "blobs", build / "blobs")
    for name in ("narrations.json",):
        if (source / name).is_file():
            shutil.copy2(source / name, build / name)
    for name in ("cache", "narrations"):
        if (source / name).is_dir():
            (build / name).symlink_to(source / name)
    large = tmp / "terril.glb"
    size = write_terril(large, side)
    digest = hashlib.sha256(large.read_bytes()).hexdigest()
    blob = f"{digest}.glb"
    (build / "blobs" / digest[:2]).mkdir(exist_ok=True)
    large.replace(build / "blobs" / digest[:2] / blob)
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest.setdefault("assets", {})[LARGE_RECORD] = {
        "published": True,
        "variants": {"original": {"blob": blob, "bytes": size, "media_type": "model/gltf-binary"}},
    }
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # As `parcours build` does: the static mount of the production mode.
    narrations = read_narrations(settings_from_env({"PARCOURS_BUILD_DIR": str(build)}))
    sync_public_media(build, published_blobs(manifest["assets"], narrations))
    for path in (tmp, build, *build.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return build, blob, size


# --- nginx -------------------------------------------------------------------------------------

MEDIA_HEADERS_NGINX = """\
            add_header Cache-Control "public, max-age=31536000, immutable";
            add_header Access-Control-Allow-Origin "*";
            add_header X-Content-Type-Options nosniff;"""

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
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;  # as uvicorn: never close a busy keep-alive connection
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # nginx alone: static copies of parcours's answers, and the blobs themselves.
    server {{
        listen {host}:{port};
        root {tmp}/www;
        location = /api/sites {{ try_files /list.json =404; }}
        location = /api/sites/{slug} {{ try_files /site.json =404; }}
        location = /sites/{slug} {{
            default_type "text/html; charset=utf-8";
            try_files /page.html =404;
        }}
        location ~ "^/media/(([0-9a-f]{{2}})[0-9a-f]{{62}}\\.[a-z0-9]{{1,8}})$" {{
            types {{ model/gltf-binary glb; }}
            default_type application/octet-stream;
            alias {build}/blobs/$2/$1;
{media_headers}
        }}
    }}
    # Production modes: nginx in front of parcours, with deploy/parcours-media.conf.
    upstream parcours_accel {{
        server {host}:{upstream_port};
        keepalive 32;
    }}
{fronts}}}
"""


FRONT = """\
    server {{
        listen {host}:{port};
        location /media/ {{
            proxy_pass http://parcours_accel;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }}
        location @parcours {{
            proxy_pass http://parcours_accel;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }}
        include {media_conf};
    }}
"""


def write_fronts(tmp: Path, build: Path, ports: dict[str, int]) -> str:
    """The front servers: `mount` serves the build's public folder, `accel` an empty one."""
    text = MEDIA_CONF.read_text(encoding="utf-8").replace("@BLOBS@", str(build / "blobs"))
    fronts = []
    for name, public in (("mount", build / "public"), ("accel", tmp / "empty-public")):
        public.mkdir(exist_ok=True)
        conf = tmp / f"media-{name}.conf"
        conf.write_text(text.replace("@PUBLIC@", str(public)), encoding="utf-8")
        fronts.append(FRONT.format(host=HOST, port=ports[name], media_conf=conf))
    return "".join(fronts)


def write_nginx_site(
    tmp: Path,
    build: Path,
    bodies: dict[str, Body],
    ports: dict[str, int],
    workers: int,
    log: bool,
) -> Path:
    """Static copies of the answers and a config mapping the same URLs to them."""
    www = tmp / "www"
    www.mkdir(exist_ok=True)
    for name in ("list", "site", "page"):
        (www / f"{name}.json" if name != "page" else www / "page.html").write_bytes(
            bodies[name].content
        )
    for path in (tmp, www, *www.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    conf = tmp / f"nginx-{workers}.conf"
    conf.write_text(
        NGINX_CONF.format(
            workers=workers,
            tmp=tmp,
            build=build,
            host=HOST,
            port=ports["nginx"],
            upstream_port=ports["upstream"],
            fronts=write_fronts(tmp, build, ports),
            slug=SITE_SLUG,
            media_headers=MEDIA_HEADERS_NGINX,
            access_log=f"{tmp}/nginx-access.log" if log else "off",
        )
    )
    return conf


# --- HTTP checks -----------------------------------------------------------------------------


def fetch(client: httpx.Client, base: str, path: str) -> Body:
    """The exact identity-encoded bytes and ETag a server sends for `path`."""
    response = client.get(base + path, headers={"Accept-Encoding": "identity"})
    if response.status_code != 200:
        raise BenchError(f"GET {base}{path}: {response.status_code}")
    etag = response.headers.get("etag")
    if not etag:
        raise BenchError(f"GET {base}{path}: no ETag")
    return Body(path, response.content, etag, response.headers.get("content-type", ""))


def check_304(client: httpx.Client, base: str, path: str, etag: str) -> None:
    """A 304 scenario is only meaningful if the server really revalidates."""
    headers = {"If-None-Match": etag, "Accept-Encoding": "identity"}
    status = client.get(base + path, headers=headers).status_code
    if status != 304:
        raise BenchError(f"GET {base}{path} with If-None-Match {etag}: {status}, not 304")


#: Headers nginx sets itself when it sends the file (the others are parcours's decision).
NGINX_OWN = {"date", "server", "content-length", "x-accel-redirect", "x-content-type-options"}


#: Servers of the production modes, measured on the media only.
FRONTS = ("mount", "accel")
#: Headers parcours decides on /media/, which the static mount must send alike.
MOUNT_HEADERS = (
    "content-type",
    "cache-control",
    "access-control-allow-origin",
    "access-control-expose-headers",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
)


def check_mount(client: httpx.Client, parcours: str, front: str, body: Body) -> None:
    """nginx sends a published blob from the static mount, with the headers parcours sends."""
    served = client.get(front + body.path, headers={"Accept-Encoding": "identity"})
    if served.status_code != 200 or served.content != body.content:
        raise BenchError(f"the static mount does not send the bytes of {body.path}")
    direct = client.get(parcours + body.path, headers={"Accept-Encoding": "identity"})
    lost = {
        k: served.headers.get(k)
        for k in MOUNT_HEADERS
        if served.headers.get(k) != direct.headers.get(k)
    }
    if lost:
        raise BenchError(
            f"the static mount sends other headers than parcours on {body.path}: {lost}"
        )


def check_accel(client: httpx.Client, upstream: str, front: str, body: Body) -> None:
    """parcours answers X-Accel-Redirect, and nginx in front sends the very same file."""
    direct = client.get(upstream + body.path)
    redirect = direct.headers.get("x-accel-redirect", "")
    if direct.status_code != 200 or not redirect.startswith(ACCEL_PREFIX) or direct.content:
        raise BenchError(
            f"parcours with PARCOURS_ACCEL_REDIRECT={ACCEL_PREFIX} answered {body.path} with "
            f"{direct.status_code}, X-Accel-Redirect {redirect!r}, {len(direct.content)} bytes"
        )
    served = client.get(front + body.path, headers={"Accept-Encoding": "identity"})
    if served.status_code != 200 or served.content != body.content:
        raise BenchError(f"nginx + X-Accel-Redirect does not send the bytes of {body.path}")
    decided = {k: v for k, v in direct.headers.items() if k not in NGINX_OWN}
    lost = {k: v for k, v in decided.items() if served.headers.get(k) != v}
    if lost or served.headers.get("etag") != body.etag:
        raise BenchError(f"nginx + X-Accel-Redirect lost parcours's headers on {body.path}: {lost}")


# --- measuring -------------------------------------------------------------------------------


def media_paths(client: httpx.Client, base: str, large_blob: str) -> dict[str, str]:
    """The small model is the phone variant of the benchmark's site, as its document links it."""
    site = client.get(base + SITE_PATH).json()
    phone = next(
        (a["variants"]["phone"]["url"] for a in site.get("assets", []) if "phone" in a["variants"]),
        None,
    )
    if phone is None:
        raise BenchError(f"{SITE_SLUG} has no phone variant: run `parcours build`")
    return {"model-s": phone, "model-s-304": phone, "model-l": f"/media/{large_blob}"}


def start_parcours(
    stack: contextlib.ExitStack,
    args: argparse.Namespace,
    tmp: Path,
    workers: int,
    env: dict[str, str],
    label: str,
    port: int | None = None,
) -> tuple[str, float]:
    """parcours on a free port; its base URL and seconds from process start to first answer."""
    port = port or free_port()
    log = tmp / f"parcours-{label}-{workers}.log"
    command = parcours_command(port, workers, args.log_level, args.access_log)
    started = time.perf_counter()
    proc = stack.enter_context(running(command, log, env))
    base = f"http://{HOST}:{port}"
    startup_s = wait_until_ok(proc, base + HEALTH_PATH, log, started)
    print(
        f"parcours ({label}, {workers} worker(s)): up after {startup_s * 1000:.0f} ms",
        file=sys.stderr,
    )
    return base, startup_s


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The run with the median throughput (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r.requests_per_s)[(len(runs) - 1) // 2]


def measure_config(
    args: argparse.Namespace, tmp: Path, build: Path, large_blob: str, workers: int
) -> tuple[float, dict[str, Body], Rows]:
    """Every scenario with `workers` processes per server; the servers stop on the way out."""
    env = {"PARCOURS_BUILD_DIR": str(build), **dict(args.env)}
    with contextlib.ExitStack() as stack:
        parcours_url, startup_s = start_parcours(stack, args, tmp, workers, env, "direct")
        client = stack.enter_context(httpx.Client(timeout=30.0))
        paths = {"list": LIST_PATH, "site": SITE_PATH, "page": PAGE_PATH, "304": LIST_PATH}
        paths |= media_paths(client, parcours_url, large_blob)
        bodies = {name: fetch(client, parcours_url, path) for name, path in paths.items()}
        ports = {name: free_port() for name in ("nginx", "mount", "accel", "upstream")}
        if args.accel:
            accel_env = {**env, "PARCOURS_ACCEL_REDIRECT": ACCEL_PREFIX}
            start_parcours(stack, args, tmp, workers, accel_env, "accel", ports["upstream"])
        conf = write_nginx_site(tmp, build, bodies, ports, workers, args.access_log)
        log = tmp / f"nginx-{workers}.out"
        proc = stack.enter_context(running(nginx_command(tmp, conf), log))
        bases = {"parcours": parcours_url, "nginx": f"http://{HOST}:{ports['nginx']}"}
        wait_until_ok(
            proc, bases["nginx"] + LIST_PATH, tmp / "nginx-error.log", time.perf_counter()
        )
        etags: dict[str, dict[str, str]] = {server: {} for server in bases}
        for name, body in bodies.items():
            served = fetch(client, bases["nginx"], body.path)
            if served.content != body.content:
                raise BenchError(f"nginx does not serve the same bytes as parcours for {body.path}")
            etags["parcours"][name], etags["nginx"][name] = body.etag, served.etag
        for server, base in bases.items():
            for scenario in SCENARIOS:
                if scenario.revalidate:
                    check_304(
                        client, base, bodies[scenario.name].path, etags[server][scenario.name]
                    )
        if args.accel:
            bases["mount"] = f"http://{HOST}:{ports['mount']}"
            bases["accel"] = f"http://{HOST}:{ports['accel']}"
            upstream = f"http://{HOST}:{ports['upstream']}"
            for scenario in SCENARIOS:
                if scenario.accel:
                    check_accel(client, upstream, bases["accel"], bodies[scenario.name])
                    check_mount(client, parcours_url, bases["mount"], bodies[scenario.name])
        rows: Rows = {}
        for scenario in SCENARIOS:
            body = bodies[scenario.name]
            size = 0 if scenario.revalidate else len(body.content)
            servers = [s for s in bases if s not in FRONTS or scenario.accel]
            runs: dict[str, list[WrkResult]] = {server: [] for server in servers}
            # Servers take turns, so that a change in the machine's load hits each alike.
            for turn in range(args.repeat):
                for server in servers:
                    print(
                        f"wrk {scenario.name} {server} x{workers} ({args.duration} s, "
                        f"{turn + 1}/{args.repeat})",
                        file=sys.stderr,
                    )
                    headers = (
                        {"If-None-Match": etags[server][scenario.name]}
                        if scenario.revalidate
                        else {}
                    )
                    url = bases[server] + body.path
                    runs[server].append(run_wrk(url, args.duration, headers, size))
            rows[scenario.name] = {server: median_run(found) for server, found in runs.items()}
    return startup_s, bodies, rows


# --- report ----------------------------------------------------------------------------------


def server_version(command: list[str]) -> str:
    """nginx and wrk version lines, without their copyright notices."""
    first = tool_version(command)
    return first.removeprefix("nginx version: ").partition(" Copyright")[0]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def environment(parcours_version: str, load_before: str) -> dict[str, Any]:
    """What a reader needs to compare two reports: when, on what, with which versions."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "parcours": parcours_version,
        "nginx": server_version([NGINX, "-v"]),
        "wrk": server_version(["wrk", "-v"]),
        "load average": f"{load_before} before, {load_average()} after (1, 5, 15 min)",
    }


def share(ours: WrkResult, ref: WrkResult) -> float:
    """Our throughput as a share of nginx's (the same for req/s and MiB/s on the same body)."""
    return ours.requests_per_s / ref.requests_per_s if ref.requests_per_s else float("nan")


def size_text(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n / 1024:.1f} KB"


def format_table(rows: Rows, bodies: dict[str, Body]) -> str:
    """One line per scenario, parcours next to nginx, then the production modes."""
    head = (
        f"{'scenario':<12} {'body':>9} | {'parcours/s':>10} {'nginx/s':>9} {'ratio':>5} | "
        f"{'MiB/s ours':>10} {'nginx':>7} | {'p50/p99 ms ours':>15} | {'nginx':>11} | "
        f"{'mount/s':>8} {'MiB/s':>7} {'/nginx':>6} | {'accel/s':>8} {'MiB/s':>7} {'/nginx':>6}"
    )
    lines = [head, "-" * len(head)]
    for name, row in rows.items():
        ours, ref = row["parcours"], row["nginx"]
        size = "304" if BY_NAME[name].revalidate else size_text(len(bodies[name].content))
        mib = (
            f"{ours.mib_per_s:>10.0f} {ref.mib_per_s:>7.0f}"
            if ours.body_bytes > 50_000
            else f"{'':>18}"
        )
        latency = f"{ours.p50_ms:.2f}/{ours.p99_ms:.2f}"
        ref_latency = f"{ref.p50_ms:.2f}/{ref.p99_ms:.2f}"
        line = (
            f"{name:<12} {size:>9} | {ours.requests_per_s:>10.0f} {ref.requests_per_s:>9.0f} "
            f"{share(ours, ref):>5.2f} | {mib} | {latency:>15} | {ref_latency:>11} |"
        )
        for front in FRONTS:
            if front in row:
                got = row[front]
                line += (
                    f" {got.requests_per_s:>8.0f} {got.mib_per_s:>7.0f} {share(got, ref):>6.2f} |"
                )
        lines.append(line)
    return "\n".join(lines)


def aims(startup_s: float, rows: Rows) -> list[tuple[str, bool]]:
    """The issues' aims (stated for one worker), each with whether this run meets it."""
    checked: list[tuple[str, bool]] = []

    def aim(text: str, value: float, floor: float) -> None:
        checked.append((f"{text} >= {floor}x ({value:.3f}x)", value >= floor))

    for name, row in rows.items():
        scenario = BY_NAME[name]
        ratio = share(row["parcours"], row["nginx"])
        if scenario.ratio_aim is not None:
            aim(f"{name}: parcours req/s against nginx", ratio, scenario.ratio_aim)
        if scenario.mib_aim is not None:
            aim(f"{name}: parcours MiB/s against nginx", ratio, scenario.mib_aim)
        if "mount" in row:
            aim(
                f"{name}: production mode (nginx in front, static mount) against nginx alone",
                share(row["mount"], row["nginx"]),
                AIM_MOUNT,
            )
    worst = max(row["parcours"].p99_ms for name, row in rows.items() if BY_NAME[name].p99_aim)
    p99 = f"JSON and 304: parcours p99 < {AIM_P99_MS:g} ms at {WRK_CONNECTIONS} clients"
    checked.append((f"{p99} ({worst:.2f} ms)", worst < AIM_P99_MS))
    startup = f"startup to first answer < {AIM_STARTUP_S:g} s ({startup_s:.2f} s)"
    checked.append((startup, startup_s < AIM_STARTUP_S))
    return checked


def markdown_table(rows: Rows, bodies: dict[str, Body]) -> str:
    """The same table for docs/performance.md."""
    lines = [
        "| answer | body | parcours req/s | nginx req/s | ratio | parcours / nginx MiB/s "
        "| parcours p50 / p99 ms | nginx p50 / p99 ms | static mount req/s (MiB/s) "
        "| mount / nginx | X-Accel req/s (MiB/s) | X-Accel / nginx |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        ours, ref = row["parcours"], row["nginx"]
        scenario = BY_NAME[name]
        size = "304" if scenario.revalidate else size_text(len(bodies[name].content))
        mib = f"{ours.mib_per_s:,.0f} / {ref.mib_per_s:,.0f}" if ours.body_bytes > 50_000 else ""
        cells = []
        for front in FRONTS:
            got = row.get(front)
            cells.append(
                f"{got.requests_per_s:,.0f} ({got.mib_per_s:,.0f}) | {share(got, ref):.2f}"
                if got
                else " | "
            )
        accel_cells = " | ".join(cells)
        lines.append(
            f"| {scenario.label} | {size} | {ours.requests_per_s:,.0f} | "
            f"{ref.requests_per_s:,.0f} | {share(ours, ref):.2f} | {mib} | "
            f"{ours.p50_ms:.2f} / {ours.p99_ms:.2f} | {ref.p50_ms:.2f} / {ref.p99_ms:.2f} | "
            f"{accel_cells} |"
        )
    return "\n".join(lines)


def report(
    env: dict[str, Any],
    args: argparse.Namespace,
    startup_s: float,
    bodies: dict[str, Body],
    results: dict[int, Rows],
) -> dict[str, Any]:
    """Print the report; return the same figures for --json."""
    print()
    for key, value in env.items():
        print(f"{key + ':':<13} {value}")
    load = f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.duration}s"
    print(
        f"{'load:':<13} {load}, on the same machine as the servers; {args.repeat} run(s) per "
        "server taking turns, the median kept"
    )
    if args.env:
        print(f"{'parcours env:':<13} {' '.join(f'{k}={v}' for k, v in args.env)}")
    for name, body in bodies.items():
        if not BY_NAME[name].revalidate:
            print(f"body {name:<8} {len(body.content):>9} bytes  {body.media_type:<32} {body.path}")
    print(f"\nstartup to first answer (one worker): {startup_s * 1000:.0f} ms")
    for workers, rows in results.items():
        print(f"\n{workers} worker(s) each (parcours, nginx):\n{format_table(rows, bodies)}")
        for name, row in rows.items():
            for server, result in row.items():
                for problem in result.problems():
                    print(f"WARNING {name} {server} x{workers}: {problem}")
    first = results[min(results)]
    checked = aims(startup_s, first)
    print(f"\naims ({min(results)} worker):")
    for text, ok in checked:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")
    if args.markdown:
        parts = [f"{w} worker(s):\n\n{markdown_table(r, bodies)}\n" for w, r in results.items()]
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(parts), encoding="utf-8")
    return {
        "environment": env,
        "duration_s": args.duration,
        "repeat": args.repeat,
        "wrk": {"threads": WRK_THREADS, "connections": WRK_CONNECTIONS},
        "parcours_env": dict(args.env),
        "startup_s": startup_s,
        "bodies": {n: {"path": b.path, "bytes": len(b.content)} for n, b in bodies.items()},
        "workers": {
            str(w): {
                name: {
                    **{
                        server: {**asdict(r), "mib_per_s": r.mib_per_s} for server, r in row.items()
                    },
                    "ratio": share(row["parcours"], row["nginx"]),
                }
                for name, row in rows.items()
            }
            for w, rows in results.items()
        },
        "aims": [{"aim": text, "pass": ok} for text, ok in checked],
    }


# --- main ------------------------------------------------------------------------------------


def env_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("PARCOURS_"):
        raise argparse.ArgumentTypeError("expected PARCOURS_NAME=value")
    return name, value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Options; the load itself (-t2 -c16) is fixed because the aims are stated for it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (3)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per server and scenario, taking turns; the median run is kept (3)",
    )
    parser.add_argument("--quick", action="store_true", help="one 2-s run per server")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="worker counts to measure, comma-separated (1,2); aims are read on the first",
    )
    parser.add_argument(
        "--accel",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure nginx in front of parcours with X-Accel-Redirect (yes)",
    )
    parser.add_argument(
        "--env",
        type=env_pair,
        action="append",
        default=[],
        metavar="PARCOURS_NAME=VALUE",
        help="a setting for the parcours under test, e.g. PARCOURS_MEDIA_CACHE_BYTES=0",
    )
    parser.add_argument("--large-side", type=int, default=400, help="grid side of the large GLB")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="parcours --log-level (warning)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="both servers log every request (off by default in both, for a fair comparison)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the tables here")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.repeat = 2, 1
    try:
        args.workers = sorted({int(w) for w in args.workers.split(",")})
    except ValueError:
        parser.error("--workers takes numbers, e.g. 1,2")
    if args.duration < 1 or args.repeat < 1 or min(args.workers) < 1:
        parser.error("--duration, --repeat and --workers must be at least 1")
    return args


def preflight() -> None:
    """Missing tools are found before half a minute is spent starting servers."""
    if not shutil.which("wrk"):
        raise BenchError("wrk not found: run through scripts/bench (installs wrk)")
    if not Path(NGINX).exists():
        raise BenchError(f"{NGINX} not found: run through scripts/bench (installs nginx-light)")


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Prepare the content, then measure each worker count in turn."""
    preflight()
    load_before = load_average()
    build, large_blob, _ = prepare_build(tmp, args.large_side)
    results: dict[int, Rows] = {}
    startup_s = float("nan")
    bodies: dict[str, Body] = {}
    for workers in args.workers:
        started, bodies, results[workers] = measure_config(args, tmp, build, large_blob, workers)
        if workers == args.workers[0]:
            startup_s = started
    from parcours import __version__

    return report(environment(__version__, load_before), args, startup_s, bodies, results)


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
