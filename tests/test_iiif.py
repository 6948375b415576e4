"""IIIF Presentation 4.0 (draft) Manifests of the 3D assets and Collections of the trails."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from parcours.iiif import CONTEXT, DRAFT_LABEL, DRAFT_VALUE, MEDIA_TYPE
from parcours.snapshot import Snapshot
from parcours.web.app import create_app

BASE = "http://testserver"
ASSET = "caph-17-fosse-mathilde"
LANGS = ("fr", "en", "nl", "de")

#: What we rely on in our Manifests, written from the 4.0 draft (and its 3D examples).
_ABSOLUTE = {"type": "string", "pattern": "^https?://[^/]+/"}
_LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": "^([a-z]{2,3}(-[A-Za-z0-9]+)*|none)$"},
    "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string"}},
}
_ENTRY = {
    "type": "object",
    "required": ["label", "value"],
    "properties": {"label": {"$ref": "#/$defs/map"}, "value": {"$ref": "#/$defs/map"}},
}
_LINK = {
    "type": "object",
    "required": ["id", "type", "label", "format"],
    "properties": {"id": _ABSOLUTE, "label": {"$ref": "#/$defs/map"}},
}
_SCENE_REF = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {"id": _ABSOLUTE, "type": {"const": "Scene"}},
}
_TEXTUAL_BODY = {
    "type": "object",
    "required": ["type", "language", "format", "value"],
    "properties": {
        "type": {"const": "TextualBody"},
        "language": {"type": "string"},
        "format": {"const": "text/plain"},
        "value": {"type": "string", "minLength": 1},
    },
}
_COMMENT = {
    "type": "object",
    "required": ["id", "type", "motivation", "body", "target"],
    "properties": {
        "id": _ABSOLUTE,
        "type": {"const": "Annotation"},
        "motivation": {"const": ["commenting"]},
        "label": {"$ref": "#/$defs/map"},
        "body": {
            "oneOf": [
                _TEXTUAL_BODY,
                {
                    "type": "object",
                    "required": ["type", "items"],
                    "properties": {
                        "type": {"const": "Choice"},
                        "items": {"type": "array", "minItems": 2, "items": _TEXTUAL_BODY},
                    },
                },
            ]
        },
        "target": {
            "type": "object",
            "required": ["type", "source", "selector"],
            "properties": {
                "type": {"const": "SpecificResource"},
                "source": _SCENE_REF,
                "selector": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "x", "y", "z"],
                        "properties": {
                            "type": {"const": "PointSelector"},
                            "x": {"type": "number"},
                            "y": {"type": "number"},
                            "z": {"type": "number"},
                        },
                    },
                },
            },
        },
    },
}
_PAINTING = {
    "type": "object",
    "required": ["id", "type", "motivation", "body", "target"],
    "properties": {
        "id": _ABSOLUTE,
        "type": {"const": "Annotation"},
        "motivation": {"const": ["painting"]},
        "body": {
            "type": "object",
            "required": ["id", "type", "format"],
            "properties": {
                "id": _ABSOLUTE,
                "type": {"const": "Model"},
                "format": {"const": "model/gltf-binary"},
            },
        },
        "target": _SCENE_REF,
    },
}
MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"map": _LANGUAGE_MAP},
    "type": "object",
    "required": [
        "@context",
        "id",
        "type",
        "label",
        "summary",
        "metadata",
        "requiredStatement",
        "rights",
        "provider",
        "homepage",
        "seeAlso",
        "thumbnail",
        "items",
    ],
    "properties": {
        "@context": {"const": CONTEXT},
        "id": _ABSOLUTE,
        "type": {"const": "Manifest"},
        "label": {"$ref": "#/$defs/map"},
        "summary": {"$ref": "#/$defs/map"},
        "metadata": {"type": "array", "minItems": 1, "items": _ENTRY},
        "requiredStatement": _ENTRY,
        "rights": {"type": "string", "pattern": "^https://creativecommons.org/"},
        "provider": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "label", "homepage"],
                "properties": {
                    "type": {"const": "Agent"},
                    "label": {"$ref": "#/$defs/map"},
                    "homepage": {"type": "array", "minItems": 1, "items": _LINK},
                },
            },
        },
        "homepage": {"type": "array", "minItems": 1, "items": _LINK},
        "seeAlso": {"type": "array", "minItems": 1, "items": _LINK},
        "thumbnail": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "format"],
                "properties": {
                    "id": _ABSOLUTE,
                    "type": {"const": "Image"},
                    "format": {"const": "image/webp"},
                },
            },
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "label", "items"],
                "properties": {
                    "id": _ABSOLUTE,
                    "type": {"const": "Scene"},
                    "label": {"$ref": "#/$defs/map"},
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["id", "type", "items"],
                            "properties": {
                                "type": {"const": "AnnotationPage"},
                                "items": {"type": "array", "minItems": 1, "items": _PAINTING},
                            },
                        },
                    },
                },
            },
        },
        "annotations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "type", "items"],
                "properties": {
                    "type": {"const": "AnnotationPage"},
                    "items": {"type": "array", "items": _COMMENT},
                },
            },
        },
    },
}
COLLECTION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"map": _LANGUAGE_MAP},
    "type": "object",
    "required": ["@context", "id", "type", "label", "summary", "homepage", "items"],
    "properties": {
        "@context": {"const": CONTEXT},
        "id": _ABSOLUTE,
        "type": {"const": "Collection"},
        "label": {"$ref": "#/$defs/map"},
        "summary": {"$ref": "#/$defs/map"},
        "homepage": {"type": "array", "minItems": 1, "items": _LINK},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "type", "label"],
                "properties": {
                    "id": _ABSOLUTE,
                    "type": {"const": "Manifest"},
                    "label": {"$ref": "#/$defs/map"},
                },
            },
        },
    },
}


def _snapshot(client: TestClient) -> Snapshot:
    return client.app.state.holder.current  # type: ignore[attr-defined,no-any-return]


def manifest_of(client: TestClient, asset_id: str) -> dict[str, Any]:
    response = client.get(f"/iiif/assets/{asset_id}/manifest.json")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _published(client: TestClient) -> list[str]:
    snapshot = _snapshot(client)
    return [a for a in snapshot.assets if snapshot.manifest.get(a, {}).get("published")]


def _check_map(value: dict[str, list[str]], api_values: dict[str, dict[str, str]]) -> None:
    """A language map holds each language's text under the language it is really in."""
    assert set(value) == {v["lang"] for v in api_values.values()}
    for v in api_values.values():
        assert v["text"] in value[v["lang"]]


def _api_asset(client: TestClient, asset_id: str) -> dict[str, dict[str, Any]]:
    return {lang: client.get(f"/api/assets/{asset_id}?lang={lang}").json() for lang in LANGS}


def test_every_published_asset_has_a_valid_manifest(built_client: TestClient) -> None:
    published = _published(built_client)
    assert len(published) == len(_snapshot(built_client).assets) == 56
    for asset_id in published:
        response = built_client.get(f"/iiif/assets/{asset_id}/manifest.json")
        assert response.status_code == 200
        assert response.headers["content-type"] == MEDIA_TYPE
        assert response.headers["access-control-allow-origin"] == "*"
        manifest = response.json()
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
        assert manifest["id"] == f"{BASE}/iiif/assets/{asset_id}/manifest.json"
        draft = {"label": {"none": [DRAFT_LABEL]}, "value": {"none": [DRAFT_VALUE]}}
        assert draft in manifest["metadata"]


def test_labels_are_language_maps_of_the_api_texts(built_client: TestClient) -> None:
    manifest = manifest_of(built_client, ASSET)
    api = _api_asset(built_client, ASSET)
    assert set(manifest["label"]) == set(LANGS)  # this asset is translated in all four
    _check_map(manifest["label"], {lang: doc["title"] for lang, doc in api.items()})
    _check_map(manifest["summary"], {lang: doc["description"] for lang, doc in api.items()})
    assert manifest["items"][0]["label"] == manifest["label"]
    _check_map(manifest["thumbnail"][0]["label"], {lang: doc["alt"] for lang, doc in api.items()})
    labels = [entry["label"] for entry in manifest["metadata"]]
    assert {"fr": ["Communes"], "en": ["Towns"], "nl": ["Gemeenten"], "de": ["Gemeinden"]} in labels


def test_french_fallback_is_said_once_and_never_as_another_language(
    built_client: TestClient,
) -> None:
    """A site name is kept in French in every language: it is given once, under fr."""
    manifest = manifest_of(built_client, ASSET)
    assert manifest["homepage"][0]["label"] == {"fr": ["Fosse Mathilde"]}
    for asset_id in _published(built_client)[:10]:
        manifest = manifest_of(built_client, asset_id)
        api = _api_asset(built_client, asset_id)
        _check_map(manifest["label"], {lang: doc["title"] for lang, doc in api.items()})


def test_painting_annotation_paints_the_original_glb(built_client: TestClient) -> None:
    manifest = manifest_of(built_client, ASSET)
    scene = manifest["items"][0]
    assert scene["id"] == f"{BASE}/iiif/assets/{ASSET}/scene/1"
    painting = scene["items"][0]["items"][0]
    assert painting["motivation"] == ["painting"]
    assert painting["target"] == {"id": scene["id"], "type": "Scene"}
    body = painting["body"]
    assert body["type"] == "Model" and body["format"] == "model/gltf-binary"
    original = _api_asset(built_client, ASSET)["fr"]["variants"]["original"]["url"]
    assert body["id"] == BASE + original
    model = built_client.get(body["id"])
    assert model.status_code == 200
    assert model.content.startswith(b"glTF")


def test_one_commenting_annotation_per_hotspot(built_client: TestClient) -> None:
    for asset_id in (ASSET, "bureau-jules-mousseron", "denain-1712-diorama"):
        manifest = manifest_of(built_client, asset_id)
        api = _api_asset(built_client, asset_id)
        scene_id = manifest["items"][0]["id"]
        comments = manifest["annotations"][0]["items"]
        hotspots = api["fr"]["hotspots"]
        assert len(comments) == len(hotspots) > 0
        for index, (comment, spot) in enumerate(zip(comments, hotspots, strict=True)):
            assert comment["motivation"] == ["commenting"]
            assert comment["id"].endswith("/" + spot["id"])
            assert comment["target"]["source"]["id"] == scene_id
            (selector,) = comment["target"]["selector"]
            assert selector["type"] == "PointSelector"
            assert [selector["x"], selector["y"], selector["z"]] == spot["position"]
            body = comment["body"]
            bodies = body["items"] if body["type"] == "Choice" else [body]
            values = {b["language"]: b["value"] for b in bodies}
            texts = {lang: doc["hotspots"][index]["text"] for lang, doc in api.items()}
            assert set(values) == {t["lang"] for t in texts.values()}
            for text in texts.values():
                assert values[text["lang"]] == text["text"]
            labels = {lang: doc["hotspots"][index]["label"] for lang, doc in api.items()}
            _check_map(comment["label"], labels)


def test_links_are_absolute_and_resolve(built_client: TestClient) -> None:
    manifest = manifest_of(built_client, ASSET)
    links = [
        manifest["id"],
        *(page["id"] for page in manifest["homepage"]),
        *(link["id"] for link in manifest["seeAlso"]),
        *(image["id"] for image in manifest["thumbnail"]),
        *(page["id"] for agent in manifest["provider"] for page in agent["homepage"]),
    ]
    assert manifest["homepage"][0]["id"] == f"{BASE}/sites/{ASSET}"
    assert manifest["seeAlso"][0]["id"] == f"{BASE}/api/assets/{ASSET}"
    for link in links:
        assert link.startswith(BASE + "/"), link
        assert built_client.get(link).status_code == 200, link
    assert built_client.get(manifest["thumbnail"][0]["id"]).content[8:12] == b"WEBP"
    assert manifest["rights"] == "https://creativecommons.org/licenses/by/4.0/"


def test_an_asset_without_a_site_links_to_its_own_page(built_client: TestClient) -> None:
    manifest = manifest_of(built_client, "bureau-jules-mousseron")
    assert manifest["homepage"][0]["id"] == f"{BASE}/assets/bureau-jules-mousseron"
    assert built_client.get(manifest["homepage"][0]["id"]).status_code == 200


def test_public_url_makes_the_ids(built_client: TestClient) -> None:
    snapshot = _snapshot(built_client)
    settings = dataclasses.replace(snapshot.settings, public_url="https://parcours.example")
    moved = dataclasses.replace(snapshot, settings=settings, cache=type(snapshot.cache)(64))
    with TestClient(create_app(settings, moved)) as client:
        manifest = manifest_of(client, ASSET)
    assert manifest["id"] == f"https://parcours.example/iiif/assets/{ASSET}/manifest.json"
    assert manifest["items"][0]["items"][0]["items"][0]["body"]["id"].startswith(
        "https://parcours.example/media/"
    )


def test_manifest_is_cached_with_an_etag(built_client: TestClient) -> None:
    url = f"/iiif/assets/{ASSET}/manifest.json"
    first = built_client.get(url)
    again = built_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert built_client.get(url + "?lang=en").status_code == 400  # one document, all languages


@pytest.fixture
def unbuilt_client(built_client: TestClient) -> Iterator[TestClient]:
    """The same content, as if `parcours build` had not yet published the Fosse Mathilde."""
    snapshot = _snapshot(built_client)
    manifest = {k: v for k, v in snapshot.manifest.items() if k != ASSET}
    unbuilt = dataclasses.replace(snapshot, manifest=manifest, cache=type(snapshot.cache)(64))
    with TestClient(create_app(snapshot.settings, unbuilt)) as client:
        yield client


def test_unbuilt_asset_is_404_with_a_hint(unbuilt_client: TestClient) -> None:
    response = unbuilt_client.get(f"/iiif/assets/{ASSET}/manifest.json")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_built"
    assert "model not built yet" in error["message"] and "parcours build" in error["message"]
    collection = unbuilt_client.get("/iiif/trails/denain-1712/collection.json").json()
    assert f"{BASE}/iiif/assets/{ASSET}/manifest.json" not in {i["id"] for i in collection["items"]}


def test_unknown_asset_and_trail_are_404_with_suggestions(built_client: TestClient) -> None:
    response = built_client.get("/iiif/assets/caph-17-fosse-mathild/manifest.json")
    assert response.status_code == 404
    assert ASSET in response.json()["error"]["details"]["suggestions"]
    response = built_client.get("/iiif/trails/denain-171/collection.json")
    assert response.status_code == 404
    assert "denain-1712" in response.json()["error"]["details"]["suggestions"]


def _expected_manifests(client: TestClient, trail_id: str) -> list[str]:
    """The models shown at the stops (then in their dated layers), in stop order, once each."""
    trail = client.get(f"/api/trails/{trail_id}?lang=fr").json()
    found: list[str] = []
    for stop in trail["stops"]:
        for shown in [stop["asset"], *(layer["asset"] for layer in stop["layers"])]:
            if shown and shown["status"] == "published" and shown["id"] not in found:
                found.append(shown["id"])
    return [f"{BASE}/iiif/assets/{a}/manifest.json" for a in found]


def test_trail_collections_list_manifests_in_stop_order(built_client: TestClient) -> None:
    trails = built_client.get("/api/trails").json()["items"]
    assert trails
    for trail in trails:
        response = built_client.get(f"/iiif/trails/{trail['id']}/collection.json")
        assert response.status_code == 200
        assert response.headers["content-type"] == MEDIA_TYPE
        collection = response.json()
        jsonschema.validate(collection, COLLECTION_SCHEMA)
        assert collection["id"] == f"{BASE}/iiif/trails/{trail['id']}/collection.json"
        assert [i["id"] for i in collection["items"]] == _expected_manifests(
            built_client, trail["id"]
        )
        assert collection["homepage"][0]["id"] == f"{BASE}/trails/{trail['id']}"
        assert built_client.get(collection["homepage"][0]["id"]).status_code == 200
        titles = {
            lang: built_client.get(f"/api/trails/{trail['id']}?lang={lang}").json()["title"]
            for lang in LANGS
        }
        _check_map(collection["label"], titles)


def test_denain_collection_items_resolve_to_their_manifests(built_client: TestClient) -> None:
    collection = built_client.get("/iiif/trails/denain-1712/collection.json").json()
    ids = [item["id"] for item in collection["items"]]
    assert ids[0].endswith("/denain-1712-diorama/manifest.json")
    assert ids[-1].endswith(f"/{ASSET}/manifest.json")
    for item in collection["items"]:
        manifest = built_client.get(item["id"]).json()
        assert manifest["type"] == "Manifest" and manifest["label"] == item["label"]
