"""Properties, checked on generated input (Hypothesis).

Geo queries through the API (`near`, `radius`, `bbox` of /api/sites and its GeoJSON, `bbox`
of the OGC items, `lat`/`lon`/`accuracy` of a trail's progress): whatever the values, the
answer is a 200 or a 400 that names one of the parameters sent, never a 500; and a 200 keeps
its promise (every site within the radius, inside the box).

Catalogue loading: a site record of a copy of site_catalog.yaml changed at random (a key
dropped, a value replaced by any YAML value, NaN and infinities included, the record
duplicated or replaced, or a character typed anywhere in the file) either loads or raises
CatalogueInvalid whose problems each say file, path and message, never another exception.
Element codes: a component number and up to three letters validate, and such a code is a
short code (`/s/8aaa`) and a sign.
"""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from starlette.testclient import TestClient

from parcours.catalogue import load_catalogue
from parcours.errors import CatalogueInvalid
from parcours.geo import distance_m
from parcours.settings import BUNDLED_ROOT, Settings
from tests.conftest import replace_in

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

# --- Values a person or a program may put in a query string --------------------------------

FLOATS = st.floats(allow_nan=True, allow_infinity=True)
NUMBER = st.one_of(
    FLOATS.map(repr),
    FLOATS.map(lambda x: f"{x:g}"),
    st.floats(-200, 200).map(lambda x: f"{x:.5f}"),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            *("", " ", "nan", "-inf", "Infinity", "1e999", "-1e-999", "0x10", "1_000", "５０.３"),
            *("½", "50.3845", "3.4258", "+50", ".5", "5.", "--1", "1,5", "١٢", "\x00", "%", "1e"),
        ]
    ),
)
SEPARATOR = st.sampled_from([",", ", ", " ,", ";", " ", ",,", "\t", "，"])


@st.composite
def number_list(draw: st.DrawFn) -> str:
    values = draw(st.lists(NUMBER, max_size=7))
    text = ""
    for index, value in enumerate(values):
        text += (draw(SEPARATOR) if index else "") + value
    return text


VALUE = st.one_of(number_list(), NUMBER, st.text(max_size=40))


@st.composite
def plausible_box(draw: st.DrawFn) -> str:
    """Boxes that mostly parse, so that the 200 answers get checked too."""
    west = draw(st.floats(3.0, 3.8))
    south = draw(st.floats(50.1, 50.6))
    east = west + draw(st.floats(0, 0.5))
    north = south + draw(st.floats(0, 0.3))
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


@st.composite
def plausible_point(draw: st.DrawFn) -> str:
    return f"{draw(st.floats(50.1, 50.6)):.5f},{draw(st.floats(3.0, 3.8)):.5f}"


def assert_ok_or_names_a_parameter(answer: Any, sent: dict[str, str]) -> bool:
    """200, or a 400 naming one parameter sent; True if it was a 200."""
    event(f"status {answer.status_code}")
    assert answer.status_code in (200, 400), (sent, answer.status_code, answer.text[:300])
    if answer.status_code == 200:
        return True
    error = answer.json()["error"]
    name = error["details"]["parameter"]
    assert name in sent, (sent, error)
    assert error["code"] == "bad_parameter"
    assert error["message"].startswith(f"parameter '{name}'"), error
    return False


# --- Geo queries -----------------------------------------------------------------------------


@st.composite
def site_geo_query(draw: st.DrawFn) -> dict[str, str]:
    """Either any values, or values that mostly parse (so that 200 answers are checked)."""
    wild = draw(st.booleans())
    near = draw(st.none() | (VALUE if wild else plausible_point()))
    radius = st.floats(1, 300_000).map(lambda x: f"{x:.0f}")
    values = {
        "near": near,
        "radius": draw(st.none() | (VALUE if wild else radius)) if wild or near else None,
        "bbox": draw(st.none() | (VALUE if wild else plausible_box())),
    }
    return {name: value for name, value in values.items() if value is not None}


@PROPERTY
@given(sent=site_geo_query(), geojson=st.booleans())
def test_site_geo_queries_never_fail(
    client: TestClient, sent: dict[str, str], geojson: bool
) -> None:
    answer = client.get("/api/sites.geojson" if geojson else "/api/sites", params=sent)
    if not assert_ok_or_names_a_parameter(answer, sent):
        return
    body = answer.json()
    points = (
        [
            (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
            for f in body["features"]
        ]
        if geojson
        else [(s["location"]["lat"], s["location"]["lon"]) for s in body["items"]]
    )
    if "near" in sent:  # nearest first
        found = body["features"] if geojson else body["items"]
        distances = [(f["properties"] if geojson else f)["distance_m"] for f in found]
        assert distances == sorted(distances), sent
    if "near" in sent and "radius" in sent:
        lat, lon = (float(x) for x in sent["near"].split(","))
        for point in points:
            assert distance_m(lat, lon, *point) <= float(sent["radius"]) + 1, (sent, point)
    if "bbox" in sent:
        west, south, east, north = (float(x) for x in sent["bbox"].split(","))
        if west <= east:
            for lat, lon in points:
                assert west <= lon <= east and south <= lat <= north, (sent, lat, lon)


@PROPERTY
@given(bbox=VALUE | plausible_box(), collection=st.sampled_from(["sites", "trails"]))
def test_ogc_bbox_never_fails(client: TestClient, bbox: str, collection: str) -> None:
    sent = {"bbox": bbox}
    answer = client.get(f"/ogc/collections/{collection}/items", params=sent)
    if assert_ok_or_names_a_parameter(answer, sent):
        assert answer.json()["type"] == "FeatureCollection"


@PROPERTY
@given(
    lat=VALUE | st.floats(50.1, 50.6).map(str),
    lon=VALUE | st.floats(3.0, 3.8).map(str),
    accuracy=st.none() | VALUE,
)
def test_trail_progress_never_fails(
    client: TestClient, lat: str, lon: str, accuracy: str | None
) -> None:
    sent = {"lat": lat, "lon": lon} | ({"accuracy": accuracy} if accuracy is not None else {})
    answer = client.get("/api/trails/denain-1712/progress", params=sent)
    if assert_ok_or_names_a_parameter(answer, sent):
        body = answer.json()
        assert body["status"] and math.isfinite(body["along_m"])


# --- Catalogue loading ---------------------------------------------------------------------

YAML_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | FLOATS | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
SAFE = YAML(typ="safe", pure=False)


@pytest.fixture(scope="module")
def catalogue_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, str]:
    root = tmp_path_factory.mktemp("catalogue")
    text = (BUNDLED_ROOT / "site_catalog.yaml").read_text(encoding="utf-8")
    shutil.copy2(BUNDLED_ROOT / "site_catalog.yaml", root / "site_catalog.yaml")
    return root, SAFE.load(text), text


def _dump(data: Any) -> str:
    out = io.StringIO()
    SAFE.dump(data, out)
    return out.getvalue()


def _set_at(record: Any, path: list[str], value: Any) -> None:
    for key in path[:-1]:
        record = record.setdefault(key, {}) if isinstance(record, dict) else record
    if isinstance(record, dict):
        record[path[-1]] = value


@st.composite
def mutated_catalogue(draw: st.DrawFn, data: Any, text: str) -> str:
    import copy

    sites = data["sites"]
    index = draw(st.integers(0, len(sites) - 1))
    kind = draw(
        st.sampled_from(["drop", "replace", "nested", "add", "duplicate", "record", "typo"])
    )
    if kind == "typo":  # a character typed somewhere in the file, in the text itself
        position = draw(st.integers(0, len(text)))
        typed = draw(
            st.sampled_from(["\t", ":", "-", "'", '"', "{", "[", "&", "*", "!", "#", "\n"])
        )
        return text[:position] + typed + text[position:]
    mutated = copy.deepcopy(data)
    record = mutated["sites"][index]
    keys = sorted(record)
    if kind == "drop":
        record.pop(draw(st.sampled_from(keys)), None)
    elif kind == "replace":
        record[draw(st.sampled_from(keys))] = draw(YAML_VALUE)
    elif kind == "nested":
        path = draw(
            st.sampled_from(
                [["location", "lat"], ["location", "lon"], ["unesco", "ref"], ["name"], ["type"]]
            )
        )
        _set_at(record, path, draw(YAML_VALUE | FLOATS))
    elif kind == "add":
        record[draw(st.text(min_size=1, max_size=12))] = draw(YAML_VALUE)
    elif kind == "duplicate":
        mutated["sites"].append(copy.deepcopy(record))
    else:
        mutated["sites"][index] = draw(YAML_VALUE)
    return _dump(mutated)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_a_mutated_site_loads_or_says_what_is_wrong(
    catalogue_copy: tuple[Path, Any, str], data: st.DataObject
) -> None:
    root, original, text = catalogue_copy
    (root / "site_catalog.yaml").write_text(
        data.draw(mutated_catalogue(original, text)), encoding="utf-8"
    )
    try:
        load_catalogue(Settings(root=root))
        event("loads")
    except CatalogueInvalid as exc:
        event("refused")
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "site_catalog.yaml"
            assert isinstance(problem.path, str)
            assert isinstance(problem.message, str) and problem.message.strip()
            assert problem.line is None or problem.line >= 1
            assert str(problem)  # prints as `parcours check` shows it


# --- Element codes -------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(letters=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=5))
def test_element_codes_take_up_to_three_letters(
    catalogue_copy: tuple[Path, Any, str], letters: str
) -> None:
    root, original, text = catalogue_copy
    element = f"8{letters}"
    taken = {s["unesco"]["element"] for s in original["sites"]} - {"8N"}
    (root / "site_catalog.yaml").write_text(
        text.replace("element: 8N\n", f"element: '{element}'\n", 1), encoding="utf-8"
    )
    try:
        catalogue = load_catalogue(Settings(root=root))
    except CatalogueInvalid as exc:
        assert len(letters) > 3 or element in taken, exc.problems
        assert {p.path.rsplit(".", 1)[-1] for p in exc.problems} == {"element"}
    else:
        assert len(letters) <= 3 and element not in taken
        assert element in {s.unesco.element for s in catalogue.sites}


def test_a_three_letter_element_is_a_short_code_and_a_sign(content_root: Path) -> None:
    from parcours import qr
    from parcours.snapshot import build_snapshot
    from parcours.web.app import create_app

    replace_in(content_root / "site_catalog.yaml", "element: 8N\n", "element: 8AAA\n")
    settings = Settings(root=content_root)
    snapshot = build_snapshot(settings)
    assert snapshot.codes["8aaa"].site_id == "caph-8n-cite-lagrange"
    (sign,) = [s for s in qr.plan_signs(snapshot, "https://x.example") if s.code == "8aaa"]
    assert sign.url == "https://x.example/s/8aaa"
    with TestClient(create_app(settings, snapshot)) as client:
        answer = client.get("/s/8AAA", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("/sites/caph-8n-cite-lagrange?")
