"""Command line for signs: `parcours qr` writes the QR codes of every site and trail stop."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parcours.errors import CatalogueInvalid
from parcours.settings import Settings


def _fail(message: str, hint: str) -> int:
    """Usage problems exit 2, as argparse's own do, with what to do about them."""
    print(f"parcours qr: error: {message}\n    hint: {hint}", file=sys.stderr)
    return 2


def cmd_qr(args: argparse.Namespace, settings: Settings) -> int:
    """Check the options before loading anything, then write the files and one summary line."""
    from parcours import qr, qr_render

    if not (args.base_url or settings.public_url):
        return _fail(
            "no base URL: the codes must hold the server's public address",
            "pass --base-url https://parcours.example.org or set PARCOURS_PUBLIC_URL",
        )
    try:
        base_url = qr.normalize_base_url(args.base_url or settings.public_url)
        formats = qr.parse_formats(args.formats)
        if "pdf" in formats:
            qr_render.font_paths()
    except qr.QrError as exc:
        return _fail(exc.message, exc.hint)
    out = Path(args.out) if args.out else settings.build_path / "qr"
    from parcours.snapshot import build_snapshot

    started = time.monotonic()
    try:
        snapshot = build_snapshot(settings)
        summary = qr_render.write_signs(snapshot, base_url, out, args.only or (), formats)
    except CatalogueInvalid as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except qr.QrError as exc:
        return _fail(exc.message, exc.hint)
    except OSError as exc:
        return _fail(f"cannot write to {out}: {exc}", "choose a writable folder with --out")
    removed = f", removed {summary.removed} stale" if summary.removed else ""
    print(
        f"wrote {summary.files} files ({summary.sites} sites, {summary.stops} stops; "
        f"{','.join(formats)}) and index.csv{removed} to {out} "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `qr`; `settings_of` reads settings as every command does."""
    qr = sub.add_parser(
        "qr",
        help="write printable QR codes (PNG, SVG, A4 PDF) for every site and trail stop",
        description="For every site and every trail stop, write a QR code of "
        "<base>/s/<code> as PNG and SVG, and an A4 PDF sign with the name in French, "
        "English, Dutch and German, the code, its short URL and an invitation to scan; "
        "plus index.csv listing every code. Site codes are UNESCO element numbers (8m), "
        "stop codes <trail-id>-<stop number>. Files are replaced atomically.",
    )
    common(qr)
    qr.add_argument(
        "--base-url",
        metavar="URL",
        help="public address of the server the codes lead to, e.g. "
        "https://parcours.example.org (default: $PARCOURS_PUBLIC_URL)",
    )
    qr.add_argument("--out", metavar="DIR", help="output folder (default: <root>/.build/qr)")
    qr.add_argument(
        "--only",
        action="append",
        metavar="CODE",
        help="write only this code, e.g. 8m or arenberg-2 (repeatable); "
        "without it stale files of removed codes are deleted",
    )
    qr.add_argument(
        "--formats",
        metavar="LIST",
        help="comma-separated formats among png, svg, pdf (default: all three)",
    )
    qr.set_defaults(func=lambda args: cmd_qr(args, settings_of(args)))
