"""Curators', translators' and admins' accounts: names, roles and hashed tokens.

Tokens are 256-bit random strings shown once; only their SHA-256 is stored (a token has enough
entropy that a slow password hash adds nothing). The file lives in the state folder
(`<root>/.parcours/`), which no route serves, and is written atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from parcours.atomic import write_atomic
from parcours.errors import ParcoursError

Role = Literal["translator", "curator", "admin"]
ROLES: tuple[Role, ...] = ("translator", "curator", "admin")
#: What each role may change. Curators edit content and translations; admins also accounts.
PERMISSIONS: dict[Role, frozenset[str]] = {
    "translator": frozenset({"translate"}),
    "curator": frozenset({"translate", "edit"}),
    "admin": frozenset({"translate", "edit", "accounts"}),
}
TOKEN_PREFIX = "pc_"
DEFAULT_DAYS = 365
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


class AccountError(ParcoursError):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message=message, code="account", status=400, details={"hint": hint})


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    token_sha256: str
    created: float
    expires: float
    revoked: bool = False

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]

    @property
    def active(self) -> bool:
        return not self.revoked and time.time() < self.expires


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """The users file; every change rewrites it whole, atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, User]:
        if not self.path.is_file():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {u["name"]: User(**u) for u in data.get("users", [])}

    def _save(self, users: dict[str, User]) -> None:
        document = {"users": [asdict(u) for u in sorted(users.values(), key=lambda u: u.name)]}
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=0o600)

    def add(self, name: str, role: str, days: int = DEFAULT_DAYS) -> str:
        """Create (or re-issue) an account; returns the token, which is never stored."""
        if not _NAME.match(name):
            raise AccountError(
                f"'{name}' is not a valid user name",
                "use 2 to 40 lower-case letters, digits, '.', '_' or '-', e.g. marie.dupont",
            )
        if role not in ROLES:
            raise AccountError(f"unknown role '{role}'", f"choose one of {', '.join(ROLES)}")
        if not 1 <= days <= 3650:
            raise AccountError(f"{days} days is not a validity", "give 1 to 3650 days")
        users = self.load()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        users[name] = User(name, role, token_digest(token), now, now + days * 86400)
        self._save(users)
        return token

    def revoke(self, name: str) -> None:
        users = self.load()
        if name not in users:
            raise AccountError(f"no user named '{name}'", "see `parcours users list`")
        users[name] = replace(users[name], revoked=True)
        self._save(users)

    def authenticate(self, token: str | None) -> User | None:
        """The active user holding `token`, compared in constant time; None otherwise."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_digest(token)
        found = None
        for user in self.load().values():
            if hmac.compare_digest(user.token_sha256, digest):
                found = user
        return found if found is not None and found.active else None
