"""Our Babel extractors: `pybabel extract` works with the mapping files; templates are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from parcours.i18n.units import site_context
from parcours.model import SITE_TYPES
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.snapshot import Snapshot

PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def _messages(path: Path) -> set[tuple[str | None, str]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_plain_pybabel_extract_reads_the_catalogue(tmp_path: Path, snapshot: Snapshot) -> None:
    out = tmp_path / "content.pot"
    subprocess.run(
        [*PYBABEL, "extract", "-F", "babel-content.cfg", "-o", str(out), "."],
        cwd=BUNDLED_ROOT,
        check=True,
        capture_output=True,
    )
    messages = _messages(out)
    site = snapshot.by_id["caph-17-fosse-mathilde"]
    assert (site_context(site.id, "description"), site.description) in messages
    subtypes = {s.subtype for s in snapshot.sites if s.subtype}
    asset_texts = sum(len(a.translatable) for a in snapshot.assets.values())
    assert len(snapshot.assets) == 56
    trail_texts = sum(len(t.trail.translatable) for t in snapshot.trails.resolved.values())
    assert len(messages) == 53 * 3 + len(subtypes) + asset_texts + trail_texts
    arenberg = snapshot.assets["caph-15a-fosse-d-arenberg-arenberg-creative-mine"]
    assert ("asset/" + arenberg.id + "/alt", arenberg.alt) in messages


def test_interface_template_has_type_labels(tmp_path: Path) -> None:
    out = tmp_path / "messages.pot"
    subprocess.run(
        [*PYBABEL, "extract", "-F", "babel.cfg", "-o", str(out), "."],
        cwd=BUNDLED_ROOT,
        check=True,
        capture_output=True,
    )
    messages = _messages(out)
    assert {("type de site", t) for t in SITE_TYPES} <= messages
    assert (None, "Rechercher un site") in messages


def test_committed_templates_are_up_to_date(content_root: Path) -> None:
    """Someone changed texts or templates without running `parcours i18n extract`."""
    committed = {
        name: _messages(BUNDLED_ROOT / "locales" / name) for name in ("messages.pot", "content.pot")
    }
    from parcours.i18n import workflow

    fresh_dir = content_root / "fresh"
    fresh_dir.mkdir()
    workflow.extract(Settings(root=BUNDLED_ROOT), output_dir=fresh_dir)
    for name, messages in committed.items():
        assert _messages(fresh_dir / name) == messages, f"run `parcours i18n extract` ({name})"
