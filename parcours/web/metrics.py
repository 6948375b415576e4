"""`/-/metrics` in the Prometheus text format: requests, latency, content revision, reloads.

Counted by a small ASGI layer around everything (the fast lane included), per route family
(`api`, `pages`, `media`...) rather than per URL, so the number of series stays bounded
whatever clients ask for. Each worker process counts its own requests: scrape them through
the proxy's per-worker ports, or sum the workers, as docs/deploy.md explains.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parcours import __version__
from parcours.web.openapi import Documented
from parcours.web.state import SnapshotHolder

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
FAMILIES = (
    ("/api/", "api"),
    ("/media/", "media"),
    ("/embed/", "embed"),
    ("/ogc", "ogc"),
    ("/iiif/", "iiif"),
    ("/admin", "admin"),
    ("/-/", "system"),
    ("/static/", "static"),
    ("/vendor/", "static"),
)


def family(path: str) -> str:
    return next((name for prefix, name in FAMILIES if path.startswith(prefix)), "pages")


@dataclass
class Metrics:
    started: float = field(default_factory=time.time)
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    buckets: dict[str, list[int]] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        self.observe_family(family(path), method, status, seconds)

    def observe_family(self, name: str, method: str, status: int, seconds: float) -> None:
        self.requests[(name, method, f"{status // 100}xx")] += 1
        counts = self.buckets.setdefault(name, [0] * len(BUCKETS))
        index = bisect.bisect_left(BUCKETS, seconds)
        if index < len(BUCKETS):
            counts[index] += 1
        self.sums[name] = self.sums.get(name, 0.0) + seconds
        self.counts[name] += 1

    def text(self, holder: SnapshotHolder, reload_problems: int) -> str:
        lines = [
            "# HELP parcours_info Version of parcours and revision of the content served.",
            "# TYPE parcours_info gauge",
            f'parcours_info{{version="{__version__}",revision="{holder.current.revision[:16]}"}} 1',
            "# HELP parcours_start_time_seconds When this worker started (Unix time).",
            "# TYPE parcours_start_time_seconds gauge",
            f"parcours_start_time_seconds {self.started:.3f}",
            "# HELP parcours_content_built_seconds When the content served was loaded.",
            "# TYPE parcours_content_built_seconds gauge",
            f"parcours_content_built_seconds {holder.current.built_at:.3f}",
            "# HELP parcours_sites Published sites served.",
            "# TYPE parcours_sites gauge",
            f"parcours_sites {len(holder.current.sites)}",
            "# HELP parcours_reload_problems Problems of the last hand edit (0: content valid).",
            "# TYPE parcours_reload_problems gauge",
            f"parcours_reload_problems {reload_problems}",
            "# HELP parcours_requests_total Requests answered, by route family and status class.",
            "# TYPE parcours_requests_total counter",
        ]
        for (name, method, status), count in sorted(self.requests.items()):
            lines.append(
                f'parcours_requests_total{{family="{name}",method="{method}",status="{status}"}} '
                f"{count}"
            )
        lines += [
            "# HELP parcours_request_duration_seconds Time to answer, by route family.",
            "# TYPE parcours_request_duration_seconds histogram",
        ]
        for name in sorted(self.buckets):
            running = 0
            for bound, count in zip(BUCKETS, self.buckets[name], strict=True):
                running += count
                lines.append(
                    f'parcours_request_duration_seconds_bucket{{family="{name}",le="{bound}"}} '
                    f"{running}"
                )
            lines += [
                f'parcours_request_duration_seconds_bucket{{family="{name}",le="+Inf"}} '
                f"{self.counts[name]}",
                f'parcours_request_duration_seconds_sum{{family="{name}"}} {self.sums[name]:.6f}',
                f'parcours_request_duration_seconds_count{{family="{name}"}} {self.counts[name]}',
            ]
        return "\n".join(lines) + "\n"


class CountRequests:
    """Times every HTTP request from its start to the response's first bytes."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            self.metrics.observe(
                scope["method"], scope["path"], status, time.perf_counter() - started
            )


async def metrics_route(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    problems = len(request.app.state.reload.problems)
    return Response(
        metrics.text(request.app.state.holder, problems),
        media_type="text/plain; version=0.0.4; charset=utf-8",
        headers={"cache-control": "no-store"},
    )


ROUTES = [
    Documented(
        Route("/-/metrics", metrics_route),
        "Prometheus metrics of this worker: requests, latency, content revision, reloads",
        "system",
        media_type="text/plain",
    ),
]
