"""End to end against a real uvicorn: what a phone or a museum page actually receives."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import edit_site, replace_in
from tests.e2e.conftest import Server, free_port, start_server, stop

pytestmark = pytest.mark.e2e
ARENBERG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"


def test_list_in_english_over_http(server: Server) -> None:
    response = server.get("/api/sites", params={"lang": "en"}, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-language"] == "en"
    assert response.json()["total"] == 53


def test_revalidation_over_http(server: Server) -> None:
    first = server.get(f"/api/sites/{ARENBERG}", headers={"accept-language": "de-AT"})
    assert first.json()["lang"] == "de"
    again = server.get(
        f"/api/sites/{ARENBERG}",
        headers={"accept-language": "de-AT", "if-none-match": first.headers["etag"]},
    )
    assert again.status_code == 304


def test_pages_and_errors_over_http(server: Server) -> None:
    assert "Cité d&#39;Arenberg" in server.get("/?lang=nl").text
    missing = server.get("/api/sites/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_site"
    assert server.get("/openapi.json").json()["paths"]


def test_refuses_to_start_on_an_invalid_catalogue(content_root: Path) -> None:
    replace_in(content_root / "site_catalog.yaml", "type: terril", "type: teril")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "parcours.cli",
            "serve",
            "--port",
            str(free_port()),
            "--root",
            str(content_root),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unknown type 'teril'" in result.stderr
    assert "not starting" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_reload_picks_up_a_catalogue_edit(content_root: Path) -> None:
    running = start_server("--reload", root=content_root)
    try:
        edit_site(content_root, ARENBERG, "summary", "Résumé modifié par une curatrice.")
        deadline = time.monotonic() + 30
        summary = ""
        while time.monotonic() < deadline:
            try:
                summary = running.get(f"/api/sites/{ARENBERG}").json()["summary"]["text"]
            except Exception:
                summary = ""
            if summary == "Résumé modifié par une curatrice.":
                break
            time.sleep(0.2)
        assert summary == "Résumé modifié par une curatrice."
        english = running.get(f"/api/sites/{ARENBERG}?lang=en").json()["summary"]
        assert english["lang"] == "fr"  # the English text translated the old French one
    finally:
        stop(running)
