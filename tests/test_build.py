"""`parcours build` on real models, and the server's answers about them and their media."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from parcours.build import build_all
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.snapshot import build_snapshot
from parcours.web.app import create_app
from tests.conftest import CONTENT_FILES, TEXT_DIRS

CORPUS = BUNDLED_ROOT.parent / "shared" / "gltf-corpus"
CASES = BUNDLED_ROOT.parent / "shared" / "gltf-validator-cases"
SITE = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")

ASSET_YAML = """\
id: {id}
model: {model}
title: Boîte d'essai
description: Un cube d'essai des modèles d'exemple Khronos.
alt: Un cube coloré, reconstitution schématique.
credits: Cesium, modèle d'exemple Khronos
licence: CC-BY-4.0
schematic: true
sites: [{site}]
hotspots:
  - id: coin
    position: [0.5, 0.5, 0.5]
    label: Un coin
    text: Le coin supérieur du cube.
"""


def add_asset(root: Path, asset_id: str, source: Path, site: str = SITE) -> None:
    folder = root / "assets" / asset_id
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, folder / source.name)
    (folder / "asset.yaml").write_text(
        ASSET_YAML.format(id=asset_id, model=source.name, site=site), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("built")
    for name in CONTENT_FILES:
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in TEXT_DIRS:
        if (BUNDLED_ROOT / name).is_dir():
            shutil.copytree(BUNDLED_ROOT / name, root / name)
    add_asset(root, "fox-test", CORPUS / "Fox/glTF-Binary/Fox.glb")
    add_asset(root, "box-draco", CORPUS / "Box/glTF-Draco/Box.gltf")
    shutil.copy2(CORPUS / "Box/glTF-Draco/Box.bin", root / "assets/box-draco/Box.bin")
    add_asset(root, "broken", CASES / "glb/invalid_magic.glb")
    settings = Settings(root=root)
    summary = build_all(settings, workers=2)
    assert sorted(summary.built) == ["box-draco", "fox-test"]
    assert list(summary.refused) == ["broken"]
    yield settings


@pytest.fixture(scope="module")
def client(built: Settings) -> TestClient:
    return TestClient(create_app(built, build_snapshot(built)))


def manifest(settings: Settings) -> dict[str, dict[str, object]]:
    data = json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))
    assets: dict[str, dict[str, object]] = data["assets"]
    return assets


def test_variants_are_made_and_validated(built: Settings) -> None:
    fox = manifest(built)["fox-test"]
    variants = fox["variants"]
    assert isinstance(variants, dict)
    assert {"phone", "original", "ar", "poster"} <= set(variants)
    assert variants["phone"]["bytes"] <= variants["original"]["bytes"]
    candidates = variants["phone"]["candidates"]
    assert set(candidates) >= {"phone-meshopt", "phone-draco", "phone-quantize", "original"}
    assert all(c["ok"] for c in candidates.values())
    assert variants["phone"]["bytes"] == min(c["bytes"] for c in candidates.values())
    assert fox["facts"]["triangles"] == 576


def test_gltf_source_packed_is_a_phone_candidate(built: Settings) -> None:
    """A .gltf within budget competes as one GLB: the phone variant is never the larger."""
    phone = manifest(built)["box-draco"]["variants"]["phone"]
    candidates = phone["candidates"]
    assert candidates["original"]["ok"]
    assert phone["bytes"] <= candidates["original"]["bytes"]


def test_draco_source_is_decoded_not_zeroed(built: Settings) -> None:
    """trimesh would load it as zeros; the pipeline decodes it and keeps the real bounds."""
    box = manifest(built)["box-draco"]
    assert box["published"]
    assert box["facts"]["bounds"]["size_m"] == pytest.approx([1.0, 1.0, 1.0], abs=0.01)
    store = built.build_path / "blobs"
    original = box["variants"]["original"]["blob"]
    from parcours.gltf.inspect import inspect_model

    facts = inspect_model(store / original[:2] / original)
    assert facts["extensions_required"] == []
    assert facts["bounds"]["size_m"] == pytest.approx([1.0, 1.0, 1.0], abs=0.01)


def test_refused_model_is_never_published(built: Settings, client: TestClient) -> None:
    broken = manifest(built)["broken"]
    assert broken["published"] is False and broken["variants"] == {}
    body = client.get("/api/assets/broken").json()
    assert body["status"] == "refused" and body["variants"] == {}
    assert body["validation"]["messages"][0]["code"] == "GLB_INVALID_MAGIC"
    assert client.get("/api/assets/broken/model").status_code == 404


def test_second_build_does_nothing(built: Settings) -> None:
    summary = build_all(built)
    assert summary.built == [] and sorted(summary.unchanged) == ["box-draco", "broken", "fox-test"]


def test_changed_source_is_rebuilt(built: Settings, tmp_path: Path) -> None:
    settings = Settings(root=built.root, build_dir=tmp_path / "build")
    shutil.copytree(built.build_path, settings.build_path)
    yaml_path = built.root / "assets/fox-test/asset.yaml"
    original = yaml_path.read_text(encoding="utf-8")
    try:
        yaml_path.write_text(original + "scale: 0.01\n", encoding="utf-8")
        summary = build_all(settings, only=["fox-test"])
        assert summary.built == ["fox-test"]
        fox = manifest(settings)["fox-test"]
        assert fox["facts"]["bounds"]["size_m"][1] == pytest.approx(0.79, abs=0.01)
    finally:
        yaml_path.write_text(original, encoding="utf-8")


def test_asset_api(client: TestClient) -> None:
    body = client.get("/api/assets/fox-test?lang=en").json()
    assert body["status"] == "published" and body["facts"]["animations"] == [
        "Survey",
        "Walk",
        "Run",
    ]
    assert body["hotspots"][0]["label"]["lang"] == "fr"  # no English translation in the fixture
    assert body["variants"]["phone"]["url"].startswith("/media/")
    assert body["validation"]["numErrors"] == 0
    listing = client.get("/api/assets").json()
    assert {item["id"] for item in listing["items"]} == {"fox-test", "box-draco", "broken"}
    assert client.get("/api/assets/fox").json()["error"]["details"]["suggestions"] == ["fox-test"]


def test_site_lists_its_models_and_save_data_gets_the_phone_variant(client: TestClient) -> None:
    normal = client.get(f"/api/sites/{SITE}").json()["assets"]
    light = client.get(f"/api/sites/{SITE}", headers={"save-data": "on"})
    assert "Save-Data" in light.headers["vary"]
    fox = next(a for a in normal if a["id"] == "fox-test")
    fox_light = next(a for a in light.json()["assets"] if a["id"] == "fox-test")
    assert fox["recommended"] == "original" and fox_light["recommended"] == "phone"
    assert fox_light["model"] == fox["variants"]["phone"]["url"]
    assert fox["variants"]["phone"]["bytes"] > 0
    assert fox["facts"]["triangles"] == 576 and fox["facts"]["bounds"]["size_m"]
    slow = client.get(f"/api/sites/{SITE}", headers={"ect": "3g"}).json()["assets"]
    assert next(a for a in slow if a["id"] == "fox-test")["recommended"] == "phone"
    redirect = client.get(
        "/api/assets/fox-test/model", headers={"save-data": "on"}, follow_redirects=False
    )
    assert redirect.status_code == 307 and redirect.headers["location"] == fox_light["model"]


def test_media_serving(client: TestClient) -> None:
    url = client.get("/api/assets/fox-test").json()["variants"]["phone"]["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "model/gltf-binary"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    digest = hashlib.sha256(response.content).hexdigest()
    assert url == f"/media/{digest}.glb" and response.headers["etag"] == f'"{digest}"'
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-encoding" not in response.headers
    assert client.get(url, headers={"if-none-match": f'"{digest}"'}).status_code == 304
    part = client.get(url, headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == response.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(response.content)}"
    tail = client.get(url, headers={"range": f"bytes={len(response.content) - 10}-"})
    assert tail.content == response.content[-10:]
    beyond = client.get(url, headers={"range": f"bytes={len(response.content) + 5}-"})
    assert beyond.status_code == 416
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(response.content))
    poster = client.get("/api/assets/fox-test").json()["variants"]["poster"]
    assert client.get(poster["url"]).headers["content-type"] == "image/webp"


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fsite_catalog.yaml",
        "x.glb",
        "0" * 64 + ".glb",
        "%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_media_never_escapes_the_store(client: TestClient, name: str) -> None:
    response = client.get(f"/media/{name}")
    assert response.status_code == 404
