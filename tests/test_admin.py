"""The curators' pages at /admin: sign-in, sessions, CSRF, throttling, forms over the store."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from parcours.accounts import Accounts
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.web.admin_auth import SESSION_COOKIE, Throttle, secret_of, session_cookie_value
from parcours.web.app import create_app
from tests.conftest import auth
from tests.test_store import MERGE, SITE, source

EDIT = f"/admin/sites/{SITE}"


class FormFields(HTMLParser):
    """Name -> value of the inputs and textareas of the page's first POST form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._form = 0  # 0 before the form, 1 inside, 2 after
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if (
            tag == "form"
            and self._form == 0
            and a.get("method") == "post"
            and "admin-form" in a.get("class", "")
        ):
            self._form = 1
        elif self._form == 1 and tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")
        elif self._form == 1 and tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form == 1:
            self._form = 2


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str, token: str, target: str = "/admin") -> object:
    page = client.get("/admin/login", params={"next": target})
    assert page.status_code == 200
    data = {"name": name, "token": token, "csrf": csrf_of(page.text), "next": target}
    return client.post("/admin/login", data=data, follow_redirects=False)


@pytest.fixture
def curator(app_client: TestClient, tokens: dict[str, str]) -> TestClient:
    answer = sign_in(app_client, "curator-1", tokens["curator"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    return app_client


@pytest.fixture
def https_client(content_root: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(Settings(root=content_root))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def admin_get_paths(client: TestClient) -> list[str]:
    examples = {"site_id": SITE, "trail_id": "denain-1712", "asset_id": "caph-8n-cite-lagrange"}
    examples["path"] = "site_catalog.yaml"
    paths = []
    for doc in client.app.state.documented:  # type: ignore[attr-defined]
        route = doc.route
        if isinstance(route, Route) and route.path.startswith("/admin") and doc.permission is None:
            paths.append(re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: examples[m.group(1)], route.path))
    return paths


# --- Signing in -------------------------------------------------------------------------


def test_login_sets_a_strict_session_cookie_of_eight_hours(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    answer = sign_in(app_client, "curator-1", tokens["curator"], "/admin/sites?q=raismes")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/admin/sites?q=raismes"  # type: ignore[attr-defined]
    cookie = next(
        c
        for c in answer.headers.get_list("set-cookie")  # type: ignore[attr-defined]
        if c.startswith(SESSION_COOKIE + "=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=28800"} <= flags
    assert "secure" not in flags  # plain http here; see the https test
    assert tokens["curator"] not in cookie
    secret = content_root / ".parcours" / "secret"
    assert secret.stat().st_size == 32 and oct(secret.stat().st_mode)[-3:] == "600"
    dashboard = app_client.get("/admin")
    assert dashboard.status_code == 200
    assert dashboard.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'self'" in dashboard.headers["content-security-policy"]
    assert "curator-1" in dashboard.text and "<h1>Tableau de bord</h1>" in dashboard.text


def test_the_cookie_is_secure_over_https(https_client: TestClient, tokens: dict[str, str]) -> None:
    answer = sign_in(https_client, "admin-1", tokens["admin"])
    cookies = answer.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "secure" in session.lower()


def test_wrong_token_fails_and_is_never_logged(
    app_client: TestClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = tokens["translator"]  # a real token, but not curator-1's
    with caplog.at_level(logging.INFO):
        answer = sign_in(app_client, "curator-1", wrong)
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")  # type: ignore[attr-defined]
    assert 'href="#field-token"' in answer.text  # type: ignore[attr-defined]
    assert wrong not in answer.text  # type: ignore[attr-defined]
    assert "curator-1" in caplog.text and wrong not in caplog.text
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_failed_logins_slow_down_then_a_success_resets(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    app_client.app.state.login_throttle = throttle  # type: ignore[attr-defined]
    for _ in range(3):
        assert sign_in(app_client, "curator-1", "pc_wrong").status_code == 401  # type: ignore[attr-defined]
    # The fourth attempt must wait, even with the right token or another name.
    blocked = sign_in(app_client, "curator-1", tokens["curator"])
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert blocked.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    assert sign_in(app_client, "admin-1", tokens["admin"]).status_code == 429  # type: ignore[attr-defined]
    now[0] += 1.5
    assert sign_in(app_client, "curator-1", "pc_wrong").status_code == 401  # type: ignore[attr-defined]
    again = sign_in(app_client, "curator-1", tokens["curator"])
    assert again.status_code == 429 and again.headers["retry-after"] == "2"  # type: ignore[attr-defined]
    assert throttle.delay(40) == 30.0  # capped
    now[0] += 2.5
    assert sign_in(app_client, "curator-1", tokens["curator"]).status_code == 303  # type: ignore[attr-defined]
    assert throttle.failures == {}


def test_login_and_forms_need_their_csrf_token(curator: TestClient, content_root: Path) -> None:
    before = (content_root / "site_catalog.yaml").read_bytes()
    fields = form_fields(curator.get(EDIT).text)
    fields["summary"] = "Un résumé posté sans jeton."
    missing = {k: v for k, v in fields.items() if k != "csrf"}
    assert curator.post(EDIT, data=missing, follow_redirects=False).status_code == 403
    wrong = {**fields, "csrf": "0" * 40}
    assert curator.post(EDIT, data=wrong, follow_redirects=False).status_code == 403
    other_site = curator.post(
        EDIT, data=fields, headers={"origin": "https://evil.example"}, follow_redirects=False
    )
    assert other_site.status_code == 403
    assert (content_root / "site_catalog.yaml").read_bytes() == before
    login = curator.post("/admin/login", data={"name": "curator-1", "token": "pc_x"})
    assert login.status_code == 403


# --- Editing --------------------------------------------------------------------------------


def test_editing_a_site_through_the_form_publishes_it(
    curator: TestClient, content_root: Path
) -> None:
    page = curator.get(EDIT)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'for="field-summary"' in page.text and "à jour" in page.text
    fields = form_fields(page.text)
    assert fields["etag"].startswith('"e-') and fields["name"] == "Cité Lagrange"
    summary = "Cité pavillonnaire de Raismes : maisons jumelles et jardins, cité « témoin »."
    answer = curator.post(EDIT, data={**fields, "summary": summary}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"{EDIT}?lang=fr&done=saved")
    text = (content_root / "site_catalog.yaml").read_text(encoding="utf-8")
    assert f"    summary: {summary}\n" in text or f"    summary: '{summary}'\n" in text
    assert "\n    description:" in text  # the other fields were not rewritten into the patch
    served = curator.get(f"/api/sites/{SITE}?lang=fr").json()
    assert served["summary"]["text"] == summary
    confirmed = curator.get(answer.headers["location"])
    assert 'role="status"' in confirmed.text and summary in confirmed.text
    # The English summary is now out of date, and said so beside the form.
    assert "à revoir (obsolète)" in confirmed.text
    assert "curator-1" in curator.get("/admin").text  # the last changes, on the dashboard


def test_invalid_input_shows_every_problem_and_writes_nothing(
    curator: TestClient, content_root: Path
) -> None:
    catalogue = content_root / "site_catalog.yaml"
    before = catalogue.read_bytes()
    fields = form_fields(curator.get(EDIT).text)
    answer = curator.post(EDIT, data={**fields, "summary": "", "communes": ""})
    assert answer.status_code == 422
    assert 'id="error-summary"' in answer.text
    assert 'href="#field-summary"' in answer.text and 'href="#field-communes"' in answer.text
    summary_field = re.search(r"<textarea[^>]*id=\"field-summary\"[^>]*>", answer.text)
    assert summary_field and 'aria-invalid="true"' in summary_field.group(0)
    assert 'aria-describedby="hint-summary error-summary-1"' in summary_field.group(0)
    assert catalogue.read_bytes() == before
    # A number that is not one is caught before the store, in French.
    bad = curator.post(EDIT, data={**fields, "lat": "nord"})
    assert bad.status_code == 422 and "Écrivez un nombre décimal." in bad.text
    assert 'href="#field-lat"' in bad.text and 'value="nord"' in bad.text
    english = curator.post(EDIT + "?lang=en", data={**fields, "lat": "nord"})
    assert "Enter a decimal number." in english.text and "Latitude" in english.text
    assert catalogue.read_bytes() == before


def test_a_stale_form_is_412_with_the_current_version(
    curator: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    fields = form_fields(curator.get(EDIT).text)
    _, etag = source(curator, tokens["admin"])
    theirs = "Résumé changé entre-temps par une collègue, par l’API."
    changed = curator.patch(
        f"/api/sites/{SITE}",
        headers=auth(tokens["admin"], **MERGE, **{"if-match": etag}),
        content=json.dumps({"summary": theirs}),
    )
    assert changed.status_code == 200, changed.text
    mine = "Mon résumé, écrit sur un formulaire périmé."
    answer = curator.post(EDIT, data={**fields, "summary": mine})
    assert answer.status_code == 412
    assert "Quelqu’un d’autre a modifié cette fiche" in answer.text
    fresh = form_fields(answer.text)
    assert fresh["summary"] == theirs and fresh["etag"] != fields["etag"]
    assert mine in answer.text  # what they typed is shown, not lost
    assert theirs in (content_root / "site_catalog.yaml").read_text(encoding="utf-8")
    # Posting again from the fresh form saves.
    again = curator.post(EDIT, data={**fresh, "summary": mine}, follow_redirects=False)
    assert again.status_code == 303


def test_a_translator_reads_but_cannot_post_the_form(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    assert sign_in(app_client, "translator-1", tokens["translator"]).status_code == 303  # type: ignore[attr-defined]
    page = app_client.get(EDIT)
    assert page.status_code == 200
    assert "Enregistrer et publier" not in page.text and "readonly" in page.text
    before = (content_root / "site_catalog.yaml").read_bytes()
    data = {"csrf": csrf_of(page.text), "etag": '"x"', "summary": "Non."}
    assert app_client.post(EDIT, data=data).status_code == 403
    assert (content_root / "site_catalog.yaml").read_bytes() == before
    assert app_client.get("/admin/users").status_code == 403


def test_editing_a_trail_shows_its_stops_in_order(curator: TestClient, content_root: Path) -> None:
    page = curator.get("/admin/trails/denain-1712")
    assert page.status_code == 200 and '<ol class="stop-order">' in page.text
    fields = form_fields(page.text)
    title = "Denain 1712 : la bataille, pas à pas"
    answer = curator.post(
        "/admin/trails/denain-1712", data={**fields, "title": title}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    assert curator.get("/api/trails/denain-1712?lang=fr").json()["title"]["text"] == title


def test_history_shows_who_changed_what_and_restores(
    curator: TestClient, content_root: Path
) -> None:
    catalogue = content_root / "site_catalog.yaml"
    original = catalogue.read_bytes()
    fields = form_fields(curator.get(EDIT).text)
    summary = "Résumé provisoire, à annuler par l’historique."
    assert curator.post(EDIT, data={**fields, "summary": summary}).status_code == 200
    history = curator.get("/admin/history/site_catalog.yaml?from=1&to=2")
    assert history.status_code == 200
    assert "curator-1" in history.text and "<code>update</code> site/" + SITE in history.text
    assert re.search(r"<ins>\+\s+summary: '?" + re.escape(summary), history.text)
    assert re.search(r"<del>-\s+summary: [^\n]*</del>\n", history.text)  # one line each
    restore = {"csrf": csrf_of(history.text), "revision": "1"}
    answer = curator.post("/admin/history/site_catalog.yaml", data=restore, follow_redirects=False)
    assert answer.status_code == 303
    assert catalogue.read_bytes() == original
    after = curator.get(answer.headers["location"])
    assert "<code>restore 1</code>" in after.text and "Révision restaurée" in after.text
    assert curator.get("/admin/history/nothing/here.yaml").status_code == 404


# --- Sessions -------------------------------------------------------------------------------


def test_a_revoked_user_is_signed_out(curator: TestClient, content_root: Path) -> None:
    assert curator.get("/admin").status_code == 200
    Accounts(content_root / ".parcours" / "users.json").revoke("curator-1")
    answer = curator.get("/admin/sites", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=%2Fadmin%2Fsites"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]


def test_sessions_expire_after_eight_hours(
    app_client: TestClient, tokens: dict[str, str], content_root: Path
) -> None:
    user = Accounts(content_root / ".parcours" / "users.json").load()["curator-1"]
    secret = secret_of(content_root)
    app_client.cookies.set(SESSION_COOKIE, session_cookie_value(secret, user, time.time() - 100))
    assert app_client.get("/admin", follow_redirects=False).status_code == 200
    old = session_cookie_value(secret, user, time.time() - 8 * 3600 - 1)
    app_client.cookies.set(SESSION_COOKIE, old)
    assert app_client.get("/admin", follow_redirects=False).status_code == 303
    app_client.cookies.set(SESSION_COOKIE, "forged." + old.split(".", 1)[1])
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(curator: TestClient) -> None:
    csrf = csrf_of(curator.get("/admin").text)
    answer = curator.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert curator.get("/admin", follow_redirects=False).status_code == 303


def test_every_admin_page_redirects_when_anonymous(app_client: TestClient) -> None:
    paths = admin_get_paths(app_client)
    assert len(paths) >= 9
    for path in paths:
        answer = app_client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/admin/login?next=%2Fadmin"), path
        assert answer.headers["cache-control"] == "no-store"


def test_every_admin_page_renders_for_an_admin(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    sign_in(app_client, "admin-1", tokens["admin"])
    for path in admin_get_paths(app_client):
        answer = app_client.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        assert answer.headers["cache-control"] == "no-store"
        assert '<html lang="fr"' in answer.text and "<h1" in answer.text
    english = app_client.get("/admin?lang=en")
    assert '<html lang="en"' in english.text and "Dashboard" in english.text
    users = app_client.get("/admin/users")
    assert "parcours users add" in users.text and "admin-1" in users.text
    found = app_client.get("/admin/sites", params={"q": "raismes"})
    assert "Cité Lagrange" in found.text and "Fosse Arenberg" not in found.text


def test_the_api_accepts_the_session_with_its_csrf_header(
    curator: TestClient, content_root: Path
) -> None:
    read = curator.get(f"/api/sites/{SITE}/source")
    assert read.status_code == 200
    patch = json.dumps({"summary": "Résumé changé par l’API avec la session."})
    headers = {**MERGE, "if-match": read.headers["etag"]}
    refused = curator.patch(f"/api/sites/{SITE}", headers=headers, content=patch)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    csrf = csrf_of(curator.get("/admin").text)
    answer = curator.patch(
        f"/api/sites/{SITE}", headers={**headers, "x-csrf-token": csrf}, content=patch
    )
    assert answer.status_code == 200, answer.text
    last = (content_root / ".parcours" / "audit.jsonl").read_text().splitlines()[-1]
    stored = hashlib.sha256((content_root / "site_catalog.yaml").read_bytes()).hexdigest()
    assert json.loads(last)["user"] == "curator-1" and stored in last


BOX = (
    BUNDLED_ROOT.parent
    / "shared"
    / "gltf-corpus"
    / "BoxVertexColors"
    / "glTF-Binary"
    / "BoxVertexColors.glb"
)


@pytest.mark.skipif(not BOX.is_file(), reason="shared corpus absent")
def test_uploading_a_model_from_its_page(curator: TestClient, content_root: Path) -> None:
    asset_id = "abbaye-saint-amand"
    page = curator.get(f"/admin/assets/{asset_id}?lang=fr")
    action = re.search(r'action="(/admin/assets/[^"]+/model\?[^"]+)"', page.text)
    assert action and 'enctype="multipart/form-data"' in page.text
    url = action.group(1).replace("&amp;", "&")
    model = content_root / "assets" / asset_id / "model.glb"
    before = model.read_bytes()
    refused = curator.post(
        url, files={"file": ("x.glb", b"glTF" + b"\0" * 40, "model/gltf-binary")}
    )
    assert refused.status_code == 422 and "rien n’a été changé" in refused.text
    assert model.read_bytes() == before
    no_token = curator.post(
        f"/admin/assets/{asset_id}/model",
        files={"file": ("box.glb", BOX.read_bytes(), "model/gltf-binary")},
    )
    assert no_token.status_code == 403
    accepted = curator.post(
        url,
        files={"file": ("box.glb", BOX.read_bytes(), "model/gltf-binary")},
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    assert model.read_bytes() == BOX.read_bytes()


def test_trails_and_models_can_be_searched(curator: TestClient) -> None:
    trails = curator.get("/admin/trails?q=DENAIN").text
    assert "denain-1712" in trails and "arenberg" not in trails.split("<table>")[1]
    models = curator.get("/admin/assets?q=diorama").text
    assert "denain-1712-diorama" in models and "caph-8n-cite-lagrange" not in models
