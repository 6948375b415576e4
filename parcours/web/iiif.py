"""IIIF Presentation 4.0 (draft) routes: a Manifest per 3D asset, a Collection per trail.

The documents come from parcours.iiif; their bytes are made once per snapshot and base URL,
then answered with ETag/304, gzip and CORS like the rest of the read-only API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.iiif import MEDIA_TYPE, collection_representation, manifest_representation
from parcours.web.api import single_params
from parcours.web.openapi import Documented
from parcours.web.pages import base_url
from parcours.web.responses import represent
from parcours.web.state import snapshot_of


async def manifest(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ())
    asset_id = str(request.path_params["asset_id"])
    # An unknown id or an unbuilt model raises (NotFound, 404) before anything is cached.
    return represent(
        request, manifest_representation(snapshot, asset_id, base_url(request, snapshot))
    )


async def collection(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ())
    trail_id = str(request.path_params["trail_id"])
    base = base_url(request, snapshot)
    return represent(request, collection_representation(snapshot, trail_id, base))


ROUTES = [
    Documented(
        Route("/iiif/assets/{asset_id}/manifest.json", manifest),
        "IIIF Presentation 4.0 (draft) Manifest of a 3D model: a Scene painted with the GLB, "
        "hotspots as commenting annotations (PointSelector), labels in every language",
        "iiif",
        media_type=MEDIA_TYPE,
        responses={"404": "Unknown asset (details.suggestions), or its model is not built yet."},
    ),
    Documented(
        Route("/iiif/trails/{trail_id}/collection.json", collection),
        "IIIF Presentation 4.0 (draft) Collection of a trail: the Manifests of its models, "
        "in stop order",
        "iiif",
        media_type=MEDIA_TYPE,
        responses={"404": "Unknown trail; details.suggestions lists close ids."},
    ),
]
