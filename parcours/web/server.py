"""Running the application under uvicorn, as `parcours serve` asks."""

from __future__ import annotations

import os
from dataclasses import dataclass

import uvicorn

from parcours.settings import Settings
from parcours.snapshot import Snapshot


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = False
    workers: int = 1
    log_level: str = "info"
    access_log: bool = False


def serve(settings: Settings, snapshot: Snapshot, options: ServeOptions) -> None:
    """Serve an already validated snapshot; reload and workers rebuild it in each process."""
    common = {
        "host": options.host,
        "port": options.port,
        "log_level": options.log_level,
        "access_log": options.access_log,
        "proxy_headers": True,
    }
    if options.reload or options.workers > 1:
        # Reload and workers need an import string; settings travel in the environment.
        os.environ["PARCOURS_ROOT"] = str(settings.root)
        os.environ["PARCOURS_WATCH"] = "1" if settings.watch and not options.reload else "0"
        uvicorn.run(
            "parcours.web.app:app_from_env",
            factory=True,
            reload=options.reload,
            workers=options.workers,
            reload_dirs=[str(settings.root)] if options.reload else None,
            reload_includes=["*.yaml", "*.po", "*.html", "*.py"] if options.reload else None,
            **common,  # type: ignore[arg-type]
        )
        return
    from parcours.web.app import create_app

    uvicorn.run(create_app(settings, snapshot), **common)  # type: ignore[arg-type]
