"""Suggestions for a mistyped id or sign code stay cheap however long the list."""

from __future__ import annotations

import difflib

import pytest

from parcours import listing
from parcours.listing import SPELLING_POOL, close_matches


def test_close_matches_in_a_long_list_look_around_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ordered = sorted(f"caph-{n}-cite-{n % 97}" for n in range(100_000))
    compared: list[int] = []
    original = difflib.get_close_matches

    def counting(wanted: str, names: list[str], n: int, cutoff: float) -> list[str]:
        compared.append(len(names))
        return original(wanted, names, n=n, cutoff=cutoff)

    monkeypatch.setattr(listing.difflib, "get_close_matches", counting)
    assert "caph-71234-cite-36" in close_matches("caph-71234-cite-3", ordered)
    close_matches("zz-unknown", ordered)  # after the last name: the pool is the end
    assert compared and max(compared) <= SPELLING_POOL
    # A short list is compared whole, as difflib alone would.
    assert close_matches("caph-8n", ["caph-8m", "caph-8n-bis", "other"]) == [
        "caph-8m",
        "caph-8n-bis",
    ]
