"""The translators' API: set one translation, see where a language stands, download and
upload a language's catalogue as a PO file (Poedit, Weblate...).

Every route needs a token with the 'translate' permission (translators, curators, admins).
The work is done by parcours.translation_edits; the files are written by the one writer,
`Store.commit`, under its lock (`prepare` reads the catalogue as it is then), so a change is
validated with the whole content, atomic, audited and restorable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours import translation_edits as edits
from parcours.i18n import inventory
from parcours.i18n.catalogs import CONTENT_DOMAIN, INTERFACE_DOMAIN
from parcours.settings import Settings
from parcours.web.api import single_params
from parcours.web.curation import BadBody, caller, json_body, saved, store_of
from parcours.web.openapi import Documented, Param
from parcours.web.state import SnapshotHolder, snapshot_of

MAX_PO_BYTES = 5 * 1024 * 1024
PO_TYPES = ("text/x-gettext-translation", "text/x-po", "application/octet-stream", "text/plain")
PO_MEDIA_TYPE = "text/x-gettext-translation"
NO_STORE = {"cache-control": "no-store"}


def _settings(request: Request) -> Settings:
    holder: SnapshotHolder = request.app.state.holder
    return holder.settings


def _text(body: dict[str, Any]) -> tuple[str, str | Sequence[str]]:
    source, text = body.get("source"), body.get("text")
    if not isinstance(source, str) or not source:
        raise BadBody('give the French text you translated: {"source": "...", "text": "..."}')
    if isinstance(text, list) and all(isinstance(t, str) for t in text):
        return source, text
    if not isinstance(text, str):
        raise BadBody(
            'give the translation as a string ("" removes it) or, for a message '
            "with plural forms, a list of strings"
        )
    return source, text


async def set_translation(request: Request) -> Response:
    user = caller(request, "translate")
    lang, ref = request.path_params["lang"], request.path_params["context"]
    source, text = _text(await json_body(request))
    settings, store = _settings(request), store_of(request)

    def prepare() -> dict[str, str | bytes]:
        return edits.set_translation(settings, lang, ref, source, text)[0]

    # First outside the lock, to answer 404/409/422 or "nothing to change" without writing.
    changes, data = await run_in_threadpool(
        edits.set_translation, settings, lang, ref, source, text
    )
    if not changes:
        return _unchanged(request, lang, data)
    context = data["context"]
    entity = f"translation/{lang}/{inventory.NO_CONTEXT if context is None else context}"
    result = await run_in_threadpool(
        store.commit, changes, entity, "translate", user, data, prepare
    )
    return saved(result)


def _unchanged(request: Request, lang: str, data: Any) -> Response:
    """Nothing to write: the catalogue already says this."""
    body = {
        "entity": f"translation/{lang}",
        "data": data,
        "revision": snapshot_of(request).revision,
    }
    return JSONResponse({**body, "unchanged": True}, headers=NO_STORE)


async def coverage(request: Request) -> Response:
    caller(request, "translate")
    single_params(request, ())
    lang = request.path_params["lang"]
    report = await run_in_threadpool(inventory.coverage, _settings(request), lang)
    return JSONResponse(report, headers=NO_STORE)


def _domain(request: Request) -> str | None:
    domain = single_params(request, ("domain",)).get("domain")
    if domain not in (None, CONTENT_DOMAIN, INTERFACE_DOMAIN):
        raise BadBody(f"domain is '{CONTENT_DOMAIN}' or '{INTERFACE_DOMAIN}' (or absent: both)")
    return domain


async def export_po(request: Request) -> Response:
    caller(request, "translate")
    lang, domain = request.path_params["lang"], _domain(request)
    data = await run_in_threadpool(edits.export_po, _settings(request), lang, domain)
    name = f"parcours-{lang}{'-' + domain if domain else ''}.po"
    return Response(
        data,
        media_type=f"{PO_MEDIA_TYPE}; charset=utf-8",
        headers={**NO_STORE, "content-disposition": f'attachment; filename="{name}"'},
    )


async def _read_po_body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in PO_TYPES:
        raise BadBody(
            f"send the PO file itself as {PO_MEDIA_TYPE} (curl --data-binary @en.po), "
            f"not '{kind or 'nothing'}'",
            415,
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PO_BYTES:
        raise BadBody(f"the file is larger than {MAX_PO_BYTES} bytes", 413)
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PO_BYTES:
            raise BadBody(f"the file is larger than {MAX_PO_BYTES} bytes", 413)
        chunks.append(chunk)
    return b"".join(chunks)


async def import_po(request: Request) -> Response:
    user = caller(request, "translate")
    lang = request.path_params["lang"]
    data = await _read_po_body(request)
    settings, store = _settings(request), store_of(request)
    changes, report = await run_in_threadpool(edits.import_po, settings, lang, data)
    if not changes:
        return _unchanged(request, lang, report)
    final: dict[str, Any] = {}

    def prepare() -> dict[str, str | bytes]:
        merged, fresh = edits.import_po(settings, lang, data)
        final.update(fresh)
        return merged

    result = await run_in_threadpool(
        store.commit, changes, f"translation/{lang}", "import", user, report, prepare
    )
    return saved(replace(result, data=final or report))


LANG_PATH = "Language of the catalogue (a folder of locales/), e.g. en."
TRANSLATE_ERRORS = {
    "400": "The body is not a JSON object with source and text.",
    "404": "Unknown language (details.known lists them) or unknown context.",
    "409": "The French text changed since it was translated: details.current is the new one.",
    "415": "Not JSON.",
    "422": "Placeholders such as %(name)s differ from the French, or wrong plural forms.",
}
PO_ERRORS = {
    "404": "Unknown language (details.known lists them).",
    "413": f"The file is over {MAX_PO_BYTES} bytes.",
    "415": "Not a PO file.",
    "422": "Unreadable file, unknown messages or placeholders that differ from the French: "
    "every problem with its line; nothing was saved.",
}

ROUTES = [
    Documented(
        Route("/api/translations/{lang}/coverage", coverage),
        "Where a language stands: done, stale and missing texts of sites, trails, assets and "
        "the interface, with their contexts and French sources",
        "translation",
        permission="translate",
        responses={"404": PO_ERRORS["404"]},
    ),
    Documented(
        Route("/api/translations/{lang}/{context:path}", set_translation, methods=["PUT"]),
        'Set one translation: {"source": <the French translated>, "text": <translation>}; '
        "an empty text removes it. The context is the gettext context, `-` for none",
        "translation",
        methods=("put",),
        body="application/json",
        permission="translate",
        responses=TRANSLATE_ERRORS,
    ),
    Documented(
        Route("/api/translations/{lang}.po", export_po),
        "Download a language's catalogue as a PO file (both domains unless ?domain=)",
        "translation",
        (Param("domain", "content or messages: only that catalogue, byte for byte."),),
        media_type=PO_MEDIA_TYPE,
        permission="translate",
        responses={"400": "Unknown domain.", "404": PO_ERRORS["404"]},
    ),
    Documented(
        Route("/api/translations/{lang}.po", import_po, methods=["POST"]),
        "Upload a translated PO file (at most 5 MB): entries whose French is still current are "
        "merged, the others reported as skipped",
        "translation",
        methods=("post",),
        body=PO_MEDIA_TYPE,
        permission="translate",
        responses=PO_ERRORS,
    ),
]
