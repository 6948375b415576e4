"""What the workers watch for hand edits: the content and the build's outputs, nothing else."""

from __future__ import annotations

from pathlib import Path

from parcours.settings import Settings
from parcours.web.watch import _relevant, watched


def test_only_content_folders_are_watched_deeply(tmp_path: Path) -> None:
    for name in ("tours", "assets", "locales", "node_modules", ".venv", ".git"):
        (tmp_path / name).mkdir()
    build = tmp_path / "elsewhere" / "build"  # PARCOURS_BUILD_DIR outside the root
    build.mkdir(parents=True)
    settings = Settings(root=tmp_path, build_dir=build)
    deep, flat = watched(settings)
    assert deep == [tmp_path / "tours", tmp_path / "assets", tmp_path / "locales"]
    assert flat == [tmp_path, build]
    relevant = [
        tmp_path / "site_catalog.yaml",
        tmp_path / "tours" / "denain-1712.yaml",
        tmp_path / "locales" / "nl" / "LC_MESSAGES" / "content.po",
        tmp_path / "assets" / "caph-8n" / "asset.yaml",
        build / "manifest.json",
        build / "narrations.json",
    ]
    ignored = [
        tmp_path / "package.json",
        tmp_path / "tours" / ".denain-1712.yaml.swp",
        tmp_path / "assets" / "caph-8n" / "notes.txt",
        build / "jobs" / "caph-8n.json",
        build / "cache" / "po-0123.json",
    ]
    assert [p for p in relevant if not _relevant(str(p), settings)] == []
    assert [p for p in ignored if _relevant(str(p), settings)] == []
