"""Signing curators in to /admin: session cookies, CSRF tokens, slowed-down failed logins.

A session is a cookie signed (itsdangerous) with the secret of `<root>/.parcours/secret`
(32 random bytes made on first use, mode 0600, never served nor logged). It holds the user's
name, a prefix of their token's hash and the time it was issued; every request checks the
account again, so a revoked or re-issued token signs its sessions out, and a session ends
after 8 hours whatever happens. Forms carry a CSRF token derived from the session; the JSON
API, when called with the session cookie rather than a Bearer token, wants it in
`X-CSRF-Token`. Writes whose `Origin` is not ours are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from parcours.accounts import Accounts, User
from parcours.errors import ParcoursError
from parcours.web.state import SnapshotHolder

log = logging.getLogger("parcours.admin")

SESSION_COOKIE = "parcours_session"
#: A random value given with the login form, so that its CSRF token exists before a session.
LOGIN_COOKIE = "parcours_login"
SESSION_AGE = 8 * 3600
LOGIN_FORM_AGE = 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_SECRETS: dict[Path, bytes] = {}
_SECRET_LOCK = threading.Lock()


class CsrfRefused(ParcoursError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            message=f"the form was refused ({reason}); reload the page and try again",
            code="csrf",
            status=403,
        )


def state_dir(root: Path) -> Path:
    return root / ".parcours"


def secret_of(root: Path) -> bytes:
    """The signing secret of this content folder, made on first use (mode 0600)."""
    path = state_dir(root) / "secret"
    with _SECRET_LOCK:
        if path in _SECRETS:
            return _SECRETS[path]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_bytes()
        else:
            secret = secrets.token_bytes(32)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secret)
                handle.flush()
                os.fsync(handle.fileno())
        if len(secret) < 32:
            raise RuntimeError(f"{path} holds fewer than 32 bytes: delete it to make a new one")
        _SECRETS[path] = secret
        return secret


def _mac(secret: bytes, *parts: str) -> str:
    message = "|".join(parts).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]


@dataclass(frozen=True)
class Session:
    user: User
    issued: float
    csrf: str


def _serializer(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="parcours.admin.session")


def session_cookie_value(secret: bytes, user: User, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    return _serializer(secret).dumps({"u": user.name, "t": user.token_sha256[:16], "i": issued})


def read_session(value: str, secret: bytes, accounts: Accounts) -> Session | None:
    """The session of a cookie, if its signature, age and account are all still good."""
    try:
        data = _serializer(secret).loads(value, max_age=SESSION_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    name, prefix, issued = data.get("u"), data.get("t"), data.get("i")
    if not isinstance(name, str) or not isinstance(prefix, str) or not isinstance(issued, int):
        return None
    if not 0 <= time.time() - issued < SESSION_AGE:
        return None
    user = accounts.load().get(name)
    if user is None or not user.active or len(prefix) != 16:
        return None
    if not hmac.compare_digest(user.token_sha256[:16], prefix):
        return None
    return Session(user, float(issued), _mac(secret, "csrf", name, prefix, str(issued)))


def login_csrf(secret: bytes, nonce: str) -> str:
    return _mac(secret, "login", nonce)


def accounts_at(root: Path) -> Accounts:
    return Accounts(state_dir(root) / "users.json")


def is_https(request: Request, public_url: str | None) -> bool:
    return request.url.scheme == "https" or bool(public_url and public_url.startswith("https:"))


def set_session(response: Response, request: Request, secret: bytes, user: User) -> None:
    holder: SnapshotHolder = request.app.state.holder
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(secret, user),
        max_age=SESSION_AGE,
        path="/",
        secure=is_https(request, holder.settings.public_url),
        httponly=True,
        samesite="strict",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


# --- Where a write comes from ------------------------------------------------------------


def origin_allowed(headers: Headers, scheme: str, public_url: str | None) -> bool:
    """True unless an `Origin` header names another site than ours (or is 'null')."""
    origin = headers.get("origin")
    if origin is None:
        return True
    ours = {f"{scheme}://{headers.get('host', '')}"}
    if public_url:
        parts = urlsplit(public_url)
        ours.add(f"{parts.scheme}://{parts.netloc}")
    return origin.rstrip("/") in ours


def check_form(request: Request, form_token: str | None, expected: str) -> None:
    """403 unless the form's CSRF token is the expected one and the Origin is ours."""
    holder: SnapshotHolder = request.app.state.holder
    if not origin_allowed(request.headers, request.url.scheme, holder.settings.public_url):
        raise CsrfRefused("it was sent from another site")
    if not form_token or not hmac.compare_digest(form_token.encode(), expected.encode()):
        raise CsrfRefused("its security token is missing or out of date")


# --- Failed logins slow down --------------------------------------------------------------


class Throttle:
    """After `free` failures for a key (address or user name), each new attempt must wait
    `base * 2**(failures - free)` seconds after the last failure, at most `cap`."""

    def __init__(
        self,
        free: int = 3,
        base: float = 1.0,
        cap: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        forget_after: float = 3600.0,
        max_keys: int = 10_000,
    ) -> None:
        self.free, self.base, self.cap, self.clock = free, base, cap, clock
        self.forget_after, self.max_keys = forget_after, max_keys
        self.failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def delay(self, count: int) -> float:
        return 0.0 if count < self.free else min(self.base * 2 ** (count - self.free), self.cap)

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds left before any of `keys` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            left = 0.0
            for key in keys:
                count, last = self.failures.get(key, (0, now))
                left = max(left, last + self.delay(count) - now)
            return left

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            if len(self.failures) >= self.max_keys:
                old = [k for k, (_, t) in self.failures.items() if now - t > self.forget_after]
                for key in old or list(self.failures)[: self.max_keys // 10]:
                    del self.failures[key]
            for key in keys:
                count, _ = self.failures.get(key, (0, now))
                self.failures[key] = (count + 1, now)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self.failures.pop(key, None)


def throttle_of(request: Request) -> Throttle:
    """The process's throttle (tests replace `app.state.login_throttle`)."""
    throttle = getattr(request.app.state, "login_throttle", None)
    if not isinstance(throttle, Throttle):
        throttle = Throttle()
        request.app.state.login_throttle = throttle
    return throttle


def throttle_keys(request: Request, name: str) -> list[str]:
    address = request.client.host if request.client else "unknown"
    return [f"addr:{address}", f"user:{name.strip().lower()[:60]}"]


# --- The session on every /admin and /api request ------------------------------------------


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw or name not in raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _refuse(message: str) -> Response:
    body = {"error": {"code": "csrf", "message": message, "details": {}}}
    return JSONResponse(body, status_code=403, headers={"cache-control": "no-store"})


class AdminSession:
    """Sets `request.state.session_user` (and `.session`) from the session cookie for /admin
    and /api; a cookie-authenticated API write needs `X-CSRF-Token` and our Origin."""

    def __init__(self, app: ASGIApp, holder: SnapshotHolder) -> None:
        self.app = app
        self.holder = holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        api = path.startswith("/api/")
        if not (api or path == "/admin" or path.startswith("/admin/")):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        value = _cookie(headers, SESSION_COOKIE)
        session = None
        if value:
            root = self.holder.settings.root
            session = read_session(value, secret_of(root), accounts_at(root))
        if session is not None:
            state = scope.setdefault("state", {})
            state["session_user"] = session.user
            state["session"] = session
            bearer = headers.get("authorization", "").lower().startswith("bearer ")
            if api and scope["method"] not in SAFE_METHODS and not bearer:
                scheme = scope.get("scheme", "http")
                if not origin_allowed(headers, scheme, self.holder.settings.public_url):
                    await _refuse("this write was sent from another site")(scope, receive, send)
                    return
                sent = headers.get(CSRF_HEADER, "")
                if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                    message = f"a write with the session cookie needs the {CSRF_HEADER} header"
                    await _refuse(message)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def session_of(request: Request) -> Session | None:
    session = getattr(request.state, "session", None)
    return session if isinstance(session, Session) else None
