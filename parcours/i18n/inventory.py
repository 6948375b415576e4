"""What there is to translate, and where a language stands (coverage).

Content messages (gettext domain `content`) are the texts of site_catalog.yaml, tours/ and
assets/, read from those files as they are now, exactly as the extractor reads them;
interface messages (domain `messages`) are those of locales/messages.pot. A message is
`done` when translated and not fuzzy; `stale` when fuzzy, or when its French text changed
since it was translated (the catalogue still holds the translation of the old text under
the same per-record context); `missing` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from parcours.errors import NotFound, ParcoursError
from parcours.i18n import po_edit
from parcours.i18n.catalogs import CONTENT_DOMAIN, INTERFACE_DOMAIN, discover_languages
from parcours.i18n.units import SUBTYPE_CONTEXT, asset_units, catalogue_units, trail_units
from parcours.settings import Settings
from parcours.yamldoc import load_yaml

#: In a URL, `-` stands for "no context" (most interface strings have none).
NO_CONTEXT = "-"
SECTIONS = ("sites", "trails", "assets", "interface")
#: Contexts shared by many texts (a vocabulary): a text there never replaces another.
SHARED_CONTEXTS = frozenset({SUBTYPE_CONTEXT})

Key = po_edit.Key


@dataclass(frozen=True)
class Unit:
    """One text to translate: where it is shown, its gettext identity, notes and locations."""

    domain: str
    section: str
    context: str | None
    source: str
    plural: str | None = None
    comments: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        return (self.context, self.source)

    @property
    def ref(self) -> str:
        """The context as written in a URL."""
        return self.context if self.context is not None else NO_CONTEXT


def po_relpath(lang: str, domain: str) -> str:
    return f"locales/{lang}/LC_MESSAGES/{domain}.po"


def known_languages(settings: Settings) -> list[str]:
    found = discover_languages(settings.locales_dir)
    return [lang for lang in found if lang != settings.source_language]


def check_language(settings: Settings, lang: str) -> None:
    known = known_languages(settings)
    if lang not in known:
        error = NotFound("language", lang[:20], known)
        error.details["known"] = known
        if lang == settings.source_language:
            error.message = (
                f"'{lang}' is the source language: change the French text in the content "
                "itself (PATCH /api/sites/{id} or /api/trails/{id})"
            )
        raise error


def section_of(context: str | None) -> str:
    if context is None or not context.startswith(("site/", "asset/", "trail/", SUBTYPE_CONTEXT)):
        return "interface"
    return {"trail": "trails", "asset": "assets"}.get(context.split("/")[0], "sites")


def read_text(settings: Settings, relpath: str) -> str:
    path = settings.root / relpath
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def template(settings: Settings, domain: str) -> dict[Key, po_edit.Entry]:
    """The messages of locales/<domain>.pot (what `parcours i18n extract` last wrote)."""
    return po_edit.messages(read_text(settings, f"locales/{domain}.pot"))


def _yaml_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    if settings.catalogue_path.is_file():
        yield "catalogue", settings.catalogue_path
    for kind, folder, pattern in (
        ("asset", settings.assets_dir, "*/asset.yaml"),
        ("trail", settings.tours_dir, "**/*.yaml"),
    ):
        if folder.is_dir():
            for path in sorted(folder.glob(pattern)):
                yield kind, path


def content_units(settings: Settings) -> list[Unit]:
    """The translatable texts of the content files as they are now (as the extractor sees
    them), each (context, French) once."""
    found: dict[Key, Unit] = {}
    for kind, path in _yaml_files(settings):
        relpath = str(path.relative_to(settings.root))
        try:
            data = load_yaml(path, relpath, settings.max_yaml_bytes).data
        except ParcoursError:
            continue  # a file that does not load has no texts; `parcours check` says why
        if not isinstance(data, dict):
            continue
        units = {"catalogue": catalogue_units, "asset": asset_units, "trail": trail_units}[kind]
        for unit in units(data):
            key = (unit.context, unit.source)
            if key not in found:
                found[key] = Unit(
                    CONTENT_DOMAIN,
                    section_of(unit.context),
                    unit.context,
                    unit.source,
                    comments=(unit.comment,),
                    locations=(relpath,),
                )
    return list(found.values())


def interface_units(settings: Settings) -> list[Unit]:
    return [
        Unit(
            INTERFACE_DOMAIN,
            "interface",
            e.context,
            e.msgid,
            e.plural,
            tuple(e.comments),
            tuple(e.locations),
        )
        for e in template(settings, INTERFACE_DOMAIN).values()
    ]


# --- where a language stands ---------------------------------------------------------------


def _status(
    unit: Unit, entries: dict[Key, po_edit.Entry], by_context: dict[str | None, list[po_edit.Entry]]
) -> tuple[str, dict[str, Any]]:
    entry = entries.get(unit.key)
    if entry is not None and entry.translated:
        if entry.fuzzy:
            return "stale", {
                "reason": "fuzzy",
                "translation": entry.strings[0],
                "previous_source": entry.previous,
            }
        return "done", {}
    if unit.domain == CONTENT_DOMAIN and unit.context not in SHARED_CONTEXTS:
        older = [
            e for e in by_context.get(unit.context, []) if e.translated and e.msgid != unit.source
        ]
        if older:
            return "stale", {
                "reason": "source_changed",
                "translation": older[0].strings[0],
                "previous_source": older[0].msgid,
            }
    return "missing", {}


def coverage(settings: Settings, lang: str) -> dict[str, Any]:
    """Counts and lists of done, stale and missing texts, for sites (with the shared subtype
    labels), trails and their stops, assets and the interface."""
    check_language(settings, lang)
    sections: dict[str, dict[str, Any]] = {
        name: {"total": 0, "done": [], "stale": [], "missing": []} for name in SECTIONS
    }
    for domain, units in (
        (CONTENT_DOMAIN, content_units(settings)),
        (INTERFACE_DOMAIN, interface_units(settings)),
    ):
        entries = po_edit.messages(read_text(settings, po_relpath(lang, domain)))
        by_context: dict[str | None, list[po_edit.Entry]] = {}
        for entry in entries.values():
            by_context.setdefault(entry.context, []).append(entry)
        for unit in units:
            status, extra = _status(unit, entries, by_context)
            section = sections[unit.section]
            section["total"] += 1
            section[status].append(
                {
                    "context": unit.context,
                    "source": unit.source,
                    "url": f"/api/translations/{lang}/{quote(unit.ref, safe='/')}",
                    **extra,
                }
            )
    totals = {"total": 0, "done": 0, "stale": 0, "missing": 0}
    for section in sections.values():
        section["counts"] = {s: len(section[s]) for s in ("done", "stale", "missing")}
        for name in totals:
            totals[name] += section["total"] if name == "total" else section["counts"][name]
        section["completeness"] = (
            round(section["counts"]["done"] / section["total"], 4) if section["total"] else 1.0
        )
    return {"lang": lang, "source": settings.source_language, "totals": totals, **sections}
