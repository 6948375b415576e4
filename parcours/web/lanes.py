"""The lanes: the hottest reads answered before the framework, with the same headers.

Most requests on a heritage day are the same few: the site list and a site as JSON, their
304s, the phone models. On this 2-core machine Starlette's middleware stack (each layer wraps
`send`) cost as much as the answer itself, so these are answered here, in front of it:

- `/api/...` and `/schema/...`: the fast lane (fastlane.py), from the snapshot's bytes;
- `/media/<sha256>.<ext>`: the media lane (accel.py), from memory or by X-Accel-Redirect.

An answer from a lane gets what the framework's layers would have added: the framing and
safety headers of data (framing.py; none on a 304) and a count in the metrics (metrics.py).
Whatever a lane declines, and any error inside one, goes to the full application.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from parcours.web.accel import MediaLane
from parcours.web.fastlane import FastLane
from parcours.web.framing import FramingPolicy
from parcours.web.metrics import Metrics, family
from parcours.web.responses import Answer, RawHeaders

logger = logging.getLogger("parcours.web")
READS = ("GET", "HEAD")
FAST_PREFIXES = ("/api/", "/schema/")
MEDIA_PREFIX = "/media/"


class Lanes:
    """Outermost layer: a lane's answer, or the application's."""

    def __init__(
        self,
        app: ASGIApp,
        fast: FastLane | None,
        media: MediaLane,
        policy: FramingPolicy,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.fast = fast
        self.media = media
        self.metrics = metrics
        # (http, https) policy headers each lane's answers lack; media already say nosniff.
        media_has = {b"x-content-type-options"}
        self.fast_extra = (
            policy.extra("/api/", False, False, set()),
            policy.extra("/api/", False, True, set()),
        )
        self.media_extra = (
            policy.extra(MEDIA_PREFIX, False, False, media_has),
            policy.extra(MEDIA_PREFIX, False, True, media_has),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in READS:
            started = time.perf_counter()
            path: str = scope["path"]
            got: Answer | None = None
            extra: tuple[RawHeaders, RawHeaders] | None = None
            try:
                if self.fast is not None and path.startswith(FAST_PREFIXES):
                    got, extra = self.fast.respond(scope), self.fast_extra
                    name = "api" if path.startswith("/api/") else family(path)
                elif path.startswith(MEDIA_PREFIX):
                    got, extra, name = await self.media.respond(scope), self.media_extra, "media"
            except Exception:  # a lane's bug must not cost the visitor the answer
                logger.exception("lane failed on %s; the application answers", path)
                got = None
            if got is not None and extra is not None:
                status, headers, body = got
                if status != 304:
                    headers = headers + extra[scope.get("scheme") == "https"]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                elapsed = time.perf_counter() - started
                self.metrics.observe_family(name, scope["method"], status, elapsed)
                return
        await self.app(scope, receive, send)
