"""Command line for 3D models: `parcours validate FILE...` and `parcours build`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from parcours.errors import CatalogueInvalid
from parcours.settings import Settings


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report of each file; exit 1 if any has errors."""
    from parcours.gltf.validate import validate_file

    failed = 0
    for name in args.files:
        report = validate_file(
            Path(name),
            timeout_s=settings.validator_timeout_s,
            memory_mb=settings.validator_memory_mb,
        )
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        else:
            print(report.summary())
        failed += 0 if report.ok else 1
    return 1 if failed else 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    """Build variants of every changed asset, with a progress bar; exit 1 if any is refused."""
    from tqdm import tqdm

    from parcours.assets import discover_assets
    from parcours.build import build_all

    assets, _ = discover_assets(settings)
    total = len(args.only) if args.only else len(assets)
    with tqdm(
        total=total, unit="model", desc="parcours build", file=sys.stderr, disable=None
    ) as bar:
        try:
            summary = build_all(
                settings,
                only=args.only or (),
                force=args.force,
                workers=args.workers,
                progress=lambda _: bar.update(1),
            )
        except CatalogueInvalid as exc:
            print(exc.report(), file=sys.stderr)
            return 1
    if summary.unchanged and not summary.built and not summary.refused:
        print(
            f"nothing to do: {len(summary.unchanged)} models unchanged since the last build "
            f"({settings.build_path / 'manifest.json'})"
        )
    else:
        print(
            f"built {len(summary.built)}, unchanged {len(summary.unchanged)}, refused "
            f"{len(summary.refused)} in {summary.seconds:.1f} s"
        )
    if summary.narration_note:
        print(f"narration skipped: {summary.narration_note}", file=sys.stderr)
    else:
        print(f"narrations: {summary.narrations} stop recordings (synthetic voice)")
    for asset_id, codes in summary.refused.items():
        print(f"  refused {asset_id}: {', '.join(codes)}", file=sys.stderr)
    return 1 if summary.refused else 0


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `validate` and `build`; `settings_of` reads settings as every command does."""
    validate = sub.add_parser(
        "validate",
        help="validate glTF files (safety gate + Khronos)",
        description="Run the safety gate, then the Khronos "
        "glTF-Validator, on each file; print the report; exit 1 if any "
        "file has errors.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help=".glb or .gltf files")
    validate.add_argument("--json", action="store_true", help="print the full JSON reports")
    validate.set_defaults(func=lambda args: cmd_validate(args, settings_of(args)))

    build = sub.add_parser(
        "build",
        help="build phone variants, posters and USDZ of the models",
        description="For every asset in assets/: validate the source, make "
        "the phone variant (triangle and texture budget, mesh compression), "
        "an AR variant, a poster and a USDZ, validate them, and write the "
        "manifest the server reads. Unchanged assets are skipped.",
    )
    common(build)
    build.add_argument(
        "--only", action="append", metavar="ASSET_ID", help="build only this asset (repeatable)"
    )
    build.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    build.add_argument("--workers", type=int, default=2, help="models built at once (2)")
    build.set_defaults(func=lambda args: cmd_build(args, settings_of(args)))
