"""Load: a real `parcours serve --workers 2` under 64 concurrent clients, for a bounded time.

The mix is what phones and museum pages ask for: the home page and site pages in four
languages, the site list and records, trails (JSON and pages), models (the phone variants of
/api/assets, whole and by byte range), offline packs by range and HEAD, and revalidations
with If-None-Match. Nothing may fail: no transport error, no 5xx, no unexpected status.
`pytest -s` prints the counts and p50/p99 per kind.

Bounded for CI: PARCOURS_LOAD_SECONDS (10 by default). The long variant, a minute:

    PARCOURS_LOAD_SECONDS=60 .venv/bin/pytest -s tests/e2e/test_load.py

PARCOURS_LOAD_CLIENTS changes the number of clients (64 by default).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import random
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx2 as httpx
import pytest

from parcours.build import build_all
from parcours.settings import settings_from_env
from tests.e2e.conftest import Server, start_server

pytestmark = pytest.mark.e2e

SECONDS = float(os.environ.get("PARCOURS_LOAD_SECONDS", "10"))
CLIENTS = int(os.environ.get("PARCOURS_LOAD_CLIENTS", "64"))
LANGS = ("fr", "en", "nl", "de")
ACCEPT_LANGUAGE = ("nl-BE,nl;q=0.9", "de-DE", "en-GB,en;q=0.8", "fr-FR", "pl,en;q=0.5")


@dataclass
class Catalogue:
    """What the clients pick from, read from the server before the load starts."""

    sites: list[str]
    trails: list[str]
    models: list[str]
    types: list[str]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    revalidated: int = 0


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    url: str
    headers: dict[str, str]
    expected: frozenset[int]


OK = frozenset({200})
RANGED = frozenset({206})
REVALIDATED = frozenset({304})


def pick(rng: random.Random, cat: Catalogue, etags: dict[str, str]) -> Call:
    lang = rng.choice(LANGS)
    site, trail = rng.choice(cat.sites), rng.choice(cat.trails)
    roll = rng.random()
    if etags and roll < 0.15:
        url, etag = rng.choice(list(etags.items()))
        return Call("304", "GET", url, {"if-none-match": etag}, REVALIDATED)
    choices = [
        ("home", f"/?lang={lang}", {}),
        ("site page", f"/sites/{site}?lang={lang}", {}),
        ("site page", f"/sites/{site}", {"accept-language": rng.choice(ACCEPT_LANGUAGE)}),
        ("api sites", f"/api/sites?lang={lang}", {}),
        ("api sites", f"/api/sites?type={rng.choice(cat.types)}&lang={lang}", {}),
        ("api sites", "/api/sites?near=50.3845,3.4258&radius=3000", {}),
        ("api site", f"/api/sites/{site}?lang={lang}", {}),
        ("api site", f"/api/sites/{site}", {"accept-language": rng.choice(ACCEPT_LANGUAGE)}),
        ("api trail", f"/api/trails/{trail}?lang={lang}", {}),
        ("trail page", f"/trails/{trail}?lang={lang}", {}),
        ("model", rng.choice(cat.models), {}),
    ]
    kind, url, headers = rng.choice(choices)
    if roll < 0.25:
        return Call("model range", "GET", rng.choice(cat.models), {"range": "bytes=0-4095"}, RANGED)
    if roll < 0.32:
        start = rng.randrange(0, 4) * 65536
        headers = {"range": f"bytes={start}-{start + 65535}"}
        return Call("pack range", "GET", f"/api/trails/{trail}/pack?lang={lang}", headers, RANGED)
    if roll < 0.35:
        return Call("pack head", "HEAD", f"/api/trails/{trail}/pack?lang={lang}", {}, OK)
    return Call(kind, "GET", url, headers, OK)


async def client(
    number: int, base: str, cat: Catalogue, deadline: float, tally: Tally, cap: int
) -> None:
    rng = random.Random(number)
    etags: dict[str, str] = {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        while time.monotonic() < deadline:
            call = pick(rng, cat, etags)
            started = time.perf_counter()
            try:
                answer = await http.request(call.method, call.url, headers=call.headers)
                await answer.aread()
            except httpx.TransportError as exc:
                tally.failures.append(f"{call.method} {call.url}: {type(exc).__name__}: {exc}")
                continue
            tally.latencies[call.kind].append(time.perf_counter() - started)
            tally.statuses[(call.kind, answer.status_code)] += 1
            if answer.status_code not in call.expected:
                tally.failures.append(
                    f"{call.method} {call.url} {call.headers}: {answer.status_code} "
                    f"{answer.text[:200]!r}"
                )
            if call.kind == "304":
                tally.revalidated += 1
            elif (
                answer.status_code == 200
                and call.method == "GET"
                and "etag" in answer.headers
                and not call.headers
                and len(etags) < cap
            ):
                etags[call.url] = answer.headers["etag"]


def discover(server: Server) -> Catalogue:
    sites = server.get("/api/sites?limit=500").json()["items"]
    trails = server.get("/api/trails").json()["items"]
    assets = server.get("/api/assets").json()["items"]
    models = [a["variants"]["phone"]["url"] for a in assets if "phone" in a.get("variants", {})]
    assert models, "no built model: parcours build did not publish phone variants"
    return Catalogue(
        sites=[s["id"] for s in sites],
        trails=[t["id"] for t in trails],
        models=models,
        types=sorted({s["type"]["id"] for s in sites}),
    )


@pytest.fixture(scope="module")
def loaded_server() -> Iterator[tuple[Server, list[str]]]:
    build_all(settings_from_env())  # incremental: seconds once built
    server = start_server("--workers", "2")
    lines: list[str] = []
    # Read the server's output while it runs, so that its pipe never fills up and blocks it.
    assert server.process.stdout is not None
    stream = server.process.stdout
    reader = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
    reader.start()
    try:
        yield server, lines
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        reader.join(timeout=5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_mixed_load_without_a_single_failure(loaded_server: tuple[Server, list[str]]) -> None:
    server, output = loaded_server
    cat = discover(server)
    tally = Tally()

    async def run() -> float:
        started = time.monotonic()
        deadline = started + SECONDS
        await asyncio.gather(
            *(client(n, server.base, cat, deadline, tally, 64) for n in range(CLIENTS))
        )
        return time.monotonic() - started

    # In a thread of its own: the browser tests' Playwright (sync API) keeps an event loop
    # running in this thread for the whole session.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        elapsed = pool.submit(asyncio.run, run()).result()
    total = sum(len(v) for v in tally.latencies.values())
    everything = [x for v in tally.latencies.values() for x in v]
    print(f"\n{CLIENTS} clients, {elapsed:.1f} s, {total} requests, {total / elapsed:.0f} req/s")
    print(f"{'kind':<12} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind, values in sorted(tally.latencies.items()):
        statuses = {s: n for (k, s), n in tally.statuses.items() if k == kind}
        print(
            f"{kind:<12} {len(values):>7} {statistics.median(values) * 1000:>8.1f} "
            f"{percentile(values, 0.99) * 1000:>8.1f}  {statuses}"
        )
    print(
        f"{'all':<12} {total:>7} {statistics.median(everything) * 1000:>8.1f} "
        f"{percentile(everything, 0.99) * 1000:>8.1f}"
    )
    assert not tally.failures, f"{len(tally.failures)} failures, first: {tally.failures[:5]}"
    assert not [s for (_, s), _n in tally.statuses.items() if s >= 500]
    # Every kind of request was exercised, revalidations included.
    assert {"home", "site page", "api site", "model", "pack range", "304"} <= set(tally.latencies)
    assert tally.revalidated > 0
    assert total >= CLIENTS
    # The server is still well, and logged no error.
    assert server.get("/-/health").status_code == 200
    assert server.process.poll() is None
    logged = "".join(output)
    assert "Traceback" not in logged and "unhandled error" not in logged, logged[-3000:]
