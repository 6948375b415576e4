"""The curators' pages at /admin: see what needs work, edit the French texts safely.

Server-rendered, usable without JavaScript, in French with the other interface languages via
`?lang=`. Every change goes through the one writer (parcours.store) exactly as the JSON API's:
forms carry the ETag they were made from (412 shows the current version), problems (422) are
shown next to their fields and in a summary. Signing in: admin_login.py; sessions, CSRF and
throttling: admin_auth.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parcours.accounts import User
from parcours.errors import NotFound
from parcours.store import Store
from parcours.store_errors import Invalid, PreconditionFailed, PreconditionRequired
from parcours.web import admin_views as views
from parcours.web.admin_auth import CsrfRefused, accounts_at, check_form, session_of
from parcours.web.admin_login import (
    SignedOut,
    done,
    lang_of,
    login,
    logout,
    notice_of,
    page,
    posted,
    signed_in,
)
from parcours.web.curation import BadBody, Unauthorized, caller, store_of
from parcours.web.openapi import LANG, Documented
from parcours.web.page_views import asset_view
from parcours.web.state import snapshot_of

# --- Dashboard and lists -------------------------------------------------------------------


@signed_in()
async def dashboard(request: Request, user: User) -> Response:
    snapshot = snapshot_of(request)
    facts = views.dashboard(snapshot, store_of(request).history, lang_of(request))
    return page(request, user, "admin/dashboard.html", section="dashboard", **facts)


@signed_in()
async def sites(request: Request, user: User) -> Response:
    q = request.query_params.get("q", "")[:100]
    found = views.find_sites(snapshot_of(request), q)
    return page(request, user, "admin/sites.html", section="sites", q=q, found=found)


@signed_in()
async def trails(request: Request, user: User) -> Response:
    snapshot = snapshot_of(request)
    documents = snapshot.trails.documents[snapshot.settings.source_language]
    q = request.query_params.get("q", "")[:100]
    found = [t for t in documents.values() if views.matches(q, t["id"], t["title"]["text"])]
    return page(request, user, "admin/trails.html", section="trails", trails=found, q=q)


@signed_in()
async def assets(request: Request, user: User) -> Response:
    q = request.query_params.get("q", "")[:100]
    rows = [
        r
        for r in views.asset_rows(snapshot_of(request))
        if views.matches(q, r["id"], str(r.get("title", "")))
    ]
    return page(request, user, "admin/assets.html", section="assets", rows=rows, q=q)


@signed_in()
async def asset(request: Request, user: User) -> Response:
    snapshot, lang = snapshot_of(request), lang_of(request)
    asset_id = request.path_params["asset_id"]
    record = snapshot.assets.get(asset_id)
    if record is None:
        raise NotFound("asset", asset_id[:100], [])
    units = [
        (k, f"asset/{asset_id}/{k}", v) for k, v in record.translatable.items() if "/" not in k
    ]
    return page(
        request,
        user,
        "admin/asset.html",
        title=record.title,
        section="assets",
        asset=record,
        row=next(r for r in views.asset_rows(snapshot) if r["id"] == asset_id),
        view=asset_view(snapshot, asset_id, lang),
        validation=(snapshot.manifest.get(asset_id) or {}).get("report", {}).get("issues"),
        translations=views.translation_table(snapshot, units),
    )


async def upload_model(request: Request) -> Response:
    """The model page's upload form (multipart): its CSRF token travels in the address,
    since the form's fields arrive after the file they would have to protect."""
    from parcours.uploads import ModelRefused
    from parcours.web.uploads import receive_model

    try:
        user = caller(request, "edit")
    except Unauthorized:
        raise SignedOut() from None
    session = session_of(request)
    if session is None or session.user is not user:
        raise CsrfRefused("sign in on this site to upload")
    check_form(request, request.query_params.get("csrf"), session.csrf)
    asset_id = request.path_params["asset_id"]
    try:
        await receive_model(request, asset_id, user)
    except ModelRefused as exc:
        snapshot, lang = snapshot_of(request), lang_of(request)
        return page(
            request,
            user,
            "admin/asset.html",
            422,
            title=snapshot.assets[asset_id].title,
            section="assets",
            asset=snapshot.assets[asset_id],
            row=next(r for r in views.asset_rows(snapshot) if r["id"] == asset_id),
            view=asset_view(snapshot, asset_id, lang),
            validation=(snapshot.manifest.get(asset_id) or {}).get("report", {}).get("issues"),
            translations=[],
            refused=exc.details["report"],
        )
    return done(f"/admin/assets/{asset_id}", request, "uploaded")


@signed_in("accounts")
async def users(request: Request, user: User) -> Response:
    root = snapshot_of(request).settings.root
    accounts = sorted(accounts_at(root).load().values(), key=lambda u: u.name)
    lang = lang_of(request)
    rows = [
        {"user": u, "created": views.when(u.created, lang), "expires": views.when(u.expires, lang)}
        for u in accounts
    ]
    return page(request, user, "admin/users.html", section="users", rows=rows)


# --- Editing a site or a trail -------------------------------------------------------------


def _form_page(
    request: Request,
    user: User,
    kind: str,
    data: dict[str, Any],
    etag: str,
    status: int = 200,
    values: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    **ctx: Any,
) -> Response:
    snapshot = snapshot_of(request)
    fields = views.SITE_FORM if kind == "site" else views.TRAIL_FORM
    units = views.site_units(data) if kind == "site" else views.trail_units(data)
    stops: list[dict[str, Any]] = []
    if kind == "trail":
        document = snapshot.trails.documents[snapshot.settings.source_language].get(data["id"])
        stops = document["stops"] if document else []
    title = str(data.get("name") or data.get("title") or data.get("id"))
    return page(
        request,
        user,
        "admin/edit.html",
        status,
        title=title,
        section=f"{kind}s",
        kind=kind,
        data=data,
        etag=etag,
        fields=fields,
        values=values or views.form_values(data, fields),
        problems=problems or [],
        translations=views.translation_table(snapshot, units),
        stops=stops,
        file=_file(kind, str(data["id"])),
        notice=notice_of(request),
        **ctx,
    )


def _file(kind: str, ident: str) -> str:
    return "site_catalog.yaml" if kind == "site" else f"tours/{ident}.yaml"


def _read(store: Store, kind: str, ident: str) -> tuple[dict[str, Any], str]:
    return store.site(ident) if kind == "site" else store.trail(ident)


def _edit_view(kind: str) -> Callable[[Request], Awaitable[Response]]:
    @signed_in()
    async def view(request: Request, user: User) -> Response:
        data, etag = _read(store_of(request), kind, request.path_params[f"{kind}_id"])
        return _form_page(request, user, kind, data, etag)

    return view


def _edit_save(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def save(request: Request) -> Response:
        user, form = await posted(request, "edit")
        ident = request.path_params[f"{kind}_id"]
        store = store_of(request)
        fields = views.SITE_FORM if kind == "site" else views.TRAIL_FORM
        current, _etag = _read(store, kind, ident)
        patch, values, local = views.read_form(form, fields, current)
        sent_etag = form.get("etag") or None
        if local:
            problems = views.local_problems(local)
            return _form_page(request, user, kind, current, sent_etag or "", 422, values, problems)
        if not patch:
            return done(f"/admin/{kind}s/{ident}", request, "unchanged")
        update = store.update_site if kind == "site" else store.update_trail
        try:
            await run_in_threadpool(update, ident, patch, sent_etag, user)
        except Invalid as exc:
            problems = views.place_problems(exc.details["problems"], fields, _file(kind, ident))
            return _form_page(request, user, kind, current, sent_etag or "", 422, values, problems)
        except (PreconditionFailed, PreconditionRequired):
            data, etag = _read(store, kind, ident)
            fresh = views.form_values(data, fields)
            yours = [(f, values[f.key]) for f in fields if values[f.key] != fresh[f.key]]
            return _form_page(request, user, kind, data, etag, 412, conflict=True, yours=yours)
        return done(f"/admin/{kind}s/{ident}", request, "saved")

    return save


# --- History ------------------------------------------------------------------------------


def _history_page(request: Request, user: User, status: int = 200, **ctx: Any) -> Response:
    relpath = request.path_params["path"]
    history = store_of(request).history
    try:
        rows = views.revision_rows(history, relpath, lang_of(request))
    except ValueError:
        raise NotFound("file", relpath[:100], []) from None
    if not rows and not (snapshot_of(request).settings.root / relpath).is_file():
        raise NotFound("file", relpath[:100], [])
    params = request.query_params
    numbers = [r["number"] for r in rows]
    a, b = params.get("from", ""), params.get("to", "")
    lines, binary = None, False
    if a.isdigit() and b.isdigit() and int(a) in numbers and int(b) in numbers:
        try:
            lines = views.diff_lines(history.diff(relpath, int(a), int(b)))
        except UnicodeDecodeError:  # a model: its revisions differ by their hashes
            binary = True
    elif len(numbers) >= 2:
        a, b = str(numbers[1]), str(numbers[0])
    return page(
        request,
        user,
        "admin/history.html",
        status,
        title=relpath,
        section="history",
        relpath=relpath,
        rows=rows,
        diff_from=a,
        diff_to=b,
        lines=lines,
        binary=binary,
        notice=notice_of(request),
        **ctx,
    )


@signed_in()
async def history(request: Request, user: User) -> Response:
    return _history_page(request, user)


async def restore(request: Request) -> Response:
    user, form = await posted(request, "edit")
    relpath = request.path_params["path"]
    number = form.get("revision", "")
    if not number.isdigit():
        raise BadBody("choose the revision to restore")
    try:
        await run_in_threadpool(store_of(request).restore, relpath, int(number), user)
    except Invalid as exc:
        problems = views.place_problems(exc.details["problems"], ())
        return _history_page(request, user, 422, problems=problems)
    return done(f"/admin/history/{relpath}", request, "restored")


HTML = "text/html"
SIGN_IN = {"303": "Not signed in: to /admin/login?next=…"}
FORM = {
    "403": "Wrong role, or a missing or wrong CSRF token.",
    "412": "Changed since the form was made: the current version.",
    "422": "Every problem, next to its field.",
}


def _get(path: str, endpoint: Callable[[Request], Awaitable[Response]], summary: str) -> Documented:
    return Documented(
        Route(path, endpoint, methods=["GET"]), summary, "admin", (LANG,), HTML, SIGN_IN
    )


def _post(
    path: str, endpoint: Callable[[Request], Awaitable[Response]], summary: str
) -> Documented:
    route = Route(path, endpoint, methods=["POST"])
    return Documented(
        route,
        summary,
        "admin",
        (),
        HTML,
        FORM,
        ("post",),
        "application/x-www-form-urlencoded",
        "edit",
    )


ROUTES = [
    Documented(
        Route("/admin/login", login, methods=["GET", "POST"]),
        "Curators sign in with their name and token (a session cookie of 8 hours)",
        "admin",
        (LANG,),
        HTML,
        {
            "401": "Wrong name or token.",
            "403": "Missing CSRF token.",
            "429": "Too many failures: Retry-After.",
        },
        ("get", "post"),
        "application/x-www-form-urlencoded",
        "login",
    ),
    Documented(
        Route("/admin/logout", logout, methods=["POST"]),
        "Sign out (ends the session cookie)",
        "admin",
        (),
        HTML,
        {"403": "Missing CSRF token."},
        ("post",),
        "application/x-www-form-urlencoded",
        "login",
    ),
    _get(
        "/admin",
        dashboard,
        "Curators' dashboard: models, alt texts, translations, sizes, last changes",
    ),
    _get("/admin/sites", sites, "Curators: the sites, searchable by name, commune or id"),
    _get(
        "/admin/sites/{site_id}",
        _edit_view("site"),
        "Curators: a site's French texts and translations",
    ),
    _post("/admin/sites/{site_id}", _edit_save("site"), "Curators: save a site's form"),
    _get("/admin/trails", trails, "Curators: the trails"),
    _get(
        "/admin/trails/{trail_id}",
        _edit_view("trail"),
        "Curators: a trail's French texts and stops",
    ),
    _post("/admin/trails/{trail_id}", _edit_save("trail"), "Curators: save a trail's form"),
    _get("/admin/assets", assets, "Curators: the 3D models with validation status and sizes"),
    _get("/admin/assets/{asset_id}", asset, "Curators: a model's preview and validation report"),
    Documented(
        Route("/admin/assets/{asset_id}/model", upload_model, methods=["POST"]),
        "Curators: upload a new model from the model's page (validated, then rebuilt)",
        "admin",
        (),
        HTML,
        {**FORM, "413": "Larger than PARCOURS_MAX_UPLOAD_BYTES."},
        ("post",),
        "multipart/form-data",
        "edit",
    ),
    _get(
        "/admin/history/{path:path}", history, "Curators: revisions of a file, who made them, diffs"
    ),
    _post("/admin/history/{path:path}", restore, "Curators: restore a revision of a file"),
    _get("/admin/users", users, "Admins: the accounts (added on the command line)"),
]
