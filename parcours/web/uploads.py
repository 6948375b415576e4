"""Curators upload a model: `POST /api/assets/{asset_id}/model`, the GLB as the raw body
(`curl --data-binary @model.glb`) or as the `file` field of a multipart/form-data form (a
browser's file input, `curl -F file=@model.glb`).

Either way the bytes are streamed to disk with the size limit (PARCOURS_MAX_UPLOAD_BYTES)
checked as they arrive (413 at once, the partial file deleted) and a read timeout between
chunks (408); multipart bodies are parsed as they stream, never held in memory. The checks
and the write are parcours.uploads'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours import uploads
from parcours.accounts import User
from parcours.web.curation import BadBody, caller, store_of
from parcours.web.openapi import Documented
from parcours.web.state import SnapshotHolder

MODEL_TYPES = ("model/gltf-binary", "application/octet-stream")
FORM_TYPE = "multipart/form-data"
FILE_FIELD = b"file"
#: Seconds to wait for the next chunk of the body before giving up (408).
READ_TIMEOUT_S = 30.0


class UploadTimeout(BadBody):
    def __init__(self) -> None:
        super().__init__(f"no data received for {READ_TIMEOUT_S:.0f} s: upload again", 408)


def _form_writer(content_type: str, upload: uploads.Upload) -> Callable[[bytes], None]:
    """A streaming multipart parser that writes the `file` field's bytes to `upload`."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    _kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadBody("multipart/form-data without a boundary")
    state: dict[str, Any] = {"field": b"", "value": b"", "name": None, "found": False}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        if state["field"].lower() == b"content-disposition":
            state["name"] = parse_options_header(state["value"])[1].get(b"name")
        state["field"], state["value"] = b"", b""

    def on_part_begin() -> None:
        state["name"] = None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["name"] == FILE_FIELD:
            state["found"] = True
            upload.write(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
        },
    )

    def write(chunk: bytes) -> None:
        if chunk:
            parser.write(chunk)
        else:
            parser.finalize()
            if not state["found"]:
                raise BadBody("the form has no 'file' field with the model")

    return write


async def _receive(request: Request, upload: uploads.Upload, form: bool) -> None:
    write = _form_writer(request.headers["content-type"], upload) if form else upload.write
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), READ_TIMEOUT_S)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise UploadTimeout() from None
        if chunk:
            write(chunk)
    if form:
        write(b"")
    upload.close()


async def receive_model(request: Request, asset_id: str, user: User) -> dict[str, Any]:
    """Stream, check, accept and rebuild: the upload itself, for the API and the curators'
    pages alike. Raises ModelRefused (422 with the report) and the other upload errors."""
    holder: SnapshotHolder = request.app.state.holder
    settings = holder.settings
    uploads.check_asset(settings, asset_id)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in (*MODEL_TYPES, FORM_TYPE):
        raise BadBody(
            f"send the GLB itself as the body, as {MODEL_TYPES[0]} "
            f"(curl --data-binary @model.glb -H 'Content-Type: {MODEL_TYPES[0]}'), "
            f"or as the 'file' field of a form, not '{kind or 'nothing'}'",
            415,
        )
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + (64 * 1024 if kind == FORM_TYPE else 0):
        raise uploads.UploadTooLarge(limit)
    store = store_of(request)
    with uploads.Upload(settings, limit) as upload:
        await _receive(request, upload, form=kind == FORM_TYPE)
        if upload.size == 0:
            raise BadBody("the body is empty: send the model's bytes")
        report = await run_in_threadpool(uploads.check_model, upload.path, settings)
        if not report.ok:
            raise uploads.ModelRefused(report)
        saved = await run_in_threadpool(uploads.accept_model, store, asset_id, upload, report, user)
    build = await run_in_threadpool(uploads.rebuild, store, asset_id, user)
    return {
        "entity": saved.entity,
        "data": saved.data,
        "report": report.as_dict(),
        "build": build,
        "variants": build["variants"],
        "revision": build["revision"],
    }


async def upload_model(request: Request) -> Response:
    user = caller(request, "edit")
    result = await receive_model(request, request.path_params["asset_id"], user)
    return JSONResponse(result, headers={"cache-control": "no-store"})


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
            "415": "Neither a raw GLB body nor a multipart form with a 'file' field.",
            "422": "Refused by the validators (details.report: codes, messages, pointers) or "
            "the content would be invalid; nothing was changed.",
        },
    ),
]
