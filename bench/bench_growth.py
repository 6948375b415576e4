"""Benchmark: the catalogue growing from 53 to 100,000 places (issue "growth").

A report, not a test. For the bundled catalogue (53 sites) and synthetic ones of 1,000, 10,000
and 100,000 places (bench/catalogue_gen.py: same schema, uniform in the area's box, written to
a temp root with no trails, assets or translations), a fresh Python process

1. builds the snapshot and the application as the server does at start-up (`build_snapshot`:
   parse, validate, texts, precomputed documents; then `create_app` and `gc.freeze()`, as
   `parcours/web/server.py` does), timing the catalogue's parse and validation apart;
2. reads its peak memory (`ru_maxrss` of that process; the interpreter with the imports alone
   is shown as the baseline);
3. times `near` (500 m and 1 km radius) and `bbox` (about 2.1 x 2.2 km) queries at random
   points of the area: `Snapshot.find_sites` directly (grid index, and the linear scan it
   replaced, for comparison), and `GET /api/sites?...` through Starlette's TestClient (every
   query a different point, so the snapshot's answer cache never helps); median and p99;
4. times a `near` without radius (every place, sorted by distance) and the grid's build.

Every synthetic catalogue validates as it is: the schema allows 1,992,411 distinct UNESCO
element codes (109 components x codes of up to three letters), each also a site's short code.

Run through `bash scripts/bench` (or `python bench/bench_growth.py [--quick]`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalogue_gen import write_catalogue

SIZES = (53, 1_000, 10_000, 100_000)
QUICK_SIZES = (53, 1_000, 10_000)
NEAR_RADIUS_M = 1_000.0
CLOSE_RADIUS_M = 500.0
BOX_DEG = (0.03, 0.02)  # lon, lat: about 2.1 x 2.2 km at 50.4 N
AIM_NEAR_MS = 1.0
SEED = 7


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(calls: list[Callable[[], object]]) -> dict[str, float]:
    """Median and p99 in ms of each call, run once each, in order; and the p99 of the CPU
    time the call took, which a shared machine's preemptions do not add to."""
    samples, cpu = [], []
    for call in calls:
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        cpu.append((time.thread_time() - started_cpu) * 1000)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": statistics.median(samples),
        "p99_ms": percentile(samples, 0.99),
        "cpu_p99_ms": percentile(cpu, 0.99),
        "n": len(samples),
    }


# --- the measuring process -----------------------------------------------------------------


def child(root: Path, queries: int) -> dict[str, Any]:  # noqa: PLR0915 - one linear script
    """Build, measure, answer: everything for one catalogue size, in this fresh process."""
    from starlette.testclient import TestClient

    import parcours.content as content_module
    from parcours import geo
    from parcours.query import SiteQuery
    from parcours.settings import BUNDLED_ROOT, Settings
    from parcours.snapshot import Snapshot, build_snapshot
    from parcours.spatial import GridIndex
    from parcours.web.app import create_app

    baseline_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bundled = root == BUNDLED_ROOT
    settings = (
        Settings()
        if bundled
        else Settings(root=root, build_dir=root / ".build", max_yaml_bytes=1 << 31)
    )
    out: dict[str, Any] = {"baseline_mib": baseline_mib}
    # Time the catalogue's parse and validation inside the snapshot's build.
    original_load = content_module.load_catalogue

    def load(s: Settings) -> Any:
        started = time.perf_counter()
        try:
            return original_load(s)
        finally:
            out["load_s"] = time.perf_counter() - started

    content_module.load_catalogue = load  # type: ignore[assignment]
    started = time.perf_counter()
    snapshot: Snapshot = build_snapshot(settings)
    out["snapshot_s"] = time.perf_counter() - started
    content_module.load_catalogue = original_load
    out["sites"] = len(snapshot.sites)
    out["languages"] = len(snapshot.languages)
    # As `parcours serve` starts: the application, then the collector told to leave every
    # object made so far (the immutable snapshot) alone.
    app = create_app(settings, snapshot)
    gc.freeze()
    # The snapshot built its grid already (listing the unfiltered sites at start-up): time a
    # fresh one.
    locations = [(s.location.lat, s.location.lon) for s in snapshot.sites]
    started = time.perf_counter()
    index = GridIndex(locations)
    out["index_s"] = time.perf_counter() - started
    out["index_cell_deg"] = index.cell
    out["index_cells"] = len(set(index.keys))  # occupied ones
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rng = random.Random(SEED)
    west, south, east, north = settings.area_bbox
    points = [
        (rng.uniform(south + 0.02, north - 0.02), rng.uniform(west + 0.03, east - 0.03))
        for _ in range(queries)
    ]
    lang = snapshot.translations.languages.source
    near = [SiteQuery(near=p, radius_m=NEAR_RADIUS_M) for p in points]
    close = [SiteQuery(near=p, radius_m=CLOSE_RADIUS_M) for p in points]
    boxes = [
        geo.BBox(
            lon - BOX_DEG[0] / 2, lat - BOX_DEG[1] / 2, lon + BOX_DEG[0] / 2, lat + BOX_DEG[1] / 2
        )
        for lat, lon in points
    ]
    out["near_results"] = statistics.mean(len(snapshot.find_sites(q, lang)) for q in near[:50])
    out["close_results"] = statistics.mean(len(snapshot.find_sites(q, lang)) for q in close[:50])
    out["bbox_results"] = statistics.mean(
        len(snapshot.find_sites(SiteQuery(bbox=b), lang)) for b in boxes[:50]
    )
    out["near"] = timed([lambda q=q: snapshot.find_sites(q, lang) for q in near])
    out["close"] = timed([lambda q=q: snapshot.find_sites(q, lang) for q in close])
    out["bbox"] = timed([lambda b=b: snapshot.find_sites(SiteQuery(bbox=b), lang) for b in boxes])
    few = max(10, queries // 100)
    out["near_linear"] = timed([lambda q=q: linear_find(snapshot, q) for q in near[:few]])
    out["near_all"] = timed(
        [lambda p=p: snapshot.find_sites(SiteQuery(near=p), lang) for p in points[:few]]
    )
    with TestClient(app) as client:
        http = max(20, queries // 5)

        def get(url: str) -> Callable[[], object]:
            def call() -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")

            return call

        near_urls = [
            f"/api/sites?near={lat:.6f},{lon:.6f}&radius={NEAR_RADIUS_M:g}&lang={lang}"
            for lat, lon in points[:http]
        ]
        box_urls = [
            f"/api/sites?bbox={b.west:.6f},{b.south:.6f},{b.east:.6f},{b.north:.6f}&lang={lang}"
            for b in boxes[:http]
        ]
        out["http_near"] = timed([get(u) for u in near_urls])
        out["http_bbox"] = timed([get(u) for u in box_urls])
    out["final_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def linear_find(snapshot: Any, query: Any) -> list[Any]:
    """`find_sites` as it was before the grid index: every site tested (near and bbox only)."""
    from parcours import geo

    found = []
    for site in snapshot.sites:
        if query.bbox and not query.bbox.contains(site.location.lat, site.location.lon):
            continue
        distance = None
        if query.near:
            distance = geo.distance_m(*query.near, site.location.lat, site.location.lon)
            if query.radius_m is not None and distance > query.radius_m:
                continue
        found.append((site, distance))
    if query.near:
        found.sort(key=lambda pair: pair[1] or 0.0)
    return found


# --- the report ------------------------------------------------------------------------------


def run_size(size: int, tmp: Path, queries: int) -> dict[str, Any]:
    """One fresh process per size, so that its peak memory is its own."""
    from parcours.settings import BUNDLED_ROOT

    if size == 53:
        root = BUNDLED_ROOT
        yaml_bytes = (root / "site_catalog.yaml").stat().st_size
    else:
        root = tmp / str(size)
        yaml_bytes = write_catalogue(root, size)
    out = tmp / f"{size}.json"
    command = [sys.executable, __file__, "--child", str(root), "--queries", str(queries)]
    command += ["--out", str(out)]
    print(f"growth: {size:,} places ({yaml_bytes / 1e6:.1f} MB of YAML)", file=sys.stderr)
    subprocess.run(command, check=True)
    figures = json.loads(out.read_text())
    return {"places": size, "yaml_bytes": yaml_bytes, **figures}


def pair(figures: dict[str, float], digits: int, sep: str = "/") -> str:
    """Median and p99 of a timing, in ms."""
    return f"{figures['median_ms']:.{digits}f}{sep}{figures['p99_ms']:.{digits}f}"


def format_table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'places':>8} {'YAML MB':>7} | {'load s':>6} {'snap s':>6} {'MiB':>6} | "
        f"{'500 m p50/p99':>13} {'(n)':>4} | {'1 km p50/p99':>13} {'(n)':>4} {'linear':>7} | "
        f"{'bbox p50/p99':>13} {'(n)':>4} | {'HTTP 1 km':>13} {'HTTP bbox':>13} | "
        f"{'all':>6} {'grid s':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['places']:>8,} {r['yaml_bytes'] / 1e6:>7.1f} | {r['load_s']:>6.2f} "
            f"{r['snapshot_s']:>6.2f} {r['peak_mib']:>6.0f} | "
            f"{pair(r['close'], 3):>13} {r['close_results']:>4.0f} | "
            f"{pair(r['near'], 3):>13} {r['near_results']:>4.0f} "
            f"{r['near_linear']['median_ms']:>7.2f} | "
            f"{pair(r['bbox'], 3):>13} {r['bbox_results']:>4.0f} | "
            f"{pair(r['http_near'], 2):>13} {pair(r['http_bbox'], 2):>13} | "
            f"{r['near_all']['median_ms']:>6.1f} {r['index_s']:>6.3f}"
        )
    return "\n".join(lines)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| places | YAML | parse + validate | whole snapshot | peak memory | near 500 m: p50 / "
        "p99 ms (results) | near 1 km: p50 / p99 ms (results) | 1 km, linear scan p50 | bbox: "
        "p50 / p99 ms (results) | HTTP near 1 km p50 / p99 ms | HTTP bbox p50 / p99 ms | near, "
        "no radius p50 | grid build |",
        "|---:|---:|---:|---:|---:|---|---|---:|---|---|---|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['places']:,} | {r['yaml_bytes'] / 1e6:.1f} MB | {r['load_s']:.2f} s | "
            f"{r['snapshot_s']:.2f} s | {r['peak_mib']:,.0f} MiB | "
            f"{pair(r['close'], 3, ' / ')} ({r['close_results']:.0f}) | "
            f"{pair(r['near'], 3, ' / ')} ({r['near_results']:.0f}) | "
            f"{r['near_linear']['median_ms']:.2f} ms | "
            f"{pair(r['bbox'], 3, ' / ')} ({r['bbox_results']:.0f}) | "
            f"{pair(r['http_near'], 2, ' / ')} | {pair(r['http_bbox'], 2, ' / ')} | "
            f"{r['near_all']['median_ms']:.1f} ms | {r['index_s'] * 1000:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def report(rows: list[dict[str, Any]], queries: int) -> None:
    from benchenv import cpu_model

    print(f"\ngrowth of the catalogue ({cpu_model()}, {len(os.sched_getaffinity(0))} cores)")
    print(
        f"queries: {queries} near (radius {CLOSE_RADIUS_M:g} m and {NEAR_RADIUS_M:g} m) and bbox "
        f"({BOX_DEG[0]} x {BOX_DEG[1]} deg) per size at random points of the area; linear scan "
        "and near without radius on 1/100 of them, HTTP on 1/5; times in ms, (n) = results; "
        f"MiB = peak RSS (interpreter and imports alone: {rows[0]['baseline_mib']:.0f} MiB)"
    )
    print(format_table(rows))
    largest = rows[-1]
    print(f"\naim: near queries under {AIM_NEAR_MS:g} ms at {largest['places']:,} places (p99):")
    for key, radius in (("close", CLOSE_RADIUS_M), ("near", NEAR_RADIUS_M)):
        figures = largest[key]
        verdict = "PASS" if figures["p99_ms"] < AIM_NEAR_MS else "MISS"
        print(
            f"  {verdict}  radius {radius:g} m, {largest[key + '_results']:.0f}"
            f" results: p50 {figures['median_ms']:.3f} ms, p99 {figures['p99_ms']:.3f} ms"
            f" (p99 of CPU time {figures['cpu_p99_ms']:.3f} ms)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="up to 10,000 places, fewer queries")
    parser.add_argument("--sizes", help="comma-separated sizes (53,1000,10000,100000)")
    parser.add_argument("--queries", type=int, help="queries per kind and size (2000; quick 500)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--markdown", type=Path, help="also write the table here (Markdown)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    queries = args.queries or (500 if args.quick else 2000)
    if args.child:
        args.out.write_text(json.dumps(child(args.child, queries)))
        return 0
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else QUICK_SIZES
        if args.quick
        else SIZES
    )
    with tempfile.TemporaryDirectory(prefix="parcours-growth-") as tmp:
        try:
            rows = [run_size(size, Path(tmp), queries) for size in sizes]
        except subprocess.CalledProcessError as exc:
            print(f"growth: a measuring process failed ({exc.returncode})", file=sys.stderr)
            return 1
    report(rows, queries)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
