"""Curators upload a model: checked by the gate and the Khronos validator, then published."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from parcours.settings import BUNDLED_ROOT, Settings, settings_from_env
from parcours.web.app import create_app
from tests.conftest import auth

CORPUS = BUNDLED_ROOT.parent / "shared" / "gltf-corpus"
CASES = BUNDLED_ROOT.parent / "shared" / "gltf-validator-cases"
#: CC0-1.0 (Marco Hutter, Khronos glTF sample models): see its LICENSE.md.
BOX = CORPUS / "BoxVertexColors" / "glTF-Binary" / "BoxVertexColors.glb"
ASSET = "abbaye-saint-amand"
GLB = {"content-type": "model/gltf-binary"}
pytestmark = pytest.mark.skipif(not BOX.is_file(), reason="shared corpus absent")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def nothing_left(root: Path) -> bool:
    uploads = root / ".parcours" / "uploads"
    return not uploads.exists() or not any(uploads.iterdir())


def test_a_valid_model_replaces_the_old_one_and_is_published(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    answer = app_client.post(
        f"/api/assets/{ASSET}/model",
        headers=auth(tokens["curator"], **GLB),
        content=BOX.read_bytes(),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["report"]["issues"]["numErrors"] == 0
    assert any("khronos" in v for v in body["report"]["validators"])
    assert (content_root / "assets" / ASSET / "model.glb").read_bytes() == BOX.read_bytes()
    assert body["data"]["sha256"] == digest(BOX)
    assert body["build"]["published"] and {"phone", "poster"} <= set(body["variants"])
    assert nothing_left(content_root)
    # Served at once: the asset's document lists the new variants, and they download.
    served = app_client.get(f"/api/assets/{ASSET}").json()
    assert served["variants"]["phone"]["url"] == body["variants"]["phone"]["url"]
    original = app_client.get(served["variants"]["original"]["url"])
    assert original.status_code == 200 and original.content == BOX.read_bytes()
    # Audited: the upload (with the file's hashes) and the build that published it.
    entries = app_client.get("/api/audit", headers=auth(tokens["admin"])).json()["entries"]
    assert [e["action"] for e in entries[-2:]] == ["upload model", "build variants"]
    assert entries[-2]["files"][0]["path"] == f"assets/{ASSET}/model.glb"
    assert entries[-2]["files"][0]["after"] == digest(BOX)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(
            (CASES / "glb" / "invalid_magic.glb").read_bytes, "GLB_INVALID_MAGIC", id="gate"
        ),
        pytest.param(lambda: BOX.read_bytes()[:900], None, id="truncated"),
        pytest.param(
            lambda: BOX.read_bytes().replace(b'"mode":4', b'"mode":9', 1),
            "VALUE_NOT_IN_RANGE",
            id="khronos",
        ),
    ],
)
def test_an_invalid_model_is_422_with_the_report_and_changes_nothing(
    app_client: TestClient,
    tokens: dict[str, str],
    content_root: Path,
    data: object,
    code: str | None,
) -> None:
    model = content_root / "assets" / ASSET / "model.glb"
    before = digest(model)
    answer = app_client.post(
        f"/api/assets/{ASSET}/model",
        headers=auth(tokens["curator"], **GLB),
        content=data(),  # type: ignore[operator]
    )
    assert answer.status_code == 422, answer.text
    issues = answer.json()["error"]["details"]["report"]["issues"]
    assert issues["numErrors"] >= 1
    errors = [m for m in issues["messages"] if m["severity"] == 0]
    assert all(m["code"] and m["message"] for m in errors)
    if code:
        assert code in {m["code"] for m in errors}
    if code == "VALUE_NOT_IN_RANGE":
        assert any(m.get("pointer") == "/meshes/0/primitives/0/mode" for m in errors)
    assert digest(model) == before
    assert nothing_left(content_root)
    assert not (content_root / ".parcours" / "history" / "assets").exists()


def test_a_body_over_the_limit_is_413_and_nothing_is_kept(
    content_root: Path, tokens: dict[str, str]
) -> None:
    assert Settings().max_upload_bytes == 50 * 1024 * 1024
    env = settings_from_env(
        {"PARCOURS_MAX_UPLOAD_BYTES": "1000", "PARCOURS_ROOT": str(content_root)}
    )
    settings = Settings(root=content_root, max_upload_bytes=1000)
    assert env.max_upload_bytes == settings.max_upload_bytes
    model = content_root / "assets" / ASSET / "model.glb"
    before = digest(model)
    data = BOX.read_bytes()
    assert len(data) > 1000
    with TestClient(create_app(settings)) as client:
        declared = client.post(
            f"/api/assets/{ASSET}/model", headers=auth(tokens["curator"], **GLB), content=data
        )
        assert declared.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is checked as it comes
            for start in range(0, len(data), 256):
                yield data[start : start + 256]

        streamed = client.post(
            f"/api/assets/{ASSET}/model", headers=auth(tokens["curator"], **GLB), content=chunks()
        )
        assert streamed.status_code == 413
        assert streamed.json()["error"]["details"]["limit"] == 1000
    assert digest(model) == before
    assert nothing_left(content_root)


def test_who_may_upload_and_what(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    url = f"/api/assets/{ASSET}/model"
    assert app_client.post(url, headers=GLB, content=BOX.read_bytes()).status_code == 401
    wrong_role = app_client.post(
        url, headers=auth(tokens["translator"], **GLB), content=BOX.read_bytes()
    )
    assert wrong_role.status_code == 403
    text = app_client.post(
        url, headers=auth(tokens["curator"], **{"content-type": "text/plain"}), content=b"x"
    )
    assert text.status_code == 415 and "--data-binary" in text.json()["error"]["message"]
    no_file = app_client.post(url, headers=auth(tokens["curator"]), files={"other": BOX.open("rb")})
    assert no_file.status_code == 400 and "'file'" in no_file.json()["error"]["message"]
    new = app_client.post(
        "/api/assets/chevalement-neuf/model",
        headers=auth(tokens["curator"], **GLB),
        content=BOX.read_bytes(),
    )
    assert new.status_code == 404
    assert "assets/chevalement-neuf/asset.yaml" in new.json()["error"]["message"]
    empty = app_client.post(url, headers=auth(tokens["curator"], **GLB), content=b"")
    assert empty.status_code == 400
    assert nothing_left(content_root)


def test_a_browser_form_upload_is_streamed_like_a_raw_body(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    """multipart/form-data with a `file` field: what a page's file input sends."""
    answer = app_client.post(
        f"/api/assets/{ASSET}/model",
        headers=auth(tokens["curator"]),
        data={"note": "relevé 2026"},
        files={"file": ("abbaye.glb", BOX.read_bytes(), "model/gltf-binary")},
    )
    assert answer.status_code == 200, answer.text
    model = content_root / "assets" / ASSET / "model.glb"
    assert model.read_bytes() == BOX.read_bytes()
    assert nothing_left(content_root)
