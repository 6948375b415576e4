"""Shared fixtures: the bundled settings and snapshot, throw-away copies of the content."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from parcours.accounts import Accounts
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.snapshot import Snapshot, build_snapshot
from parcours.web.app import create_app

SHARED = BUNDLED_ROOT.parent / "shared"
CONTENT_FILES = ("site_catalog.yaml", "babel.cfg", "babel-content.cfg")
CONTENT_DIRS = ("locales", "tours", "schema", "assets")
#: What fixtures that build models copy: the texts, not the 56 models nor the trails using them.
TEXT_DIRS = ("locales", "schema")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def snapshot(settings: Settings) -> Snapshot:
    return build_snapshot(settings)


class StatelessClient(TestClient):
    """A client that keeps no cookies between requests, so tests sharing it stay independent
    (pages remember a visitor's language in a cookie)."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.cookies.clear()
        return super().request(*args, **kwargs)


@pytest.fixture(scope="session")
def client(settings: Settings, snapshot: Snapshot) -> Iterator[TestClient]:
    with StatelessClient(create_app(settings, snapshot)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def built_client(settings: Settings) -> Iterator[TestClient]:
    """The bundled content with its models built (incremental: seconds once built)."""
    from parcours.build import build_all

    build_all(settings)
    with StatelessClient(create_app(settings, build_snapshot(settings))) as test_client:
        yield test_client


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    """A writable copy of the bundled content, for tests that break or change it."""
    for name in CONTENT_FILES:
        shutil.copy2(BUNDLED_ROOT / name, tmp_path / name)
    for name in CONTENT_DIRS:
        if (BUNDLED_ROOT / name).is_dir():
            shutil.copytree(BUNDLED_ROOT / name, tmp_path / name)
    return tmp_path


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Edit a content file as a curator would; the text to replace must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edit_site(root: Path, site_id: str, field: str, value: object) -> None:
    """Change one field of one site, round-trip, keeping the rest of the file as it was."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 100
    path = root / "site_catalog.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    site = next(s for s in data["sites"] if s["id"] == site_id)
    site[field] = value
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


# --- Curators: accounts on a writable copy of the content ---------------------------------


@pytest.fixture
def tokens(content_root: Path) -> dict[str, str]:
    accounts = Accounts(content_root / ".parcours" / "users.json")
    return {role: accounts.add(f"{role}-1", role) for role in ("translator", "curator", "admin")}


@pytest.fixture
def app_client(content_root: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(root=content_root))) as client:
        yield client


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **headers}
