"""Signing in and out of /admin, and what every curators' page shares: rendering with
`Cache-Control: no-store`, the sign-in guard (303 to the login page) and checked forms.

Sessions, CSRF tokens and the throttle of failed logins are in admin_auth.py.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from parcours.accounts import User
from parcours.errors import ParcoursError
from parcours.web.admin_auth import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    LOGIN_FORM_AGE,
    SESSION_COOKIE,
    CsrfRefused,
    accounts_at,
    check_form,
    clear_session,
    is_https,
    log,
    login_csrf,
    origin_allowed,
    secret_of,
    session_of,
    set_session,
    throttle_keys,
    throttle_of,
)
from parcours.web.curation import BadBody, Forbidden, Unauthorized, caller
from parcours.web.language import page_language, remember_language
from parcours.web.pages import _, render
from parcours.web.state import snapshot_of

NO_STORE = {"cache-control": "no-store"}
MAX_FORM_BYTES = 256 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
Handler = Callable[[Request, User], Awaitable[Response]]


class SignedOut(ParcoursError):
    """A form posted without a session (it expired, or was signed out meanwhile)."""

    def __init__(self) -> None:
        super().__init__(
            message="you are not signed in (any more): nothing was saved. Sign in again at "
            "/admin/login, then use your browser's Back button to find what you typed",
            code="unauthorized",
            status=401,
        )


def lang_of(request: Request) -> str:
    return page_language(request, snapshot_of(request))


def page(
    request: Request, user: User | None, template: str, status: int = 200, **ctx: Any
) -> Response:
    snapshot = snapshot_of(request)
    lang = lang_of(request)
    session = session_of(request)
    routes = {str(getattr(r, "path", "")) for r in request.app.routes}
    body = render(
        snapshot,
        template,
        lang,
        user=user,
        csrf=session.csrf if session else "",
        may_edit=bool(user and user.may("edit")),
        may_admin=bool(user and user.may("accounts")),
        translation_page="/admin/translations" if "/admin/translations" in routes else None,
        notice=ctx.pop("notice", None),
        **ctx,
    )
    response = HTMLResponse(body, status, headers={**NO_STORE, "content-language": lang})
    return remember_language(request, response, lang)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303, headers=NO_STORE)


def signed_in(
    permission: str | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A page for signed-in staff: anonymous visitors go to the login page (303)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            user = getattr(request.state, "session_user", None)
            if not isinstance(user, User):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = redirect("/admin/login?" + urlencode({"next": target}))
                if SESSION_COOKIE in request.cookies:
                    clear_session(response)  # expired, or the account was revoked
                return response
            if permission and not user.may(permission):
                raise Forbidden(user, permission)
            return await handler(request, user)

        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


async def form_of(request: Request) -> dict[str, str]:
    """An HTML form (application/x-www-form-urlencoded, at most MAX_FORM_BYTES)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise BadBody(f"send the form as {FORM_TYPE} (got '{kind or 'nothing'}')", 415)
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise BadBody(f"the form is larger than {MAX_FORM_BYTES} bytes", 413)
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise BadBody("the form could not be read") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values


async def posted(request: Request, permission: str) -> tuple[User, dict[str, str]]:
    """The user allowed to `permission` and the form, its CSRF token and Origin checked."""
    try:
        user = caller(request, permission)
    except Unauthorized:
        raise SignedOut() from None
    values = await form_of(request)
    session = session_of(request)
    if session is not None and session.user is user:
        check_form(request, values.get(CSRF_FIELD), session.csrf)
    elif not origin_allowed(
        request.headers, request.url.scheme, snapshot_of(request).settings.public_url
    ):
        raise CsrfRefused("it was sent from another site")
    return user, values


def done(path: str, request: Request, what: str) -> RedirectResponse:
    """303 after a change, to a page that confirms it (`notice_of`)."""
    return redirect(f"{path}?{urlencode({'lang': lang_of(request), 'done': what})}")


def notice_of(request: Request) -> str | None:
    return {
        "saved": _("Modifications enregistrées et publiées."),
        "unchanged": _("Aucune modification : rien n’a été enregistré."),
        "restored": _("Révision restaurée et publiée."),
    }.get(request.query_params.get("done", ""))


# --- Signing in and out --------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    if not value or not value.startswith("/admin") or value.startswith("//") or "\\" in value:
        return "/admin"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/admin"


def _login_page(request: Request, nonce: str, status: int = 200, **ctx: Any) -> Response:
    secret = secret_of(snapshot_of(request).settings.root)
    response = page(
        request,
        None,
        "admin/login.html",
        status,
        login_token=login_csrf(secret, nonce),
        **ctx,
    )
    secure = is_https(request, snapshot_of(request).settings.public_url)
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_AGE,
        path="/admin",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    return response


async def login(request: Request) -> Response:
    params = request.query_params
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(18)
    if request.method == "GET":
        if isinstance(getattr(request.state, "session_user", None), User):
            return redirect(_safe_next(params.get("next")))
        target = _safe_next(params.get("next"))
        return _login_page(request, nonce, next=target, name="", request_done=params.get("done"))
    form = await form_of(request)
    name = str(form.get("name", ""))[:60].strip().lower()
    token = str(form.get("token", "")).strip()
    target = _safe_next(str(form.get("next", "")))
    root = snapshot_of(request).settings.root
    expected = (
        login_csrf(secret_of(root), request.cookies[LOGIN_COOKIE])
        if LOGIN_COOKIE in request.cookies
        else ""
    )
    check_form(request, str(form.get(CSRF_FIELD, "")), expected)
    throttle, keys = throttle_of(request), throttle_keys(request, name)
    wait = throttle.wait(keys)
    if wait > 0:
        seconds = math.ceil(wait)
        response = _login_page(request, nonce, 429, next=target, name=name, wait=seconds)
        response.headers["retry-after"] = str(seconds)
        return response
    user = await run_in_threadpool(accounts_at(root).authenticate, token)
    if user is None or not hmac.compare_digest(user.name.encode(), name.encode()):
        throttle.failed(keys)
        address = request.client.host if request.client else "unknown"
        log.warning("failed sign-in as %r from %s", name, address)  # never the token
        return _login_page(request, nonce, 401, next=target, name=name, failed=True)
    throttle.succeeded(keys)
    response = redirect(target)
    set_session(response, request, secret_of(root), user)
    response.delete_cookie(LOGIN_COOKIE, path="/admin", httponly=True, samesite="strict")
    return response


async def logout(request: Request) -> Response:
    form = await form_of(request)
    session = session_of(request)
    if session is not None:
        check_form(request, str(form.get(CSRF_FIELD, "")), session.csrf)
    response = redirect(f"/admin/login?{urlencode({'lang': lang_of(request), 'done': 'out'})}")
    clear_session(response)
    return response
