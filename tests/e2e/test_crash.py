"""Nothing acknowledged is ever lost: API writes while the server is killed with SIGKILL.

After each kill every file must parse, hold the last acknowledged write (or the one in flight
when the kill came, which was never acknowledged but may have reached the disk), and the
server must start again. `PARCOURS_CRASH_KILLS` sets the number of kills (issue 8 asks for 200
in the long run: `PARCOURS_CRASH_KILLS=200 pytest tests/e2e/test_crash.py`).
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx2 as httpx

from parcours import yamledit
from parcours.accounts import Accounts
from parcours.errors import CatalogueInvalid
from parcours.settings import Settings
from parcours.snapshot import build_snapshot
from tests.e2e.conftest import start_server

SITE = "caph-8n-cite-lagrange"
KILLS = int(os.environ.get("PARCOURS_CRASH_KILLS", "8"))


def current_summary(root: Path) -> str:
    document = yamledit.load((root / "site_catalog.yaml").read_text(encoding="utf-8"))
    return next(str(s["summary"]) for s in document["sites"] if s["id"] == SITE)


def test_sigkill_during_writes_loses_nothing_acknowledged(content_root: Path) -> None:
    token = Accounts(content_root / ".parcours" / "users.json").add("robot", "curator")
    headers = {"authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    sent: list[str] = []  # every value sent, in order
    rng = random.Random(1712)
    counter = 0
    for _kill in range(KILLS):
        server = start_server("--no-watch", root=content_root, wait=60)
        in_flight: list[str] = []
        stop_writing = threading.Event()

        def write(
            base: str = server.base,
            flight: list[str] = in_flight,
            done: threading.Event = stop_writing,
        ) -> None:
            nonlocal counter
            with httpx.Client(base_url=base, timeout=10) as client:
                while not done.is_set():
                    try:
                        source = client.get(f"/api/sites/{SITE}/source", headers=headers)
                        counter += 1
                        value = f"Résumé numéro {counter}."
                        flight.append(value)
                        answer = client.patch(
                            f"/api/sites/{SITE}",
                            headers={
                                **headers,
                                "if-match": source.headers["etag"],
                                "content-type": "application/merge-patch+json",
                            },
                            content=json.dumps({"summary": value}),
                        )
                        if answer.status_code == 200:
                            acknowledged.append(value)
                    except (httpx.TransportError, KeyError):
                        return

        writer = threading.Thread(target=write)
        before = len(acknowledged)
        writer.start()
        # Let one write through (a slow machine must not make the test vacuous), then kill
        # at a random moment of the following ones.
        deadline = time.monotonic() + 60
        while len(acknowledged) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        stop_writing.set()
        writer.join(timeout=15)
        # Every file parses and the whole content is valid.
        try:
            build_snapshot(Settings(root=content_root))
        except CatalogueInvalid as exc:  # pragma: no cover - the failure itself
            raise AssertionError(f"content invalid after a kill:\n{exc.report()}") from exc
        on_disk = current_summary(content_root)
        # The last acknowledged value, or one sent after it whose answer the kill cut off
        # (in this round or an earlier one): never anything older than the last answer.
        sent.extend(in_flight)
        last = sent.index(acknowledged[-1]) if acknowledged else -1
        allowed = set(sent[last:]) if acknowledged else set(sent)
        if allowed:
            assert on_disk in allowed, (on_disk, acknowledged[-1:], sent[last + 1 :])
    assert len(acknowledged) >= KILLS, "each round should have had a write acknowledged"
    # And the server starts on what is left.
    server = start_server("--no-watch", root=content_root, wait=60)
    try:
        assert server.get("/-/health").status_code == 200
        assert server.get(f"/api/sites/{SITE}?lang=fr").json()["summary"][
            "text"
        ] == current_summary(content_root)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
