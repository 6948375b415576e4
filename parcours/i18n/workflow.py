"""The translators' workflow over Babel's own commands, with the project's settings.

`extract` builds the two templates (interface and content) from the code and the YAML;
`update` merges them into every language, so a changed French text turns its translation
fuzzy (stale) instead of silently keeping a translation of the old text. `compile` writes the
.mo files next to the .po files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from parcours import __version__
from parcours.i18n.catalogs import CONTENT_DOMAIN, INTERFACE_DOMAIN, discover_languages
from parcours.settings import Settings

MAPPINGS = {INTERFACE_DOMAIN: "babel.cfg", CONTENT_DOMAIN: "babel-content.cfg"}


def _pybabel(args: Sequence[str]) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract(settings: Settings, output_dir: Path | None = None) -> int:
    """Write messages.pot and content.pot (into locales/ unless `output_dir` is given)."""
    root = settings.root
    target = output_dir or settings.locales_dir
    for domain, mapping in MAPPINGS.items():
        # Locations name files only (relative to the root): line numbers would churn the
        # templates on every edit.
        with contextlib.chdir(root):
            _pybabel(
                [
                    "extract",
                    "-F",
                    mapping,
                    "-o",
                    str(target / f"{domain}.pot"),
                    "--project",
                    "parcours",
                    "--version",
                    __version__,
                    "--add-location=file",
                    "-w",
                    "100",
                    ".",
                ]
            )
        print(f"wrote {target / f'{domain}.pot'}")
    return 0


def _merge(action: str, domain: str, locales: Path, lang: str, *extra: str) -> None:
    """`pybabel init` or `update` of one language's catalogue from the domain's template."""
    _pybabel(
        [
            action,
            "-D",
            domain,
            "-i",
            str(locales / f"{domain}.pot"),
            "-d",
            str(locales),
            "-l",
            lang,
            "-w",
            "100",
            *extra,
        ]
    )


def update(settings: Settings, new_languages: Sequence[str]) -> int:
    locales = settings.locales_dir
    for lang in new_languages:
        for domain in MAPPINGS:
            if not (locales / lang / "LC_MESSAGES" / f"{domain}.po").exists():
                _merge("init", domain, locales, lang)
    for lang in discover_languages(locales):
        for domain in MAPPINGS:
            if (locales / lang / "LC_MESSAGES" / f"{domain}.po").exists():
                _merge("update", domain, locales, lang, "--previous")
    print(f"updated catalogues of {', '.join(discover_languages(locales)) or 'no language'}")
    return 0


def compile_catalogs(settings: Settings) -> int:
    """`pybabel compile` of every catalogue: locales/<lang>/LC_MESSAGES/<domain>.mo beside
    each .po, fuzzy entries left out. The server reads the .po files themselves; the .mo
    files are for other gettext tools (and git-ignored)."""
    locales = settings.locales_dir
    status = 0
    compiled = []
    for domain in MAPPINGS:
        languages = [
            lang
            for lang in discover_languages(locales)
            if (locales / lang / "LC_MESSAGES" / f"{domain}.po").is_file()
        ]
        for lang in languages:
            result = CommandLineInterface().run(  # type: ignore[no-untyped-call]
                ["pybabel", "-q", "compile", "-D", domain, "-d", str(locales), "-l", lang]
            )
            status = status or int(result or 0)
            compiled.append(f"{lang}/{domain}")
    print(f"compiled {len(compiled)} catalogues ({', '.join(compiled) or 'none'})")
    return 1 if status else 0
