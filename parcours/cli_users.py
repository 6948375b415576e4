"""Command line for accounts: `parcours users add | list | revoke`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from parcours.accounts import DEFAULT_DAYS, ROLES, AccountError, Accounts
from parcours.settings import Settings


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    accounts = Accounts(settings.root / ".parcours" / "users.json")
    try:
        if args.action == "add":
            if not args.name or not args.role:
                raise AccountError(
                    "add needs a NAME and --role", "parcours users add marie --role curator"
                )
            token = accounts.add(args.name, args.role, args.days)
            print(f"{args.name} ({args.role}) can sign in with this token, shown only once:")
            print(token)
            return 0
        if args.action == "revoke":
            if not args.name:
                raise AccountError("revoke needs a NAME", "parcours users revoke marie")
            accounts.revoke(args.name)
            print(f"{args.name}: token revoked")
            return 0
        users = accounts.load()
        if not users:
            print("no accounts yet: parcours users add NAME --role curator|translator|admin")
        for user in users.values():
            state = "revoked" if user.revoked else ("expired" if not user.active else "active")
            until = time.strftime("%Y-%m-%d", time.gmtime(user.expires))
            print(f"{user.name:24} {user.role:10} {state:8} until {until}")
        return 0
    except AccountError as exc:
        print(
            f"parcours users: error: {exc.message}\n    hint: {exc.details['hint']}",
            file=sys.stderr,
        )
        return 2


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    users = sub.add_parser(
        "users",
        help="curators', translators' and admins' accounts (tokens)",
        description="Accounts of the people who change the content. `add` prints a token "
        "once (only its SHA-256 is kept, in <root>/.parcours/users.json, never served); "
        "translators may change translations, curators content too, admins also accounts.",
    )
    common(users)
    users.add_argument("action", choices=["add", "list", "revoke"])
    users.add_argument("name", nargs="?", help="user name, e.g. marie.dupont")
    users.add_argument("--role", choices=ROLES, help="translator, curator or admin")
    users.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"token validity (default {DEFAULT_DAYS})"
    )
    users.set_defaults(func=lambda args: cmd_users(args, settings_of(args)))
