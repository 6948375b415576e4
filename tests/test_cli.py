"""The command line: help texts, check on good and broken catalogues, schema output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parcours.cli import main
from parcours.model import catalogue_json_schema
from tests.conftest import replace_in


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parcours.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_describes_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "check", "schema", "i18n", "qr", "users"):
        assert command in result.stdout
    for command in ("serve", "check", "schema", "i18n", "qr", "users"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and len(sub.stdout) > 200, command
    assert "--reload" in run("serve", "--help").stdout
    assert "--base-url" in run("qr", "--help").stdout


def test_check_passes_on_the_bundled_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "OK, 53 sites" in out
    assert "en: content 100%" in out


def test_check_fails_with_every_problem(content_root: Path) -> None:
    catalogue = content_root / "site_catalog.yaml"
    replace_in(catalogue, "type: terril", "type: teril")
    replace_in(catalogue, "lat: 50.41637", "lat: 5.41637")
    result = run("check", "--root", str(content_root))
    assert result.returncode == 1
    assert "site_catalog.yaml:" in result.stderr
    assert "unknown type 'teril'" in result.stderr
    assert "outside La Porte du Hainaut" in result.stderr
    assert "the catalogue has 2 problems" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_to_stdout() -> None:
    result = run("schema", "-o", "-")
    assert json.loads(result.stdout)["site_catalog.json"] == catalogue_json_schema()


def test_i18n_stats(content_root: Path) -> None:
    result = run("i18n", "stats", "--root", str(content_root))
    assert result.returncode == 0 and "nl: content 100%" in result.stdout


def test_max_yaml_bytes_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The limit the refusal names (PARCOURS_MAX_YAML_BYTES) is the one a curator can raise."""
    monkeypatch.setenv("PARCOURS_MAX_YAML_BYTES", "1000")
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "over the limit of 1000" in err and "PARCOURS_MAX_YAML_BYTES" in err
    monkeypatch.setenv("PARCOURS_MAX_YAML_BYTES", "50_000_000")
    assert main(["check"]) == 0
    for bad, says in (("5 MB", "not a whole number"), ("0", "below the minimum of 1")):
        monkeypatch.setenv("PARCOURS_MAX_YAML_BYTES", bad)
        assert main(["check"]) == 2
        assert "PARCOURS_MAX_YAML_BYTES: " in (err := capsys.readouterr().err) and says in err
