"""Curators change the content through one validated writer: accounts, ETags, history."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from parcours.cli import main
from parcours.settings import Settings
from parcours.web.app import create_app
from tests.conftest import auth

SITE = "caph-8n-cite-lagrange"
MERGE = {"content-type": "application/merge-patch+json"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source(client: TestClient, token: str, site: str = SITE) -> tuple[dict[str, object], str]:
    answer = client.get(f"/api/sites/{site}/source", headers=auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json(), answer.headers["etag"]


# --- Access -----------------------------------------------------------------------------

EXAMPLES = {
    "site_id": SITE,
    "trail_id": "denain-1712",
    "path": "site_catalog.yaml",
    "lang": "en",
    "context": f"site/{SITE}/summary",
    "asset_id": "abbaye-saint-amand",
}


def test_every_write_route_refuses_anonymous_and_wrong_roles(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    """Enumerates the routes: any route that writes (or reads staff data) must say so."""
    checked = 0
    for doc in app_client.app.state.documented:  # type: ignore[attr-defined]
        route = doc.route
        if not isinstance(route, Route):
            continue
        writes = set(route.methods or ()) - {"GET", "HEAD"}
        if writes:
            assert doc.permission, f"{route.path} writes but declares no permission"
        if not doc.permission:
            continue
        if doc.permission == "login":
            # /admin/login and /admin/logout: anyone may try to sign in or out (the forms are
            # CSRF-checked and failures throttled: tests/test_admin.py).
            continue
        path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: EXAMPLES[m.group(1)], route.path)
        weaker = {"edit": "translator", "translate": None, "accounts": "curator"}[doc.permission]
        for method in route.methods or ():
            if method == "HEAD":
                continue
            anonymous = app_client.request(method, path, headers=MERGE, content=b"{}")
            assert anonymous.status_code == 401, (method, path)
            assert anonymous.headers["www-authenticate"].startswith("Bearer")
            assert "access-control-allow-origin" not in anonymous.headers or method == "GET"
            if weaker:
                wrong = app_client.request(
                    method, path, headers=auth(tokens[weaker], **MERGE), content=b"{}"
                )
                assert wrong.status_code == 403, (method, path, wrong.text)
            checked += 1
    assert checked >= 7


def test_tokens_are_stored_hashed_and_can_be_revoked(
    content_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["users", "add", "marie.dupont", "--role", "curator", "--root", str(content_root)])
        == 0
    )
    token = capsys.readouterr().out.split()[-1]
    stored = (content_root / ".parcours" / "users.json").read_text(encoding="utf-8")
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    assert oct((content_root / ".parcours" / "users.json").stat().st_mode)[-3:] == "600"
    with TestClient(create_app(Settings(root=content_root))) as client:
        assert client.get(f"/api/sites/{SITE}/source", headers=auth(token)).status_code == 200
        assert main(["users", "revoke", "marie.dupont", "--root", str(content_root)]) == 0
        assert client.get(f"/api/sites/{SITE}/source", headers=auth(token)).status_code == 401
    assert (
        main(["users", "add", "Marie Dupont", "--role", "curator", "--root", str(content_root)])
        == 2
    )
    assert "hint" in capsys.readouterr().err


# --- Changing a site -------------------------------------------------------------------


def test_patch_needs_if_match_and_changes_only_that_site(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    catalogue = content_root / "site_catalog.yaml"
    before = catalogue.read_text(encoding="utf-8")
    patch = {"summary": "Cité pavillonnaire de Raismes : maisons jumelles et jardins."}
    no_match = app_client.patch(
        f"/api/sites/{SITE}", headers=auth(tokens["curator"], **MERGE), content=json.dumps(patch)
    )
    assert no_match.status_code == 428
    _, etag = source(app_client, tokens["curator"])
    answer = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
        content=json.dumps(patch),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] != etag
    after = catalogue.read_text(encoding="utf-8")
    # Comments, order and every other site's lines are untouched, byte for byte.
    blocks_before, blocks_after = before.split("\n  - id: "), after.split("\n  - id: ")
    assert len(blocks_before) == len(blocks_after) == 54
    for old, new in zip(blocks_before, blocks_after, strict=True):
        assert old == new or new.startswith(SITE)
    assert f"    summary: '{patch['summary']}'" in after
    assert after.startswith("# yaml-language-server: $schema=./schema/site_catalog.json\n#\n")
    # Served at once, by the API and the pages.
    served = app_client.get(f"/api/sites/{SITE}?lang=fr").json()
    assert served["summary"]["text"] == patch["summary"]
    assert patch["summary"] in app_client.get(f"/sites/{SITE}?lang=fr").text


def test_invalid_change_is_422_with_every_problem_and_writes_nothing(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    catalogue = content_root / "site_catalog.yaml"
    before = digest(catalogue)
    _, etag = source(app_client, tokens["curator"])
    bad = {"type": "teril", "summary": ""}
    answer = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
        content=json.dumps(bad),
    )
    assert answer.status_code == 422
    problems = answer.json()["error"]["details"]["problems"]
    assert len(problems) >= 2 and all(p["message"] and p["file"] for p in problems)
    assert any("terril" in (p["hint"] or "") for p in problems)
    assert digest(catalogue) == before
    assert not (content_root / ".parcours" / "history" / "site_catalog.yaml").exists()
    assert not list((content_root / ".parcours").glob("candidate-*"))


def test_two_curators_at_once_one_wins_the_other_gets_412(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    _, etag = source(app_client, tokens["curator"])
    first = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
        content=json.dumps({"summary": "Version de Marie."}),
    )
    second = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["admin"], **MERGE, **{"if-match": etag}),
        content=json.dumps({"summary": "Version de Paul.", "subtype": "autre"}),
    )
    assert first.status_code == 200 and second.status_code == 412
    details = second.json()["error"]["details"]
    assert details["current"]["summary"] == "Version de Marie."
    assert details["etag"] == first.headers["etag"]
    text = (content_root / "site_catalog.yaml").read_text(encoding="utf-8")
    assert "Version de Marie." in text and "Version de Paul." not in text


def test_history_diff_restore_and_audit(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    catalogue = content_root / "site_catalog.yaml"
    original = catalogue.read_bytes()
    for text in ("Premier changement.", "Second changement."):
        _, etag = source(app_client, tokens["curator"])
        answer = app_client.patch(
            f"/api/sites/{SITE}",
            headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
            content=json.dumps({"summary": text}),
        )
        assert answer.status_code == 200
    history = app_client.get("/api/history/site_catalog.yaml", headers=auth(tokens["translator"]))
    revisions = history.json()["revisions"]
    assert [r["revision"] for r in revisions] == [1, 2, 3]
    assert len(history.json()["changes"]) == 2
    diff = app_client.get(
        "/api/history/site_catalog.yaml?from=2&to=3", headers=auth(tokens["translator"])
    ).text
    assert (
        "-    summary: Premier changement." in diff and "+    summary: Second changement." in diff
    )
    restored = app_client.post(
        "/api/restore/site_catalog.yaml",
        headers=auth(tokens["curator"], **{"content-type": "application/json"}),
        content=json.dumps({"revision": 1}),
    )
    assert restored.status_code == 200, restored.text
    assert catalogue.read_bytes() == original
    entries = app_client.get("/api/audit", headers=auth(tokens["admin"])).json()["entries"]
    assert [e["action"] for e in entries] == ["update", "update", "restore 1"]
    assert all(e["user"] == "curator-1" for e in entries)
    assert entries[-1]["files"][0]["after"] == hashlib.sha256(original).hexdigest()
    assert entries[0]["files"][0]["before"] == hashlib.sha256(original).hexdigest()


def test_trail_patch_keeps_comments_and_replaces_stops_whole(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    trail_file = content_root / "tours" / "denain-1712.yaml"
    comments = [
        line for line in trail_file.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    answer = app_client.get("/api/trails/denain-1712/source", headers=auth(tokens["curator"]))
    data, etag = answer.json(), answer.headers["etag"]
    stops = list(reversed(data["stops"]))
    patched = app_client.patch(
        "/api/trails/denain-1712",
        headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
        content=json.dumps({"title": "Denain, 24 juillet 1712", "stops": stops}),
    )
    assert patched.status_code == 200, patched.text
    text = trail_file.read_text(encoding="utf-8")
    assert all(line in text.splitlines() for line in comments)
    served = app_client.get("/api/trails/denain-1712?lang=fr").json()
    assert served["title"]["text"] == "Denain, 24 juillet 1712"
    assert [s["id"] for s in served["stops"]] == [s["id"] for s in stops]


def test_create_and_delete_a_site(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    record, etag = source(app_client, tokens["curator"])
    headers = auth(tokens["curator"], **{"content-type": "application/json"})
    duplicate = app_client.post("/api/sites", headers=headers, content=json.dumps(record))
    assert duplicate.status_code == 422
    # A site that models and trails refer to cannot go: the answer says who refers to it.
    used = app_client.delete(
        f"/api/sites/{SITE}", headers=auth(tokens["curator"], **{"if-match": etag})
    )
    assert used.status_code == 422
    assert any("caph-8n" in p["message"] for p in used.json()["error"]["details"]["problems"])
    new = {**record, "id": "caph-8zz-essai", "unesco": {**record["unesco"], "element": "8ZZ"}}  # type: ignore[dict-item]
    created = app_client.post("/api/sites", headers=headers, content=json.dumps(new))
    assert created.status_code == 201, created.text
    assert app_client.get("/api/sites/caph-8zz-essai").status_code == 200
    assert app_client.get("/s/8zz", follow_redirects=False).status_code == 302
    _, etag = source(app_client, tokens["curator"], "caph-8zz-essai")
    deleted = app_client.delete(
        "/api/sites/caph-8zz-essai", headers=auth(tokens["curator"], **{"if-match": etag})
    )
    assert deleted.status_code == 200
    assert app_client.get("/api/sites/caph-8zz-essai").status_code == 404


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"content-type": "text/plain"}, b"{}", 415),
        (MERGE, b"{not json", 400),
        (MERGE, b"[1, 2]", 400),
        (MERGE, b"{" + b'"a": "' + b"x" * (1024 * 1024) + b'"}', 413),
    ],
)
def test_bad_bodies_are_refused_clearly(
    app_client: TestClient,
    tokens: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    _, etag = source(app_client, tokens["curator"])
    answer = app_client.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["curator"], **headers, **{"if-match": etag}),
        content=body,
    )
    assert answer.status_code == status
    assert answer.json()["error"]["message"]


def test_drafts_are_for_staff_only(app_client: TestClient, tokens: dict[str, str]) -> None:
    record, etag = source(app_client, tokens["curator"])
    headers = auth(tokens["curator"], **MERGE, **{"if-match": etag})
    # A site a published trail stops at cannot become a draft.
    refused = app_client.patch(f"/api/sites/{SITE}", headers=headers, content='{"status": "draft"}')
    assert refused.status_code == 422
    assert "les-53-sites" in refused.text and "draft" in refused.text
    new = {
        **record,
        "id": "caph-8zz-brouillon",
        "status": "draft",
        "unesco": {**record["unesco"], "element": "8ZZ"},  # type: ignore[dict-item]
    }
    created = app_client.post(
        "/api/sites",
        headers=auth(tokens["curator"], **{"content-type": "application/json"}),
        content=json.dumps(new),
    )
    assert created.status_code == 201, created.text
    total = app_client.get("/api/sites").json()["total"]
    assert total == 53
    assert app_client.get("/api/sites/caph-8zz-brouillon").status_code == 404
    assert app_client.get("/sites/caph-8zz-brouillon").status_code == 404
    assert app_client.get("/s/8zz", follow_redirects=False).status_code == 404
    assert app_client.get("/-/preview/sites/caph-8zz-brouillon").status_code == 401
    preview = app_client.get(
        "/-/preview/sites/caph-8zz-brouillon?lang=fr", headers=auth(tokens["translator"])
    )
    assert preview.status_code == 200 and "brouillon" in preview.text
    assert preview.headers["cache-control"] == "no-store"
    _, etag = source(app_client, tokens["curator"], "caph-8zz-brouillon")
    published = app_client.patch(
        "/api/sites/caph-8zz-brouillon",
        headers=auth(tokens["curator"], **MERGE, **{"if-match": etag}),
        content='{"status": "published"}',
    )
    assert published.status_code == 200
    assert app_client.get("/api/sites/caph-8zz-brouillon").status_code == 200
    assert app_client.get("/api/sites").json()["total"] == 54


def test_trails_are_created_and_deleted_and_models_attached(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    curator = tokens["curator"]
    answer = app_client.get("/api/trails/denain-1712/source", headers=auth(curator))
    record = {**answer.json(), "id": "denain-1712-court", "title": "Denain 1712, en bref"}
    record["stops"] = record["stops"][:2]
    created = app_client.post(
        "/api/trails",
        headers=auth(curator, **{"content-type": "application/json"}),
        content=json.dumps(record),
    )
    assert created.status_code == 201, created.text
    assert (
        (content_root / "tours" / "denain-1712-court.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=../schema/trail.json")
    )
    assert (
        app_client.get("/api/trails/denain-1712-court").json()["title"]["text"] == record["title"]
    )
    etag = app_client.get("/api/trails/denain-1712-court/source", headers=auth(curator)).headers[
        "etag"
    ]
    deleted = app_client.delete(
        "/api/trails/denain-1712-court", headers=auth(curator, **{"if-match": etag})
    )
    assert deleted.status_code == 200, deleted.text
    assert not (content_root / "tours" / "denain-1712-court.yaml").exists()
    assert app_client.get("/api/trails/denain-1712-court").status_code == 404
    # Attach the diorama to the site of the Fosse Mathilde as well.
    source_answer = app_client.get("/api/assets/denain-1712-diorama/source", headers=auth(curator))
    sites = source_answer.json().get("sites", [])
    patched = app_client.patch(
        "/api/assets/denain-1712-diorama",
        headers=auth(curator, **MERGE, **{"if-match": source_answer.headers["etag"]}),
        content=json.dumps({"sites": [*sites, SITE]}),
    )
    assert patched.status_code == 200, patched.text
    site_assets = app_client.get(f"/api/sites/{SITE}").json()["assets"]
    assert "denain-1712-diorama" in [a["id"] for a in site_assets]
    bad = app_client.patch(
        "/api/assets/denain-1712-diorama",
        headers=auth(curator, **MERGE, **{"if-match": patched.headers["etag"]}),
        content=json.dumps({"sites": ["caph-8n-cite-lagrang"]}),
    )
    assert bad.status_code == 422 and "caph-8n-cite-lagrange" in bad.text


def test_a_draft_trail_is_previewed_by_staff_only(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    curator = tokens["curator"]
    record = app_client.get("/api/trails/denain-1712/source", headers=auth(curator)).json()
    draft = {**record, "id": "denain-1712-brouillon", "status": "draft"}
    created = app_client.post(
        "/api/trails",
        headers=auth(curator, **{"content-type": "application/json"}),
        content=json.dumps(draft),
    )
    assert created.status_code == 201, created.text
    assert app_client.get("/api/trails/denain-1712-brouillon").status_code == 404
    assert app_client.get("/trails/denain-1712-brouillon").status_code == 404
    listed = [t["id"] for t in app_client.get("/api/trails").json()["items"]]
    assert "denain-1712-brouillon" not in listed
    assert app_client.get("/-/preview/trails/denain-1712-brouillon").status_code == 401
    preview = app_client.get(
        "/-/preview/trails/denain-1712-brouillon?lang=fr", headers=auth(tokens["translator"])
    )
    assert preview.status_code == 200 and "brouillon" in preview.text
    assert 'id="stop-1"' in preview.text
