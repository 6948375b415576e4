"""Content files parsed once per content: a restart reads the plain data back."""

from __future__ import annotations

from pathlib import Path

import pytest

from parcours import yamldoc
from parcours.errors import CatalogueInvalid
from parcours.yamldoc import load_yaml


def test_a_file_is_parsed_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, cache = tmp_path / "site.yaml", tmp_path / "cache"
    source.write_text("id: caph-1\nlocation: {lat: 50.3, lon: 3.4}\ntags: [a, 2, 2026-11-23]\n")
    first = load_yaml(source, "site.yaml", 10_000, cache)
    assert first.data == {"id": "caph-1", "location": {"lat": 50.3, "lon": 3.4},
                          "tags": ["a", 2, "2026-11-23"]}  # fmt: skip
    parsed: list[str] = []
    original = yamldoc._shape_problem
    monkeypatch.setattr(
        yamldoc, "_shape_problem", lambda text, name: parsed.append(name) or original(text, name)
    )
    again = load_yaml(source, "site.yaml", 10_000, cache)
    assert again.data == first.data and parsed == []  # from the cache
    assert again.line_of(["location", "lat"]) == 2  # problems are still located
    source.write_text("id: caph-2\n")
    assert load_yaml(source, "site.yaml", 10_000, cache).data == {"id": "caph-2"}
    assert parsed == ["site.yaml"]  # an edit is parsed again
    assert len(list(cache.iterdir())) == 1  # and replaces the cached copy


def test_a_damaged_cache_is_ignored_and_errors_are_never_cached(tmp_path: Path) -> None:
    source, cache = tmp_path / "site.yaml", tmp_path / "cache"
    source.write_text("id: caph-1\n")
    load_yaml(source, "site.yaml", 10_000, cache)
    (only,) = cache.iterdir()
    only.write_bytes(b"\x00not marshal")
    assert load_yaml(source, "site.yaml", 10_000, cache).data == {"id": "caph-1"}
    source.write_text("id: [caph-1\n")
    for _ in range(2):
        with pytest.raises(CatalogueInvalid) as refused:
            load_yaml(source, "site.yaml", 10_000, cache)
        assert [p.code for p in refused.value.problems] == ["yaml_syntax"]
