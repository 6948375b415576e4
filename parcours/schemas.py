"""JSON Schemas of the curated files, generated from the models, for editors and the API.

Each file starts with `# yaml-language-server: $schema=...` so that editors complete and check
it as curators type; `parcours schema` writes them to schema/ and the server serves them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from parcours.assets import Asset
from parcours.model import Catalogue
from parcours.trails import Trail

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "site_catalog.json": (Catalogue, "parcours site catalogue (site_catalog.yaml)"),
    "trail.json": (Trail, "parcours trail (tours/<trail-id>.yaml)"),
    "asset.json": (Asset, "parcours 3D asset (assets/<asset-id>/asset.yaml)"),
}


def json_schema(name: str) -> dict[str, Any]:
    model, title = SCHEMAS[name]
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"/schema/{name}",
        "title": title,
        **{key: value for key, value in schema.items() if key != "title"},
    }
