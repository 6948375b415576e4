"""Hand edits are picked up while serving; a broken edit never replaces what visitors see.

A background task watches the curated files (catalogue, trails, translations, asset records and
the build's manifest). After a change it rebuilds the snapshot off the event loop: a valid one
is swapped in whole; an invalid one is kept out, and its problems are shown to staff on
`/-/status` until a later edit fixes them. Every worker process watches for itself, so writes
made through another worker reach it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours.errors import CatalogueInvalid, Problem
from parcours.settings import Settings
from parcours.snapshot import build_snapshot
from parcours.web.openapi import Documented
from parcours.web.state import SnapshotHolder

log = logging.getLogger("parcours.watch")
WATCHED_SUFFIXES = (".yaml", ".yml", ".po", ".geojson", ".json", ".glb")


@dataclass
class ReloadState:
    """What /-/status tells staff about live reloading."""

    watching: bool = False
    last_check: float | None = None
    last_reload: float | None = None
    problems: list[Problem] = field(default_factory=list)
    failed_since: float | None = None


BUILD_OUTPUTS = {"manifest.json", "narrations.json"}


def watched(settings: Settings) -> tuple[list[Path], list[Path]]:
    """(folders watched with their subfolders, folders watched alone).

    Only where content lives: the content root holds node_modules, .venv and .git too, whose
    hundred thousand files a recursive watch would register one by one at every start, in
    every worker (and could exhaust the system's inotify watches).
    """
    deep = [settings.tours_dir, settings.assets_dir, settings.locales_dir]
    flat = [settings.root, settings.build_path]
    return [d for d in deep if d.is_dir()], [d for d in flat if d.is_dir()]


def _relevant(path: str, settings: Settings) -> bool:
    file = Path(path)
    if file.name.startswith("."):
        return False
    if settings.build_path in file.parents:
        return file.parent == settings.build_path and file.name in BUILD_OUTPUTS
    if file.parent == settings.root:
        return file == settings.catalogue_path
    return file.name.endswith(WATCHED_SUFFIXES)


def reload_now(holder: SnapshotHolder, state: ReloadState) -> bool:
    """Rebuild from the files; swap when valid. Returns whether the snapshot changed."""
    state.last_check = time.time()
    try:
        snapshot = build_snapshot(holder.settings)
    except CatalogueInvalid as exc:
        if not state.problems:
            state.failed_since = time.time()
        state.problems = list(exc.problems)
        log.warning("content changed but is invalid; still serving the last good revision")
        return False
    state.problems = []
    state.failed_since = None
    if snapshot.revision == holder.current.revision:
        return False
    holder.current = snapshot
    state.last_reload = time.time()
    log.info("content reloaded: revision %s", snapshot.revision[:12])
    return True


async def watch_content(holder: SnapshotHolder, state: ReloadState) -> None:
    from watchfiles import awatch

    settings = holder.settings
    deep, flat = watched(settings)
    lock = asyncio.Lock()  # one rebuild at a time, whichever watcher saw the change

    async def follow(paths: list[Path], recursive: bool) -> None:
        if not paths:
            return
        async for changes in awatch(*paths, step=200, debounce=400, recursive=recursive):
            if any(_relevant(path, settings) for _, path in changes):
                async with lock:
                    await run_in_threadpool(reload_now, holder, state)

    state.watching = True
    try:
        await asyncio.gather(follow(deep, True), follow(flat, False))
    finally:
        state.watching = False


@contextlib.asynccontextmanager
async def watching(
    holder: SnapshotHolder, state: ReloadState, enabled: bool
) -> AsyncIterator[None]:
    """Lifespan part: run the watcher while the app serves (when enabled)."""
    if not enabled:
        yield
        return
    task = asyncio.create_task(watch_content(holder, state))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def status(request: Request) -> Response:
    from parcours.web.curation import caller

    caller(request, "translate")
    holder: SnapshotHolder = request.app.state.holder
    state: ReloadState = request.app.state.reload
    body: dict[str, Any] = {
        "revision": holder.current.revision,
        "built_at": holder.current.built_at,
        "watching": state.watching,
        "last_check": state.last_check,
        "last_reload": state.last_reload,
        "serving_last_good": bool(state.problems),
        "invalid_since": state.failed_since,
        "problems": [p.as_dict() for p in state.problems],
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})


ROUTES = [
    Documented(
        Route("/-/status", status),
        "Staff: the revision served, live reloading, and the problems of an invalid hand edit",
        "system",
        permission="translate",
    ),
]
