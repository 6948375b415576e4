"""Curators upload a model: `POST /api/assets/{asset_id}/model` with the GLB as the raw body.

The body is streamed to disk with the size limit (PARCOURS_MAX_UPLOAD_BYTES) checked as it
arrives (413 at once, the partial file deleted) and a read timeout between chunks (408).
multipart/form-data is not accepted: python-multipart is not installed, and a raw body is
what `curl --data-binary @model.glb` sends. The checks and the write are parcours.uploads'.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours import uploads
from parcours.web.curation import BadBody, caller, store_of
from parcours.web.openapi import Documented
from parcours.web.state import SnapshotHolder

MODEL_TYPES = ("model/gltf-binary", "application/octet-stream")
#: Seconds to wait for the next chunk of the body before giving up (408).
READ_TIMEOUT_S = 30.0


class UploadTimeout(BadBody):
    def __init__(self) -> None:
        super().__init__(f"no data received for {READ_TIMEOUT_S:.0f} s: upload again", 408)


async def _receive(request: Request, upload: uploads.Upload) -> None:
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), READ_TIMEOUT_S)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise UploadTimeout() from None
        if chunk:
            upload.write(chunk)
    upload.close()


async def upload_model(request: Request) -> Response:
    user = caller(request, "edit")
    holder: SnapshotHolder = request.app.state.holder
    settings = holder.settings
    asset_id = request.path_params["asset_id"]
    uploads.check_asset(settings, asset_id)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in MODEL_TYPES:
        raise BadBody(
            f"send the GLB itself as the body, as {MODEL_TYPES[0]} "
            f"(curl --data-binary @model.glb -H 'Content-Type: {MODEL_TYPES[0]}'), "
            f"not '{kind or 'nothing'}'",
            415,
        )
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise uploads.UploadTooLarge(limit)
    store = store_of(request)
    with uploads.Upload(settings, limit) as upload:
        await _receive(request, upload)
        if upload.size == 0:
            raise BadBody("the body is empty: send the model's bytes")
        report = await run_in_threadpool(uploads.check_model, upload.path, settings)
        if not report.ok:
            raise uploads.ModelRefused(report)
        saved = await run_in_threadpool(uploads.accept_model, store, asset_id, upload, report, user)
    build = await run_in_threadpool(uploads.rebuild, store, asset_id, user)
    return JSONResponse(
        {
            "entity": saved.entity,
            "data": saved.data,
            "report": report.as_dict(),
            "build": build,
            "variants": build["variants"],
            "revision": build["revision"],
        },
        headers={"cache-control": "no-store"},
    )


ROUTES = [
    Documented(
        Route("/api/assets/{asset_id}/model", upload_model, methods=["POST"]),
        "Upload a new model (the GLB as the raw body): checked by the safety gate and the "
        "Khronos validator, then it replaces the asset's model and its variants are rebuilt",
        "curation",
        methods=("post",),
        body="model/gltf-binary",
        permission="edit",
        responses={
            "400": "Empty body.",
            "404": "No assets/{asset_id}/asset.yaml yet: describe the asset first.",
            "408": "The body stopped arriving.",
            "413": "Over PARCOURS_MAX_UPLOAD_BYTES (50 MB by default); nothing was kept.",
            "415": "Not a raw GLB body (multipart is not accepted).",
            "422": "Refused by the validators (details.report: codes, messages, pointers) or "
            "the content would be invalid; nothing was changed.",
        },
    ),
]
