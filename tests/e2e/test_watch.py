"""Hand edits while serving: a valid one is live within seconds, an invalid one never replaces
the last good content and is reported to staff on /-/status."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from parcours.accounts import Accounts
from tests.conftest import replace_in
from tests.e2e.conftest import Server, start_server, stop

SITE = "caph-8n-cite-lagrange"


@pytest.fixture
def served(content_root: Path) -> Iterator[Server]:
    running = start_server(root=content_root, wait=60)
    yield running
    stop(running)


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def summary(server: Server) -> str:
    return str(server.get(f"/api/sites/{SITE}?lang=fr").json()["summary"]["text"])


def test_hand_edits_are_picked_up_and_bad_ones_kept_out(served: Server, content_root: Path) -> None:
    token = Accounts(content_root / ".parcours" / "users.json").add("marie", "translator")
    staff = {"authorization": f"Bearer {token}"}
    catalogue = content_root / "site_catalog.yaml"
    old = summary(served)
    text = catalogue.read_text(encoding="utf-8")
    start = text.index(f"id: {SITE}")
    line_start = text.index("    summary: ", start)
    line_end = text.index("\n    description:", line_start)
    catalogue.write_text(
        text[:line_start] + "    summary: Résumé modifié à la main." + text[line_end:],
        encoding="utf-8",
    )
    assert eventually(lambda: summary(served) == "Résumé modifié à la main."), old

    revision = served.get("/-/health").json()["revision"]
    replace_in(catalogue, "type: cité minière", "type: cite miniere")
    assert eventually(lambda: bool(served.get("/-/status", headers=staff).json()["problems"]))
    status = served.get("/-/status", headers=staff).json()
    assert status["serving_last_good"] and status["watching"]
    assert any("cite miniere" in p["message"] for p in status["problems"])
    assert summary(served) == "Résumé modifié à la main."  # still the last good content
    assert served.get("/-/health").json()["revision"] == revision
    assert served.get("/-/status").status_code == 401

    replace_in(catalogue, "type: cite miniere", "type: cité minière")
    assert eventually(lambda: not served.get("/-/status", headers=staff).json()["problems"])
