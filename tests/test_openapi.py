"""Every route is described in /openapi.json and in the README's route table."""

from __future__ import annotations

import re

from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from parcours.settings import BUNDLED_ROOT


def served_paths(client: TestClient) -> set[str]:
    paths = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            paths.add(re.sub(r":\w+}", "}", route.path))  # {name:path} is {name} in OpenAPI
        elif isinstance(route, Mount):
            paths.add(route.path + "/{path}")
    return paths


def test_every_route_is_in_openapi(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert served_paths(client) <= set(document["paths"]), "describe the route in its module"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert operation["summary"] and "200" in operation["responses"], path
            names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), path


def test_every_route_is_in_the_readme(client: TestClient) -> None:
    readme = (BUNDLED_ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| [A-Z, ]+ \| `([^`]+)` \|", readme, flags=re.MULTILINE))
    missing = served_paths(client) - table
    assert not missing, f"add these routes to the README's route table: {sorted(missing)}"
    stale = table - served_paths(client)
    assert not stale, f"the README lists routes that do not exist: {sorted(stale)}"


def test_error_shape_is_declared(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
