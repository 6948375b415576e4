"""The curators' pages in a real browser: sign in, edit a summary, see problems, accessibly."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from parcours.accounts import Accounts
from parcours.settings import BUNDLED_ROOT
from tests.browser.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS
from tests.browser.test_accessibility import blocking_violations, describe
from tests.conftest import CONTENT_DIRS, CONTENT_FILES
from tests.e2e.conftest import Server, start_server, stop

SITE = "caph-8n-cite-lagrange"


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    """A server on a writable copy of the content, and a curator's token."""
    root = tmp_path_factory.mktemp("admin-content")
    for name in CONTENT_FILES:
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in CONTENT_DIRS:
        shutil.copytree(BUNDLED_ROOT / name, root / name)
    token = Accounts(root / ".parcours" / "users.json").add("marie.dupont", "curator")
    running = start_server(root=root, wait=60)
    yield running, token, root
    stop(running)


@pytest.fixture
def desk(browser: Browser, curated: tuple[Server, str, Path]) -> Iterator[Page]:
    """A desktop browser window on the curators' server."""
    context = browser.new_context(
        base_url=curated[0].base, viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_a_curator_signs_in_and_edits_a_summary(
    desk: Page, curated: tuple[Server, str, Path], shoot: Callable[[Page, str], Any]
) -> None:
    server, token, root = curated
    desk.goto(f"/admin/sites/{SITE}")
    expect(desk.locator("h1")).to_have_text("Connexion à l’espace des conservateurs")
    assert not blocking_violations(desk), describe(blocking_violations(desk))
    desk.get_by_label("Nom d’utilisateur").fill("marie.dupont")
    desk.get_by_label("Jeton").fill(token)
    desk.get_by_role("button", name="Se connecter").click()
    expect(desk.locator("h1")).to_have_text("Cité Lagrange")
    violations = blocking_violations(desk)
    assert not violations, describe(violations)

    # A problem: the error summary links to the field, which takes the focus.
    desk.get_by_label("Résumé").fill("")
    desk.get_by_role("button", name="Enregistrer et publier").click()
    summary = desk.locator("#error-summary")
    expect(summary).to_be_visible()
    shoot(desk, "admin-site-problem")
    summary.get_by_role("link", name="Résumé").click()
    expect(desk.locator("#field-summary")).to_be_focused()

    text = "Cité pavillonnaire de Raismes, maisons et jardins, modifiée dans le navigateur."
    desk.get_by_label("Résumé").fill(text)
    desk.get_by_role("button", name="Enregistrer et publier").click()
    expect(desk.get_by_role("status")).to_have_text("Modifications enregistrées et publiées.")
    shoot(desk, "admin-site-saved")
    assert text in (root / "site_catalog.yaml").read_text(encoding="utf-8")
    assert server.get(f"/api/sites/{SITE}?lang=fr").json()["summary"]["text"] == text
