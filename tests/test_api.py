"""The JSON API: filters, pagination, languages, caching headers and the one error shape."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from parcours.model import catalogue_json_schema
from parcours.settings import BUNDLED_ROOT
from parcours.snapshot import Snapshot

ARENBERG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"


def ids(response: Any) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


def localized_fields(node: Any) -> list[dict[str, Any]]:
    """Every {"text": ...} object in a document."""
    found = []
    if isinstance(node, dict):
        if "text" in node:
            found.append(node)
        for value in node.values():
            found += localized_fields(value)
    elif isinstance(node, list):
        for value in node:
            found += localized_fields(value)
    return found


def test_list_returns_all_53_sites(client: TestClient) -> None:
    response = client.get("/api/sites")
    body = response.json()
    assert response.status_code == 200
    assert body["total"] == 53 and body["count"] == 53
    assert "next" not in body["links"]
    assert response.headers["content-language"] == "fr"


def test_pagination_links_walk_the_whole_catalogue(client: TestClient) -> None:
    url: str | None = "/api/sites?limit=20&lang=en"
    seen: list[str] = []
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        url = body["links"].get("next")
        pages += 1
    assert pages == 3 and len(seen) == 53 == len(set(seen))
    last = client.get("/api/sites?limit=20&offset=40&lang=en").json()
    assert last["links"]["prev"].endswith("offset=20")


def test_filter_by_type_and_commune(client: TestClient) -> None:
    terrils = client.get("/api/sites?type=terril").json()
    assert terrils["total"] == 9
    assert {item["type"]["id"] for item in terrils["items"]} == {"terril"}
    sentinelle = client.get("/api/sites", params={"commune": "LA SENTINELLE"}).json()
    assert sentinelle["total"] == 4
    schools_wallers = client.get("/api/sites?type=ecole&commune=wallers").json()
    assert schools_wallers["total"] == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "MATHILDE"}, "caph-17-fosse-mathilde"),
        ({"q": "ecole menagere"}, "caph-15f-ecole-menagere-d-arenberg"),
        ({"q": "Élément 15A"}, ARENBERG),
        ({"q": "headframes Germinal", "lang": "en"}, ARENBERG),
        ({"q": "Fördergerüste", "lang": "de"}, ARENBERG),
    ],
)
def test_text_search_is_accent_and_case_insensitive(
    client: TestClient, params: dict[str, str], expected: str
) -> None:
    assert expected in ids(client.get("/api/sites", params=params))


def test_near_sorts_by_distance(client: TestClient) -> None:
    body = client.get("/api/sites?near=50.38449,3.42582&radius=1500&lang=en").json()
    distances = [item["distance_m"] for item in body["items"]]
    assert body["items"][0]["id"] == ARENBERG and distances[0] == 0
    assert distances == sorted(distances) and all(d <= 1500 for d in distances)
    assert 0 < body["total"] < 53
    everything = client.get("/api/sites?near=50.38449,3.42582").json()
    assert everything["total"] == 53


def test_bbox(client: TestClient) -> None:
    body = client.get("/api/sites?bbox=3.36,50.31,3.40,50.34").json()
    assert body["total"] > 0
    for item in body["items"]:
        assert 3.36 <= item["location"]["lon"] <= 3.40
        assert 50.31 <= item["location"]["lat"] <= 50.34


def test_site_record(client: TestClient) -> None:
    body = client.get(f"/api/sites/{ARENBERG}?lang=nl").json()
    assert body["id"] == ARENBERG and body["lang"] == "nl"
    assert body["unesco"] == {**body["unesco"], "property": 1360, "element": "15A", "component": 15}
    assert body["summary"]["lang"] == "nl" and body["description"]["lang"] == "nl"
    assert body["name"] == {"text": "Fosse d'Arenberg (Arenberg Creative Mine)", "lang": "fr"}
    assert body["type"]["label"] == {"text": "mijnschacht", "lang": "nl"}
    assert body["location"] == {"lat": 50.38449, "lon": 3.42582}
    assert body["sources"] and "Licence Ouverte" in body["licence"]["name"]


@pytest.mark.parametrize("lang", ["fr", "en", "nl", "de", "pcd", "pl"])
def test_every_localized_field_says_its_language(
    client: TestClient, snapshot: Snapshot, lang: str
) -> None:
    for url in ("/api/sites", f"/api/sites/{ARENBERG}"):
        fields = localized_fields(client.get(url, params={"lang": lang}).json())
        assert fields and all(f["lang"] in snapshot.languages for f in fields)
    fields = localized_fields(client.get(f"/api/sites/{ARENBERG}", params={"lang": lang}).json())
    expected = "fr" if lang in {"pcd", "pl"} else lang
    assert {f["lang"] for f in fields if f is not None} >= {expected}


@pytest.mark.parametrize(
    ("headers", "params", "expected"),
    [
        ({"accept-language": "nl-BE,nl;q=0.9"}, {}, "nl"),
        ({"accept-language": "de-AT"}, {}, "de"),
        ({"accept-language": "pl,en;q=0.5"}, {}, "en"),
        ({"accept-language": "zz;;q=9,,"}, {}, "fr"),
        ({"accept-language": "nl"}, {"lang": "de"}, "de"),
        ({}, {"lang": "en-GB"}, "en"),
        ({}, {"lang": "pcd"}, "pcd"),
    ],
)
def test_language_selection(
    client: TestClient, headers: dict[str, str], params: dict[str, str], expected: str
) -> None:
    response = client.get(f"/api/sites/{ARENBERG}", headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-language"] == expected
    assert "Accept-Language" in response.headers["vary"]
    assert response.json()["lang"] == expected


def test_picard_falls_back_to_french_and_says_so(client: TestClient) -> None:
    body = client.get(f"/api/sites/{ARENBERG}?lang=pcd").json()
    assert body["summary"]["lang"] == "fr"


def test_geojson(client: TestClient) -> None:
    response = client.get("/api/sites.geojson?lang=de")
    assert response.headers["content-type"].startswith("application/geo+json")
    doc = response.json()
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert len(doc["features"]) == 53
    west, south, east, north = doc["bbox"]
    for feature in doc["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        assert 3.15 < lon < 3.65 and 50.2 < lat < 50.55  # longitude first
        assert west <= lon <= east and south <= lat <= north
        assert feature["properties"]["summary_lang"] == "de"
    terrils = client.get("/api/sites.geojson?type=terril").json()
    assert len(terrils["features"]) == 9


def test_unknown_site_suggests_close_ids(client: TestClient) -> None:
    response = client.get("/api/sites/fosse-mathilde")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_site"
    assert error["details"]["suggestions"][0] == "caph-17-fosse-mathilde"


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/sites?near=abc", "near"),
        ("/api/sites?bbox=1,2", "bbox"),
        ("/api/sites?limit=100000", "limit"),
        ("/api/sites?type=mine", "type"),
        ("/api/sites?lang=xx", "lang"),
        ("/api/sites?typo=1", "typo"),
        ("/api/sites?type=terril&type=fosse", "type"),
        ("/api/sites.geojson?limit=5", "limit"),
        (f"/api/sites/{ARENBERG}?q=x", "q"),
    ],
)
def test_bad_parameters_name_the_parameter(client: TestClient, url: str, parameter: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_parameter"
    assert error["details"]["parameter"] == parameter
    assert parameter in error["message"]


@pytest.mark.parametrize("url", ["/api/nothing", "/api/sites/x/y", "/-/nothing"])
def test_unknown_api_routes_use_the_error_shape(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_writes_are_refused_with_the_error_shape(client: TestClient) -> None:
    response = client.put("/api/sites", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    anonymous = client.post("/api/sites", json={})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"


def test_etag_and_304(client: TestClient) -> None:
    first = client.get("/api/sites?lang=en", headers={"accept-encoding": "identity"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(
        "/api/sites?lang=en", headers={"if-none-match": etag, "accept-encoding": "identity"}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/api/sites?lang=de", headers={"if-none-match": etag})
    assert other.status_code == 200


def test_gzip_has_its_own_etag(client: TestClient) -> None:
    plain = client.get("/api/sites?lang=en", headers={"accept-encoding": "identity"})
    zipped = client.get("/api/sites?lang=en", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert json.loads(zipped.content) == plain.json()  # the client decoded it
    assert int(zipped.headers["content-length"]) < len(plain.content)
    raw = client.get("/api/sites?lang=en", headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in raw.headers
    assert gzip.compress(b"x")  # gzip available


def test_head_gives_length_without_body(client: TestClient) -> None:
    get = client.get(f"/api/sites/{ARENBERG}", headers={"accept-encoding": "identity"})
    head = client.head(f"/api/sites/{ARENBERG}", headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))


def test_cross_origin_reads(client: TestClient) -> None:
    response = client.get("/api/sites", headers={"origin": "https://museum.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        "/api/sites",
        headers={
            "origin": "https://museum.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["access-control-allow-methods"]
    error = client.get("/api/sites/nope", headers={"origin": "https://museum.example"})
    assert error.headers["access-control-allow-origin"] == "*"


def test_languages_endpoint(client: TestClient) -> None:
    body = client.get("/api/languages").json()
    codes = [lang["code"] for lang in body["languages"]]
    assert codes[:4] == ["fr", "en", "nl", "de"] and "pcd" in codes
    for lang in body["languages"][:4]:
        assert lang["content"]["completeness"] == 1.0
        assert lang["interface"]["completeness"] == 1.0


def test_schema_is_generated_committed_and_referenced(client: TestClient) -> None:
    served = client.get("/schema/site_catalog.json")
    assert served.headers["content-type"].startswith("application/schema+json")
    assert served.json() == catalogue_json_schema()
    committed = json.loads((BUNDLED_ROOT / "schema/site_catalog.json").read_text("utf-8"))
    assert committed == catalogue_json_schema(), "run `parcours schema` to refresh it"
    first_line = (BUNDLED_ROOT / "site_catalog.yaml").read_text("utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./schema/site_catalog.json"
    from parcours.schemas import SCHEMAS, json_schema

    for name in SCHEMAS:
        on_disk = json.loads((BUNDLED_ROOT / "schema" / name).read_text("utf-8"))
        assert on_disk == json_schema(name), "run `parcours schema` to refresh schema/"
        assert client.get(f"/schema/{name}").json() == json_schema(name)
    for pattern, reference in (
        ("tours/*.yaml", "../schema/trail.json"),
        ("assets/*/asset.yaml", "../../schema/asset.json"),
    ):
        for path in BUNDLED_ROOT.glob(pattern):
            first = path.read_text("utf-8").splitlines()[0]
            assert first == f"# yaml-language-server: $schema={reference}", path


def test_schema_accepts_the_bundled_catalogue() -> None:
    """The generated schema, applied by a JSON Schema validator, accepts our YAML."""
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    data = yaml.safe_load((BUNDLED_ROOT / "site_catalog.yaml").read_text("utf-8"))
    jsonschema.validate(data, catalogue_json_schema())
    data["sites"][0]["typo"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, catalogue_json_schema())


def test_health_and_version(client: TestClient, snapshot: Snapshot) -> None:
    health = client.get("/-/health").json()
    assert health["status"] == "ok" and health["sites"] == 53
    version = client.get("/-/version").json()
    assert version["revision"] == snapshot.revision


FAST_LANE_URLS = [
    "/api/sites",
    "/api/sites?lang=nl",
    "/api/sites?lang=de-AT",
    "/api/sites.geojson?lang=en",
    f"/api/sites/{ARENBERG}",
    f"/api/sites/{ARENBERG}?lang=pcd",
    "/api/languages",
    "/schema/site_catalog.json",
]


@pytest.mark.parametrize("url", FAST_LANE_URLS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"accept-language": "nl-BE,nl;q=0.9", "accept-encoding": "gzip"},
        {"accept-encoding": "identity"},
    ],
)
def test_fast_lane_answers_exactly_like_the_routes(
    snapshot: Snapshot, url: str, headers: dict[str, str]
) -> None:
    from parcours.web.app import create_app

    fast = TestClient(create_app(snapshot.settings, snapshot))
    slow = TestClient(create_app(snapshot.settings, snapshot, fast_lane=False))
    for extra in ({}, {"if-none-match": fast.get(url, headers=headers).headers["etag"]}):
        a = fast.get(url, headers={**headers, **extra})
        b = slow.get(url, headers={**headers, **extra})
        assert a.status_code == b.status_code
        assert dict(a.headers) == dict(b.headers)
        assert a.content == b.content
