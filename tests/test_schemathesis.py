"""schemathesis against /openapi.json: every documented operation, generated requests.

Each operation is one test (its id is `METHOD /path`), fed 20 requests generated from its
description by Hypothesis (no shrinking, no deadline, so the file stays under two minutes).
Reads run with an admin's token on one copy of the content, writes with a curator's token on
another copy, so every staff route is reached past its sign-in.

Checked everywhere: no server error (oEmbed's 501 for a format it does not serve is the
oEmbed 1.0 answer, not a failure), error bodies of the documented shape, and that a route
needing a token refuses the same request without it. Where the description is precise enough
(PRECISE below: it lists every status the route answers with), the statuses and content
types must be documented ones too. "Schema-valid data accepted" is not checked: parameters
are documented as strings while the routes accept only some (`lang=xx` is a 400 naming it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from parcours.accounts import Accounts
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.web.app import create_app, documented_routes

EXAMPLES = 20
#: Operations whose description lists every status and content type they answer with.
PRECISE = {
    "GET /-/health",
    "GET /-/version",
    "GET /api/languages",
    "GET /api/sites/{site_id}/source",
    "GET /api/trails/{trail_id}/source",
    "PATCH /api/sites/{site_id}",
    "DELETE /api/sites/{site_id}",
    "PATCH /api/trails/{trail_id}",
    "GET /media/{name}",
    "GET /iiif/assets/{asset_id}/manifest.json",
    "GET /iiif/trails/{trail_id}/collection.json",
    "GET /open-data/sites.geojson",
    "GET /open-data/sites.csv",
    "GET /s/{code}",
    "GET /sw.js",
    "GET /icons/{name}",
    "GET /vendor/{name}",
}

#: Signing in and out is open to anyone, though described with the bearer scheme (every route
#: that takes a POST must name a permission: tests/test_store.py).
SIGN_IN = {"GET /admin/login", "POST /admin/login", "POST /admin/logout"}


def operations() -> list[str]:
    found = []
    for doc in documented_routes():
        path = doc.path.replace(":path}", "}")
        found += [f"{method.upper()} {path}" for method in doc.methods]
    return found


@schemathesis.serializer("model/gltf-binary")
def _model_body(_ctx: Any, value: Any) -> bytes:
    """Uploads take raw bytes; what is generated (a JSON object) is sent as they are."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """not_a_server_error, but oEmbed 1.0 answers 501 to a format it does not provide."""
    fmt = (case.query or {}).get("format")
    if case.path == "/oembed" and response.status_code == 501 and fmt not in ("json", "xml"):
        return True
    return not_a_server_error(ctx, response, case)


def copy_content(root: Path) -> Path:
    for name in ("site_catalog.yaml", "babel.cfg", "babel-content.cfg"):
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in ("locales", "tours", "schema", "assets"):
        shutil.copytree(BUNDLED_ROOT / name, root / name)
    return root


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One schema (with its app and a token) for reads, one for writes."""
    loaded = {}
    for kind, role in (("read", "admin"), ("write", "curator")):
        root = copy_content(tmp_path_factory.mktemp(f"content-{kind}"))
        token = Accounts(root / ".parcours" / "users.json").add(f"{role}-1", role)
        app = create_app(Settings(root=root))
        # The token as the description's `bearer` scheme: sent with every request, and taken
        # away by the check that the route refuses the request without it.
        config = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearer": {"bearer": token}}}})
        loaded[kind] = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    yield loaded


@pytest.mark.parametrize("label", operations())
def test_operation(label: str, apis: dict[str, Any]) -> None:
    method, path = label.split(" ", 1)
    schema = apis["read" if method == "GET" else "write"]
    operation = schema[path][method]
    checks = [no_server_error, response_schema_conformance]
    if label not in SIGN_IN:
        checks.append(ignored_auth)
    if label in PRECISE:
        checks += [status_code_conformance, content_type_conformance]
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(checks=checks)
        except Exception as exc:  # every failing example is reported, not only the first
            failures.append(str(exc)[:1500])

    run()
    assert not failures, f"{len(failures)} of the requests failed; first:\n{failures[0]}"
