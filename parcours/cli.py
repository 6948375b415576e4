"""Command line: `parcours serve | check | schema | i18n ...`.

Every command reads the same settings as the server (PARCOURS_* variables, then flags) and
reports content problems the same way, with file, line, path and hint.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from parcours import __version__
from parcours.errors import CatalogueInvalid
from parcours.settings import Settings, SettingsError, settings_from_env


def _settings(args: argparse.Namespace) -> Settings:
    root = Path(args.root).resolve() if getattr(args, "root", None) else None
    return settings_from_env().with_overrides(root=root)


def _print_problems(exc: CatalogueInvalid) -> None:
    print(exc.report(), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    from parcours.snapshot import build_snapshot

    settings = _settings(args)
    try:
        snapshot = build_snapshot(settings)
    except CatalogueInvalid as exc:
        _print_problems(exc)
        return 1
    print(
        f"{settings.catalogue_path}: OK, {len(snapshot.sites)} sites (revision {snapshot.revision})"
    )
    languages = json.loads(snapshot.representations["languages"].body)["languages"]
    for lang in languages:
        if lang["source"]:
            continue
        content, interface = lang["content"], lang["interface"]
        print(
            f"  {lang['code']:>4}: content {content['completeness']:.0%} "
            f"({content['stale']} stale, {content['missing']} missing), "
            f"interface {interface['completeness']:.0%}"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from parcours.snapshot import build_snapshot

    settings = _settings(args).with_overrides(watch=not args.no_watch)
    try:
        snapshot = build_snapshot(settings)
    except CatalogueInvalid as exc:
        _print_problems(exc)
        print(
            "parcours: not starting; fix the problems above (run `parcours check`).",
            file=sys.stderr,
        )
        return 1
    print(
        f"parcours {__version__}: {len(snapshot.sites)} sites, languages "
        f"{', '.join(snapshot.languages)}; http://{args.host}:{args.port}/",
        file=sys.stderr,
    )
    from parcours.web.server import ServeOptions, serve

    serve(
        settings,
        snapshot,
        ServeOptions(
            args.host, args.port, args.reload, args.workers, args.log_level, args.access_log
        ),
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from parcours.schemas import SCHEMAS, json_schema

    if args.output == "-":
        everything = {name: json_schema(name) for name in SCHEMAS}
        sys.stdout.write(json.dumps(everything, ensure_ascii=False, indent=2) + "\n")
        return 0
    for name in SCHEMAS:
        text = json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n"
        target = Path(args.output) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from parcours.i18n import workflow

    settings = _settings(args)
    if args.action == "extract":
        return workflow.extract(settings)
    if args.action == "update":
        return workflow.update(settings, args.init or [])
    if args.action == "stats":
        return cmd_check(args)
    if args.action == "compile":
        return workflow.compile_catalogs(settings)
    raise AssertionError(args.action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parcours",
        description="Serve and check the 3D heritage catalogue and trails of La Porte du Hainaut.",
    )
    parser.add_argument("--version", action="version", version=f"parcours {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--root",
            help="folder holding site_catalog.yaml, tours/, locales/ and "
            "assets/ (default: $PARCOURS_ROOT or the bundled catalogue)",
        )

    serve = sub.add_parser(
        "serve",
        help="run the web server on the catalogue",
        description="Validate the catalogue, then serve the API and pages. "
        "Refuses to start on an invalid catalogue.",
    )
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--reload",
        action="store_true",
        help="restart when code, catalogue, translations or templates change",
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (off by default: a reverse proxy logs them, and a log line "
        "per request costs a third of the throughput)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--no-watch",
        action="store_true",
        help="do not pick up edits of the content files while serving (on by default: a "
        "valid edit is live within seconds, an invalid one is shown on /-/status)",
    )
    serve.set_defaults(func=cmd_serve)

    check = sub.add_parser(
        "check",
        help="validate the catalogue and translations",
        description="Report every problem of site_catalog.yaml and locales/ "
        "with file, line, path and a hint; exit 1 if there is any.",
    )
    common(check)
    check.set_defaults(func=cmd_check)

    schema = sub.add_parser(
        "schema",
        help="write the JSON Schema of site_catalog.yaml",
        description="Generate the JSON Schema from the models (editors use "
        "it to complete and check the catalogue as curators type).",
    )
    schema.add_argument(
        "-o",
        "--output",
        default="schema",
        help="folder to write site_catalog.json, trail.json and asset.json in, or - to print "
        "them as one JSON object",
    )
    schema.set_defaults(func=cmd_schema)

    i18n = sub.add_parser(
        "i18n",
        help="translation workflow (extract, update, stats, compile)",
        description="Wraps Babel: extract writes locales/messages.pot and "
        "locales/content.pot; update merges them into every language's .po "
        "(changed French texts become fuzzy, never served); stats shows "
        "completeness; compile writes the .mo files next to the .po files "
        "(fuzzy entries left out) for tools that want them.",
    )
    common(i18n)
    i18n.add_argument("action", choices=["extract", "update", "stats", "compile"])
    i18n.add_argument(
        "--init",
        action="append",
        metavar="LANG",
        help="with update: start catalogues for a new language",
    )
    i18n.set_defaults(func=cmd_i18n)

    from parcours import cli_models

    cli_models.add_commands(sub, common, _settings)
    from parcours import cli_qr

    cli_qr.add_commands(sub, common, _settings)
    from parcours import cli_users

    cli_users.add_commands(sub, common, _settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except SettingsError as exc:
        print(f"parcours: error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
