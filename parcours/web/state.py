"""Where the web layer finds the current snapshot (swapped whole, never mutated)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from parcours.settings import Settings
from parcours.snapshot import Snapshot


@dataclass
class SnapshotHolder:
    """Holds the snapshot being served; a reload replaces it in one assignment."""

    settings: Settings
    current: Snapshot


def snapshot_of(request: Request) -> Snapshot:
    holder: SnapshotHolder = request.app.state.holder
    return holder.current
