"""Language negotiation: the issue's examples, junk headers, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.i18n.negotiate import (
    negotiate_language,
    normalize_language_param,
    parse_accept_language,
)

AVAILABLE = ("fr", "en", "nl", "de")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-BE,nl;q=0.9", "nl"),
        ("de-AT", "de"),
        ("pl,en;q=0.5", "en"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("fr-BE", "fr"),
        ("NL-be", "nl"),
        ("de;q=0.5, en;q=0.8", "en"),
        ("en;q=0, de", "de"),
        ("*", "fr"),
        ("xx-YY", "fr"),
        ("", "fr"),
        (None, "fr"),
        (";;;,,,q=2", "fr"),
        ("en;q=abc, de", "de"),
        ("€€€", "fr"),
        ("en" * 2000, "fr"),
    ],
)
def test_negotiation(header: str | None, expected: str) -> None:
    assert negotiate_language(header, AVAILABLE, "fr") == expected


def test_parse_orders_by_quality_then_position() -> None:
    assert parse_accept_language("a;q=0.5, b, c;q=0.9, d") == ["b", "d", "c", "a"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("nl-BE", "nl"),
        ("nl_BE", "nl"),
        ("pcd", "pcd"),
        ("xx", None),
        ("", None),
        ("e", None),
        ("../etc", None),
        ("en-", None),
    ],
)
def test_lang_parameter(value: str, expected: str | None) -> None:
    assert normalize_language_param(value, (*AVAILABLE, "pcd")) == expected


@given(st.text(max_size=300))
def test_any_header_gives_an_available_language(header: str) -> None:
    assert negotiate_language(header, AVAILABLE, "fr") in AVAILABLE


@given(
    st.lists(
        st.sampled_from(["fr", "en", "nl", "de", "pl", "it", "nl-BE", "de-CH", "*"]),
        min_size=1,
        max_size=5,
    )
)
def test_first_available_language_wins(tags: list[str]) -> None:
    header = ", ".join(tags)
    expected = next((t.split("-")[0] for t in tags if t.split("-")[0] in AVAILABLE), "fr")
    assert negotiate_language(header, AVAILABLE, "fr") == expected
