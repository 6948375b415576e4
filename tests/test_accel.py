"""The media lane: X-Accel-Redirect behind nginx, bytes from memory otherwise."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from parcours.settings import Settings, SettingsError, settings_from_env
from parcours.snapshot import build_snapshot
from parcours.web.accel import Blob, BlobCache
from parcours.web.app import create_app

BODY = b"glTF" + bytes(range(256)) * 40
DIGEST = hashlib.sha256(BODY).hexdigest()
NAME = f"{DIGEST}.glb"
MISSING = f"{hashlib.sha256(b'gone').hexdigest()}.png"  # published, but not on disk
REDIRECT = re.compile(r"^/_blobs/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,8}$")


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder holding one published blob (and one published but lost)."""
    folder = tmp_path_factory.mktemp("build")
    (folder / "blobs" / DIGEST[:2]).mkdir(parents=True)
    (folder / "blobs" / DIGEST[:2] / NAME).write_bytes(BODY)
    variants = {
        "phone": {"blob": NAME, "bytes": len(BODY), "media_type": "model/gltf-binary"},
        "poster": {"blob": MISSING, "bytes": 4, "media_type": "image/png"},
    }
    manifest = {"assets": {"_test-blob": {"published": True, "variants": variants}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def make_client(build: Path, **changes: object) -> TestClient:
    settings = Settings(build_dir=build).with_overrides(**changes)
    return TestClient(create_app(settings, build_snapshot(settings)))


@pytest.fixture(scope="module")
def accel(build: Path) -> Iterator[TestClient]:
    with make_client(build, accel_redirect_prefix="/_blobs/") as client:
        yield client


@pytest.fixture(scope="module")
def memory(build: Path) -> Iterator[TestClient]:
    with make_client(build) as client:
        yield client


@pytest.fixture(scope="module")
def route(build: Path) -> Iterator[TestClient]:
    with make_client(build, media_cache_bytes=0) as client:
        yield client


def test_accel_redirect_hands_the_file_to_the_proxy(accel: TestClient) -> None:
    for method in ("GET", "HEAD"):
        response = accel.request(method, f"/media/{NAME}")
        assert response.status_code == 200 and response.content == b""
        assert response.headers["x-accel-redirect"] == f"/_blobs/{DIGEST[:2]}/{NAME}"
        assert response.headers["content-type"] == "model/gltf-binary"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["etag"] == f'"{DIGEST}"'
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["content-length"] == "0"
    # nginx serves the range of the file it is sent to.
    ranged = accel.get(f"/media/{NAME}", headers={"range": "bytes=0-9"})
    assert ranged.status_code == 200 and "x-accel-redirect" in ranged.headers
    # parcours still answers revalidations itself, without sending nginx to the file.
    fresh = accel.get(f"/media/{NAME}", headers={"if-none-match": f'"{DIGEST}"'})
    assert fresh.status_code == 304 and "x-accel-redirect" not in fresh.headers


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fsite_catalog.yaml",
        "%2e%2e/%2e%2e/etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        f"{DIGEST[:2]}/{NAME}",
        f"{NAME}/%2E%2E/{NAME}",  # (httpx would resolve a literal /../ itself)
        f"..%2F{NAME}",
        NAME.upper(),
        f"{DIGEST}.glb%00.txt",
        f"{DIGEST}.GLB",
        f"{DIGEST}.png",  # right hash, another suffix: not a blob of ours
        "0" * 64 + ".glb",  # a well-formed name that was never published
        MISSING,  # published, lost from the store
        "x.glb",
    ],
)
def test_accel_never_leaves_the_store(accel: TestClient, name: str) -> None:
    response = accel.get(f"/media/{name}")
    assert response.status_code == 404
    assert "x-accel-redirect" not in response.headers


@given(st.text(min_size=1, max_size=90))
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_path_redirects_inside_the_store_or_not_at_all(accel: TestClient, name: str) -> None:
    response = accel.get("/media/" + quote(name, safe="/.%"))
    assert response.status_code < 500
    redirect = response.headers.get("x-accel-redirect")
    assert redirect is None or (REDIRECT.match(redirect) and response.status_code == 200)


def test_memory_answers_like_the_file_route(memory: TestClient, route: TestClient) -> None:
    for headers in ({}, {"if-none-match": f'"{DIGEST}"'}, {"range": "bytes=5-9"}):
        for method in ("GET", "HEAD", "GET"):  # the second GET comes from the cache
            ours = memory.request(method, f"/media/{NAME}", headers=headers)
            theirs = route.request(method, f"/media/{NAME}", headers=headers)
            assert ours.status_code == theirs.status_code
            assert ours.content == theirs.content
            assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert memory.get(f"/media/{NAME}").content == BODY
    assert memory.get(f"/media/{MISSING}").status_code == 404


def test_the_cache_stays_within_its_limit() -> None:
    cache = BlobCache(400)
    for number in range(10):
        cache.put(str(number), Blob(bytes(60), []))
        assert cache.size <= 400
    assert len(cache) == 6 and cache.get("0") is None and cache.get("9") is not None
    cache.get("4")  # used recently: kept when the next one comes in
    cache.put("big", Blob(bytes(101), []))  # over a quarter of the limit: never kept
    cache.put("10", Blob(bytes(60), []))
    assert cache.get("big") is None and cache.get("4") is not None and cache.get("5") is None
    assert BlobCache(0).item_limit == 0


def test_settings_from_the_environment() -> None:
    env = {"PARCOURS_ACCEL_REDIRECT": "/_blobs", "PARCOURS_MEDIA_CACHE_BYTES": "1024"}
    settings = settings_from_env(env)
    assert settings.accel_redirect_prefix == "/_blobs/" and settings.media_cache_bytes == 1024
    assert settings_from_env({"PARCOURS_ACCEL_REDIRECT": " "}).accel_redirect_prefix is None
    assert Settings().accel_redirect_prefix is None
    for bad in ("_blobs/", "/../etc/", "/a b/", "//x/", "/x/./y/", "http://x/"):
        with pytest.raises(SettingsError, match="PARCOURS_ACCEL_REDIRECT"):
            settings_from_env({"PARCOURS_ACCEL_REDIRECT": bad})


def test_lanes_answer_with_the_policy_and_are_counted(build: Path) -> None:
    """Answers made in front of the framework carry what its layers add: the data policy,
    HSTS over HTTPS, none on a 304; and they count in /-/metrics."""
    settings = Settings(build_dir=build)
    app = create_app(settings, build_snapshot(settings))
    with TestClient(app, base_url="https://parcours.test") as client:
        for url in (f"/media/{NAME}", "/api/sites", "/schema/site_catalog.json"):
            served = client.get(url)
            assert served.status_code == 200, url
            assert served.headers["content-security-policy"].startswith("default-src 'none'")
            assert served.headers["x-frame-options"] == "SAMEORIGIN"
            assert served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert served.headers["strict-transport-security"].startswith("max-age=")
            assert len(served.headers.get_list("x-content-type-options")) == 1
            again = client.get(url, headers={"if-none-match": served.headers["etag"]})
            assert again.status_code == 304
            assert "content-security-policy" not in again.headers
        text = client.get("/-/metrics").text
    assert 'parcours_requests_total{family="media",method="GET",status="2xx"} 1' in text
    assert 'parcours_requests_total{family="media",method="GET",status="3xx"} 1' in text
    assert 'parcours_requests_total{family="api",method="GET",status="2xx"} 1' in text
    assert 'parcours_requests_total{family="pages",method="GET",status="3xx"} 1' in text
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/api/sites").headers
