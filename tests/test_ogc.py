"""OGC API – Features Part 1 at /ogc: documents, paging, bbox, errors, formats, languages;
then OWSLib, a client nobody here wrote, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from parcours.ogc import CONFORMANCE, CRS84
from parcours.snapshot import Snapshot
from tests.e2e.conftest import Server, start_server, stop

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
#: Around the pit, estates and schools of Wallers-Arenberg (minlon, minlat, maxlon, maxlat).
ARENBERG = (3.415, 50.375, 3.44, 50.39)


def rels(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for link in document["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def inside(coordinates: list[float], box: tuple[float, ...]) -> bool:
    lon, lat = coordinates
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def test_landing_links(client: TestClient) -> None:
    response = client.get("/ogc")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-language"] == "fr"
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document["title"] and document["description"]
    links = rels(document)
    assert links["self"][0]["type"] == "application/json"
    assert links["alternate"][0]["type"] == "text/html"
    (desc,) = links["service-desc"]
    assert desc["href"].endswith("/openapi.json")
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.1"
    assert links["conformance"][0]["href"].startswith("http://testserver/ogc/conformance")
    assert links["data"][0]["href"].startswith("http://testserver/ogc/collections")
    assert client.get(desc["href"]).status_code == 200
    assert client.get("/ogc/").json() == document  # OWSLib asks for the trailing slash


def test_same_request_same_bytes_and_304(client: TestClient) -> None:
    first = client.get("/ogc/collections/sites/items?limit=5")
    second = client.get("/ogc/collections/sites/items?limit=5")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    again = client.get(
        "/ogc/collections/sites/items?limit=5", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert "Accept" in first.headers["vary"]


def test_conformance(client: TestClient) -> None:
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    assert CORE in conforms
    assert set(conforms) == set(CONFORMANCE)
    assert {c.rsplit("/", 1)[1] for c in conforms} == {"core", "geojson", "html"}
    assert not any(c.endswith("oas30") for c in conforms)  # our OpenAPI is 3.1


def test_collections_with_extents(client: TestClient, snapshot: Snapshot) -> None:
    document = client.get("/ogc/collections").json()
    by_id = {c["id"]: c for c in document["collections"]}
    assert set(by_id) == {"sites", "trails"}
    for collection in by_id.values():
        assert collection["itemType"] == "feature"
        assert collection["title"] and collection["description"]
        assert CRS84 in collection["crs"]
        assert collection["extent"]["spatial"]["crs"] == CRS84
        links = rels(collection)
        assert {link["type"] for link in links["items"]} == {"application/geo+json", "text/html"}
    west, south, east, north = by_id["sites"]["extent"]["spatial"]["bbox"][0]
    lons = [s.location.lon for s in snapshot.sites]
    lats = [s.location.lat for s in snapshot.sites]
    assert (west, south, east, north) == (min(lons), min(lats), max(lons), max(lats))
    trails_box = by_id["trails"]["extent"]["spatial"]["bbox"][0]
    assert trails_box[0] < trails_box[2] and trails_box[1] < trails_box[3]
    one = client.get("/ogc/collections/trails").json()
    assert one["extent"] == by_id["trails"]["extent"]


def test_items_paging_collects_every_site(client: TestClient, snapshot: Snapshot) -> None:
    page = client.get("/ogc/collections/sites/items?limit=20")
    assert page.headers["content-type"] == "application/geo+json"
    document = page.json()
    assert document["type"] == "FeatureCollection"
    assert document["numberReturned"] == 20 == len(document["features"])
    assert document["numberMatched"] == 53
    assert document["timeStamp"].endswith("Z")
    assert {"self", "alternate", "next"} <= set(rels(document))
    seen = [f["id"] for f in document["features"]]
    pages = 1
    while "next" in rels(document):
        document = client.get(rels(document)["next"][0]["href"]).json()
        assert "prev" in rels(document)
        seen += [f["id"] for f in document["features"]]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 53
    assert set(seen) == set(snapshot.by_id)
    default = client.get("/ogc/collections/sites/items").json()
    assert default["numberReturned"] == 10


def test_site_feature(client: TestClient) -> None:
    feature = client.get("/ogc/collections/sites/items?limit=1").json()["features"][0]
    assert feature["geometry"]["type"] == "Point"
    properties = feature["properties"]
    assert isinstance(properties["name"], str) and properties["name_lang"] == "fr"
    assert isinstance(properties["summary"], str) and properties["summary_lang"] == "fr"
    pages = [link for link in feature["links"] if link["type"] == "text/html"]
    assert pages[0]["href"].endswith(f"/sites/{feature['id']}?lang=fr")


def test_trails_are_lines(client: TestClient, snapshot: Snapshot) -> None:
    document = client.get("/ogc/collections/trails/items?limit=100").json()
    assert document["numberMatched"] == len(snapshot.trails.resolved)
    for feature in document["features"]:
        assert feature["geometry"]["type"] == "LineString"
        assert len(feature["geometry"]["coordinates"]) >= 2  # RFC 7946
        properties = feature["properties"]
        assert {"title", "summary", "length_m", "length", "duration", "mode", "stops"} <= set(
            properties
        )
        page = next(link for link in feature["links"] if link["type"] == "text/html")
        assert f"/trails/{feature['id']}" in page["href"]


def test_bbox_keeps_sites_inside(client: TestClient, snapshot: Snapshot) -> None:
    box = ",".join(map(str, ARENBERG))
    document = client.get(f"/ogc/collections/sites/items?bbox={box}&limit=100").json()
    found = {f["id"] for f in document["features"]}
    for feature in document["features"]:
        assert inside(feature["geometry"]["coordinates"], ARENBERG)
    expected = {s.id for s in snapshot.sites if inside([s.location.lon, s.location.lat], ARENBERG)}
    assert found == expected
    assert 5 < len(found) < 53
    assert "caph-15a-fosse-d-arenberg-arenberg-creative-mine" in found
    assert document["numberMatched"] == len(found)
    assert f"bbox={box.replace(',', '%2C')}" in rels(document)["self"][0]["href"]
    west, south, east, north = ARENBERG
    six = client.get(
        f"/ogc/collections/sites/items?bbox={west},{south},0,{east},{north},100&limit=100"
    ).json()
    assert {f["id"] for f in six["features"]} == found
    trails = client.get(f"/ogc/collections/trails/items?bbox={box}").json()
    assert "arenberg" in {f["id"] for f in trails["features"]}


def test_one_item_and_404_with_suggestion(client: TestClient) -> None:
    site_id = "caph-17-fosse-mathilde"
    feature = client.get(f"/ogc/collections/sites/items/{site_id}").json()
    assert feature["type"] == "Feature" and feature["id"] == site_id
    assert {"self", "alternate", "collection"} <= set(rels(feature))
    missing = client.get("/ogc/collections/sites/items/caph-17-fosse-mathild")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "unknown_feature"
    assert site_id in error["details"]["suggestions"]
    unknown = client.get("/ogc/collections/site/items")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"]["suggestions"] == ["sites"]
    trail = client.get("/ogc/collections/trails/items/arenbreg").json()
    assert trail["error"]["details"]["suggestions"][0] == "arenberg"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=3.4,50.4,3.5,50.3", "bbox"),
        ("bbox=3.4,50.3,3.5", "bbox"),
        ("sort=name", "sort"),
        ("f=xml", "f"),
        ("lang=xx", "lang"),
        ("limit=5&limit=6", "limit"),
    ],
)
def test_bad_parameters_are_named(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/ogc/collections/sites/items?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_parameter"
    assert error["details"]["parameter"] == parameter


def test_unknown_parameter_elsewhere(client: TestClient) -> None:
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections/sites/items/x"):
        response = client.get(f"{path}?limit=5")
        assert response.status_code == 400, path
        assert response.json()["error"]["details"]["parameter"] == "limit"


def test_html(client: TestClient) -> None:
    page = client.get("/ogc/collections/sites/items?f=html&limit=53")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("/ogc/collections/sites/items/caph-") == 53
    assert "/sites/caph-17-fosse-mathilde?lang=fr" in page.text
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/trails"):
        assert client.get(f"{path}?f=html").headers["content-type"].startswith("text/html")
    item = client.get("/ogc/collections/trails/items/arenberg?f=html")
    assert "<h1" in item.text and "Arenberg" in item.text
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    negotiated = client.get("/ogc/collections", headers={"accept": browser})
    assert negotiated.headers["content-type"].startswith("text/html")
    assert client.get("/ogc", headers={"accept": "*/*"}).headers["content-type"] == (
        "application/json"
    )
    missing = client.get("/ogc/collections/nope?f=html")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


def test_lang_changes_titles(client: TestClient) -> None:
    french = client.get("/ogc/collections?lang=fr").json()
    english = client.get("/ogc/collections?lang=en")
    assert english.headers["content-language"] == "en"
    assert english.json()["collections"][0]["title"] != french["collections"][0]["title"]
    assert client.get("/ogc?lang=en").json()["title"] != client.get("/ogc?lang=fr").json()["title"]
    by_accept = client.get("/ogc/collections/trails/items", headers={"accept-language": "en"})
    assert by_accept.headers["content-language"] == "en"
    titles = {
        f["id"]: f["properties"]["title"]
        for f in client.get("/ogc/collections/trails/items?lang=fr").json()["features"]
    }
    english_titles = {f["id"]: f["properties"]["title"] for f in by_accept.json()["features"]}
    assert titles.keys() == english_titles.keys()
    assert titles != english_titles
    assert "lang=en" in rels(by_accept.json())["self"][0]["href"]


def test_queryables(client: TestClient) -> None:
    response = client.get("/ogc/collections/sites/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["type"] == "object"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/ogc/collections/sites/queryables")
    assert schema["properties"]["name"]["type"] == "string"
    trails = client.get("/ogc/collections/trails/queryables").json()
    assert trails["properties"]["length_m"]["type"] == "integer"


# --- OWSLib against a running `parcours serve` ------------------------------------------------


@pytest.fixture(scope="module")
def ogc_server() -> Iterator[Server]:
    running = start_server()
    yield running
    stop(running)


@pytest.mark.e2e
def test_owslib_reads_the_api(ogc_server: Server) -> None:
    from owslib.ogcapi.features import Features

    w = Features(ogc_server.base + "/ogc")
    assert CORE in w.conformance()["conformsTo"]
    ids = {c["id"] for c in w.collections()["collections"]}
    assert ids == {"sites", "trails"}
    assert set(w.feature_collections()) == {"sites", "trails"}
    sites = w.collection("sites")
    assert sites["id"] == "sites" and sites["extent"]["spatial"]["bbox"]
    everything = w.collection_items("sites", limit=100)
    assert everything["numberMatched"] == everything["numberReturned"] == 53
    assert len(everything["features"]) == 53
    near = w.collection_items("sites", bbox=list(ARENBERG), limit=100)
    assert 5 < len(near["features"]) < 53
    assert all(inside(f["geometry"]["coordinates"], ARENBERG) for f in near["features"])
    one = w.collection_item("sites", "caph-17-fosse-mathilde")
    assert one["id"] == "caph-17-fosse-mathilde"
    assert one["geometry"]["type"] == "Point"
    trail = w.collection_item("trails", "arenberg")
    assert trail["geometry"]["type"] == "LineString"
    queryables = w.collection_queryables("sites")
    assert queryables["type"] == "object" and "name" in queryables["properties"]
    with pytest.raises(RuntimeError):
        w.collection_item("sites", "no-such-site")
