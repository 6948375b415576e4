"""API of the 3D assets: the list, one asset with facts, variants and its validation report,
and `/model`, which sends a phone to the variant that suits its network."""

from __future__ import annotations

import difflib

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from parcours.asset_docs import asset_summary, recommended_variant, variants_of
from parcours.errors import NotFound, ParcoursError
from parcours.representation import Representation, json_representation
from parcours.web.api import single_params
from parcours.web.hints import wants_lite
from parcours.web.language import request_language
from parcours.web.openapi import ACCEPT_LANGUAGE, LANG, Documented, Param
from parcours.web.responses import CORS_HEADERS, represent
from parcours.web.state import snapshot_of


def _unknown(asset_id: str, known: list[str]) -> NotFound:
    close = difflib.get_close_matches(asset_id, known, n=3, cutoff=0.5)
    return NotFound("asset", asset_id[:100], close)


async def list_assets(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)

    def make() -> Representation:
        items = [
            asset_summary(a, snapshot.asset_texts[lang][a.id], lang, snapshot.manifest.get(a.id))
            for a in snapshot.assets.values()
        ]
        return json_representation({"lang": lang, "total": len(items), "items": items}, lang)

    return represent(request, snapshot.cache.get_or_make(("assets", lang), make))


async def get_asset(request: Request) -> Response:
    snapshot = snapshot_of(request)
    single_params(request, ("lang",))
    lang = request_language(request, snapshot)
    asset_id = request.path_params["asset_id"]
    rep = snapshot.asset_documents[lang].get(asset_id)
    if rep is None:
        raise _unknown(asset_id, list(snapshot.assets))
    return represent(request, rep)


async def asset_model(request: Request) -> Response:
    """307 to the phone variant for Save-Data or slow networks, else to the full model."""
    snapshot = snapshot_of(request)
    single_params(request, ())
    asset_id = request.path_params["asset_id"]
    if asset_id not in snapshot.assets:
        raise _unknown(asset_id, list(snapshot.assets))
    variants = variants_of(snapshot.manifest.get(asset_id))
    role = recommended_variant(variants, wants_lite(request.headers))
    if role is None:
        raise ParcoursError(
            f"asset '{asset_id}' has no published model yet (run `parcours "
            "build`, and see its validation report)",
            "model_not_available",
            404,
            {"id": asset_id},
        )
    headers = {**CORS_HEADERS, "vary": "Save-Data, ECT", "cache-control": "no-cache"}
    return RedirectResponse(variants[role]["url"], status_code=307, headers=headers)


ROUTES = [
    Documented(
        Route("/api/assets", list_assets),
        "3D assets with their variants",
        "assets",
        (LANG, ACCEPT_LANGUAGE),
        responses={"400": "A parameter is invalid."},
    ),
    Documented(
        Route("/api/assets/{asset_id}", get_asset),
        "One asset: texts, hotspots, facts, variants and validation report",
        "assets",
        (LANG, ACCEPT_LANGUAGE),
        responses={"404": "Unknown asset; details.suggestions lists close ids."},
    ),
    Documented(
        Route("/api/assets/{asset_id}/model", asset_model),
        "Redirect to the variant that suits the client's network",
        "assets",
        (
            Param("Save-Data", "on: prefer the light phone variant.", location="header"),
            Param(
                "ECT",
                "Effective connection type; 3g or slower prefers the phone variant.",
                location="header",
            ),
        ),
        responses={
            "307": "Redirect to the model variant.",
            "404": "Unknown asset or no published model.",
        },
    ),
]
