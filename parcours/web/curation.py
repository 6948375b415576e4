"""The curators' API: read the French source of a site or trail with its ETag, change it with a
JSON Merge Patch and If-Match, see its history and restore a revision.

Every route here goes through `caller(request, permission)`: no token is 401, a token of the
wrong role is 403 (tests enumerate the routes to check that none forgets it). Nothing here is
ever answered with CORS headers: a page of another origin cannot make a curator's browser
write. The work is done by the one writer, parcours.store.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parcours.accounts import Accounts, User
from parcours.errors import BadParameter, ParcoursError
from parcours.store import Saved, Store
from parcours.web.api import single_params
from parcours.web.openapi import Documented, Param
from parcours.web.state import SnapshotHolder

MAX_BODY = 1024 * 1024
JSON_TYPES = ("application/merge-patch+json", "application/json")


class Unauthorized(ParcoursError):
    def __init__(self) -> None:
        super().__init__(
            message="sign in: send 'Authorization: Bearer <token>' (see `parcours users add`)",
            code="unauthorized",
            status=401,
        )


class Forbidden(ParcoursError):
    def __init__(self, user: User, permission: str) -> None:
        super().__init__(
            message=f"the role '{user.role}' may not {permission}",
            code="forbidden",
            status=403,
            details={"role": user.role, "needs": permission},
        )


class BadBody(ParcoursError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message=message, code="bad_body", status=status)


def accounts_of(request: Request) -> Accounts:
    holder: SnapshotHolder = request.app.state.holder
    return Accounts(holder.settings.root / ".parcours" / "users.json")


def caller(request: Request, permission: str) -> User:
    """The signed-in user allowed to `permission`, or 401/403."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user = accounts_of(request).authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        user = getattr(request.state, "session_user", None)
    if user is None:
        raise Unauthorized()
    if not user.may(permission):
        raise Forbidden(user, permission)
    return user


def store_of(request: Request) -> Store:
    holder: SnapshotHolder = request.app.state.holder

    def publish(snapshot: Any) -> None:
        holder.current = snapshot

    return Store(holder.settings, publish)


async def json_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in JSON_TYPES:
        raise BadBody(f"send the change as {JSON_TYPES[0]} (got '{kind or 'nothing'}')", 415)
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadBody(f"the body is larger than {MAX_BODY} bytes", 413)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks) or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadBody(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadBody("the body must be a JSON object")
    return body


def saved(result: Saved, status: int = 200) -> Response:
    headers = {"cache-control": "no-store"}
    if result.etag:
        headers["etag"] = result.etag
    body = {"entity": result.entity, "data": result.data, "revision": result.snapshot.revision}
    return JSONResponse(body, status_code=status, headers=headers)


def _source(data: Any, etag: str) -> Response:
    return JSONResponse(data, headers={"etag": etag, "cache-control": "no-store"})


Endpoint = Callable[[Request], Awaitable[Response]]


def _source_of(kind: str) -> Endpoint:
    """GET .../{kind}/{id}/source: the French record and its ETag (staff)."""

    async def endpoint(request: Request) -> Response:
        caller(request, "translate")
        read = getattr(store_of(request), kind)
        data, etag = read(request.path_params[f"{kind}_id"])
        return _source(data, etag)

    return endpoint


def _writer_of(kind: str) -> Endpoint:
    """PATCH (merge patch) or DELETE of one entity, If-Match required."""

    async def endpoint(request: Request) -> Response:
        user = caller(request, "edit")
        store, ident = store_of(request), request.path_params[f"{kind}_id"]
        if_match = request.headers.get("if-match")
        if request.method == "DELETE":
            delete = getattr(store, f"delete_{kind}")
            return saved(await run_in_threadpool(delete, ident, if_match, user))
        patch = await json_body(request)
        update = getattr(store, f"update_{kind}")
        return saved(await run_in_threadpool(update, ident, patch, if_match, user))

    return endpoint


def _creator_of(kind: str) -> Endpoint:
    """POST of a whole new record."""

    async def endpoint(request: Request) -> Response:
        user = caller(request, "edit")
        body = await json_body(request)
        create = getattr(store_of(request), f"create_{kind}")
        return saved(await run_in_threadpool(create, body, user), 201)

    return endpoint


site_source, site_write, site_create = _source_of("site"), _writer_of("site"), _creator_of("site")
trail_source, trail_write = _source_of("trail"), _writer_of("trail")
trail_create = _creator_of("trail")
asset_source, asset_write = _source_of("asset"), _writer_of("asset")


async def history(request: Request) -> Response:
    caller(request, "translate")
    params = single_params(request, ("from", "to"))
    relpath = request.path_params["path"]
    store = store_of(request)
    try:
        revisions = store.history.revisions(relpath)
    except ValueError:  # '..', an absolute path, a NUL byte: never a path under the history
        raise BadParameter("path", "not a content file's path", value=relpath[:100]) from None
    if "from" in params or "to" in params:
        try:
            a, b = int(params["from"]), int(params["to"])
            text = store.history.diff(relpath, a, b)
        except UnicodeDecodeError:
            raise BadBody("this file is binary (a model): compare its revisions' hashes") from None
        except (KeyError, ValueError):
            raise BadBody("give two existing revision numbers: ?from=N&to=M") from None
        return Response(text, media_type="text/x-diff; charset=utf-8")
    audit = store.history.audit_entries()
    return JSONResponse(
        {
            "path": relpath,
            "revisions": [r.as_dict() for r in revisions],
            "changes": [e for e in audit if any(f["path"] == relpath for f in e.get("files", []))],
        },
        headers={"cache-control": "no-store"},
    )


async def restore(request: Request) -> Response:
    user = caller(request, "edit")
    body = await json_body(request)
    number = body.get("revision")
    if not isinstance(number, int):
        raise BadBody('give the revision to restore: {"revision": N}')
    store = store_of(request)
    return saved(await run_in_threadpool(store.restore, request.path_params["path"], number, user))


async def audit(request: Request) -> Response:
    caller(request, "accounts")
    params = single_params(request, ("entity",))
    entries = store_of(request).history.audit_entries(params.get("entity"))
    return JSONResponse({"entries": entries}, headers={"cache-control": "no-store"})


IF_MATCH = Param("If-Match", "The ETag read from the source (required).", location="header")
WRITE = {
    "400": "The body is not a JSON object.",
    "404": "Unknown entity.",
    "412": "Changed since you read it: the current version is in the answer.",
    "415": "Not JSON.",
    "422": "The change would make the content invalid: every problem is listed.",
    "428": "If-Match is missing.",
}
MERGE = "application/merge-patch+json"

ROUTES = [
    Documented(
        Route("/api/sites/{site_id}/source", site_source),
        "A site's French source record, with the ETag to send in If-Match",
        "curation",
        permission="translate",
        responses={"404": "Unknown site."},
    ),
    Documented(
        Route("/api/sites/{site_id}", site_write, methods=["PATCH", "DELETE"]),
        "Change a site (JSON Merge Patch, RFC 7386) or delete it; If-Match required",
        "curation",
        (IF_MATCH,),
        methods=("patch", "delete"),
        body=MERGE,
        permission="edit",
        responses=WRITE,
    ),
    Documented(
        Route("/api/sites", site_create, methods=["POST"]),
        "Add a site (its full record, in French)",
        "curation",
        methods=("post",),
        body="application/json",
        permission="edit",
        responses={k: v for k, v in WRITE.items() if k in {"400", "415", "422"}},
    ),
    Documented(
        Route("/api/trails/{trail_id}/source", trail_source),
        "A trail's French source, with the ETag to send in If-Match",
        "curation",
        permission="translate",
        responses={"404": "Unknown trail."},
    ),
    Documented(
        Route("/api/trails", trail_create, methods=["POST"]),
        "Add a trail (its full record, in French): written to tours/<id>.yaml",
        "curation",
        methods=("post",),
        body="application/json",
        permission="edit",
        responses={k: v for k, v in WRITE.items() if k in {"400", "415", "422"}},
    ),
    Documented(
        Route("/api/assets/{asset_id}/source", asset_source),
        "A model's record (asset.yaml: sites, alt text, hotspots...) with its ETag",
        "curation",
        permission="translate",
        responses={"404": "Unknown asset."},
    ),
    Documented(
        Route("/api/assets/{asset_id}", asset_write, methods=["PATCH"]),
        "Change a model's record (merge patch): attach it to sites, alt text, hotspots",
        "curation",
        (IF_MATCH,),
        methods=("patch",),
        body=MERGE,
        permission="edit",
        responses=WRITE,
    ),
    Documented(
        Route("/api/trails/{trail_id}", trail_write, methods=["PATCH", "DELETE"]),
        "Change a trail (merge patch; `stops` replaced whole: add, remove, reorder stops) "
        "or delete it; If-Match required",
        "curation",
        (IF_MATCH,),
        methods=("patch", "delete"),
        body=MERGE,
        permission="edit",
        responses=WRITE,
    ),
    Documented(
        Route("/api/history/{path:path}", history),
        "Revisions of a content file and who changed it; ?from=N&to=M gives a diff",
        "curation",
        (Param("from", "Revision to diff from."), Param("to", "Revision to diff to.")),
        permission="translate",
    ),
    Documented(
        Route("/api/restore/{path:path}", restore, methods=["POST"]),
        'Restore a revision of a content file ({"revision": N}): a new, audited revision',
        "curation",
        methods=("post",),
        body="application/json",
        permission="edit",
        responses={"404": "No such revision.", "422": "The revision is not valid any more."},
    ),
    Documented(
        Route("/api/audit", audit),
        "The audit log: who changed what, when, with the files' hashes before and after",
        "curation",
        (Param("entity", "Only this entity, e.g. site/caph-17-fosse-mathilde."),),
        permission="accounts",
    ),
]
