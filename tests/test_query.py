"""Parsing list parameters: every bad value is a 400 that names the parameter."""

from __future__ import annotations

import pytest

from parcours.errors import BadParameter
from parcours.query import fold, parse_site_query


def parse(**params: str):  # type: ignore[no-untyped-def]
    return parse_site_query(params, 100, 500, 200_000)


def test_defaults() -> None:
    query = parse()
    assert query.is_default and (query.limit, query.offset) == (100, 0)


def test_type_accepts_slug_and_french_label() -> None:
    assert parse(type="cite-miniere").type == "cité minière"
    assert parse(type="Cité minière").type == "cité minière"
    assert parse(type="etang-d-affaissement").type == "étang d'affaissement"


@pytest.mark.parametrize(
    ("params", "name", "fragment"),
    [
        ({"type": "terrill"}, "type", "did you mean 'terril'"),
        ({"near": "50.3"}, "near", "expected 2"),
        ({"near": "abc,def"}, "near", "not a list of numbers"),
        ({"near": "3.42,500"}, "near", "latitude first"),
        ({"near": "nan,3"}, "near", "finite"),
        ({"radius": "100"}, "radius", "only makes sense with 'near'"),
        ({"near": "50.3,3.4", "radius": "-5"}, "radius", "over 0"),
        ({"near": "50.3,3.4", "radius": "1e9"}, "radius", "at most"),
        ({"bbox": "1,2,3"}, "bbox", "expected 4"),
        ({"bbox": "3.4,50.4,3.5,50.3"}, "bbox", "minlat <= maxlat"),
        ({"limit": "0"}, "limit", "between 1 and 500"),
        ({"limit": "ten"}, "limit", "not a whole number"),
        ({"offset": "-1"}, "offset", "between 0"),
        ({"q": "!!!"}, "q", "no letter or digit"),
        ({"q": "x" * 300}, "q", "longer than"),
        ({"sort": "name"}, "sort", "unknown parameter"),
        ({"tpye": "terril"}, "tpye", "did you mean 'type'"),
    ],
)
def test_bad_parameters(params: dict[str, str], name: str, fragment: str) -> None:
    with pytest.raises(BadParameter) as info:
        parse_site_query(params, 100, 500, 200_000)
    assert info.value.details["parameter"] == name
    assert fragment in info.value.message
    assert info.value.status == 400


def test_fold_is_accent_and_case_insensitive() -> None:
    assert fold("Cité d'ÉLIE Œuvre") == "cite d elie oeuvre"
    assert fold("  Saint-Amand-les-Eaux ") == "saint amand les eaux"
