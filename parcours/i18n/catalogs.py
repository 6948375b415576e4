"""Translations read from locales/: content lookups with fallback, interface gettext, stats.

Catalogues are read from the .po files themselves (no compile step to forget): a fuzzy or
outdated entry is known as such and is never served as a current translation.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from babel.support import Translations as GettextTranslations

from parcours.atomic import write_cache
from parcours.errors import CatalogueInvalid, Problem

CONTENT_DOMAIN = "content"
INTERFACE_DOMAIN = "messages"
Status = Literal["done", "stale", "missing"]


@dataclass(frozen=True, slots=True)
class Localized:
    """A text and the language it is actually in (which may be a fallback)."""

    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class _Entry:
    source: str
    text: str
    fuzzy: bool


@dataclass(frozen=True)
class Languages:
    """Which languages are negotiated, which are accepted, and how each falls back."""

    source: str
    translated: tuple[str, ...]
    extra: tuple[str, ...]
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def negotiable(self) -> tuple[str, ...]:
        """Offered to Accept-Language: the source and every language with a catalogue."""
        return (self.source, *self.translated)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Accepted by `?lang=`: also heritage languages that only fall back for now."""
        return (*self.negotiable, *(x for x in self.extra if x not in self.negotiable))

    def chain(self, lang: str) -> tuple[str, ...]:
        """Languages to try in order for `lang`, always ending with the source language."""
        chain = [lang, *self.fallbacks.get(lang, ()), self.source]
        return tuple(dict.fromkeys(chain))


def _read_po(path: Path, display: str) -> Catalog:
    try:
        with path.open("rb") as handle:
            return read_po(handle, abort_invalid=True)
    except Exception as exc:  # Babel raises several types on broken files
        line = getattr(exc, "lineno", None)
        raise CatalogueInvalid(
            [
                Problem(
                    display,
                    line,
                    "",
                    f"cannot read this PO file: {exc}",
                    "open it in Poedit or run `msgfmt -c` on it",
                    "po_syntax",
                )
            ]
        ) from None


@dataclass
class Translations:
    """All catalogues of locales/, indexed for lookups by (context, French source)."""

    languages: Languages
    #: lang -> (context, French source) -> entry
    content: dict[str, dict[tuple[str, str], _Entry]]
    #: lang -> contexts that have some entry: a context whose source no longer matches is stale
    content_contexts: dict[str, set[str]]
    interface: dict[str, GettextTranslations | NullTranslations]
    interface_entries: dict[str, dict[tuple[str | None, str], _Entry]]
    interface_template: tuple[tuple[str | None, str], ...]

    def text(self, context: str, source: str, lang: str) -> Localized:
        """The best current text for `lang` along its fallback chain."""
        for candidate in self.languages.chain(lang):
            if candidate == self.languages.source:
                return Localized(source, candidate)
            entry = self.content.get(candidate, {}).get((context, source))
            if entry and entry.text and not entry.fuzzy:
                # An identical text (a kept official name) is in the source language.
                code = self.languages.source if entry.text == source else candidate
                return Localized(entry.text, code)
        return Localized(source, self.languages.source)

    def interface_text(self, context: str | None, source: str, lang: str) -> Localized:
        """An interface string (e.g. a type label) with the language it resolved in."""
        for candidate in self.languages.chain(lang):
            if candidate == self.languages.source:
                break
            entry = self.interface_entries.get(candidate, {}).get((context, source))
            if entry and entry.text and not entry.fuzzy:
                return Localized(entry.text, candidate)
        return Localized(source, self.languages.source)

    def content_status(self, context: str, source: str, lang: str) -> Status:
        if lang == self.languages.source:
            return "done"
        entry = self.content.get(lang, {}).get((context, source))
        if entry is None:
            # The French text changed since it was translated (before `i18n update`).
            return "stale" if context in self.content_contexts.get(lang, set()) else "missing"
        if not entry.text:
            return "missing"
        return "stale" if entry.fuzzy else "done"

    def interface_status(self, key: tuple[str | None, str], lang: str) -> Status:
        if lang == self.languages.source:
            return "done"
        entry = self.interface_entries.get(lang, {}).get(key)
        if entry is None or not entry.text:
            return "missing"
        return "stale" if entry.fuzzy else "done"

    def gettext(self, lang: str) -> GettextTranslations | NullTranslations:
        return self.interface.get(lang) or NullTranslations()


def _cached_entries(
    path: Path, display: str, cache_dir: Path | None
) -> list[tuple[str | None, str, _Entry]]:
    """Entries of a PO file; parsed once per file content (Babel's parser is slow to start)."""
    data = path.read_bytes()
    cache = None
    if cache_dir is not None:
        key = hashlib.sha256(data).hexdigest()[:32]
        cache = cache_dir / f"po-{key}.json"
        try:
            rows = json.loads(cache.read_text(encoding="utf-8"))
            return [(ctx, mid, _Entry(mid, text, fuzzy)) for ctx, mid, text, fuzzy in rows]
        except (OSError, ValueError, TypeError):
            pass
    entries = list(_entries(_read_po(path, display)))
    if cache is not None:
        rows = [[c, m, e.text, e.fuzzy] for c, m, e in entries]
        write_cache(cache, json.dumps(rows, ensure_ascii=False).encode())
    return entries


def _cached_mo(path: Path, display: str, cache_dir: Path | None) -> bytes:
    """The compiled form of a PO file, fuzzy entries left out; made once per file content."""
    data = path.read_bytes()
    cache = None
    if cache_dir is not None:
        cache = cache_dir / f"mo-{hashlib.sha256(data).hexdigest()[:32]}.mo"
        try:
            return cache.read_bytes()
        except OSError:
            pass
    buffer = io.BytesIO()
    write_mo(buffer, _read_po(path, display), use_fuzzy=False)
    compiled = buffer.getvalue()
    if cache is not None:
        write_cache(cache, compiled)
    return compiled


def _interface_translations(compiled: list[bytes]) -> GettextTranslations | NullTranslations:
    """gettext object for a chain of compiled catalogues (first wins)."""
    result: GettextTranslations | NullTranslations | None = None
    for mo in compiled:
        current = GettextTranslations(fp=io.BytesIO(mo), domain=INTERFACE_DOMAIN)
        if result is None:
            result = current
        else:
            result.add_fallback(current)
    return result or NullTranslations()


def discover_languages(locales_dir: Path) -> tuple[str, ...]:
    """Languages that have at least one catalogue under locales/<lang>/LC_MESSAGES/."""
    if not locales_dir.is_dir():
        return ()
    found = []
    for child in sorted(locales_dir.iterdir()):
        messages = child / "LC_MESSAGES"
        if messages.is_dir() and any(messages.glob("*.po")):
            found.append(child.name)
    return tuple(found)


def _entries(catalog: Catalog) -> Iterable[tuple[str | None, str, _Entry]]:
    """(context, msgid, entry) per message; a plural message counts as translated only when
    every plural form is."""
    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if not msgid:
            continue
        if isinstance(message.string, str):
            text = message.string
        else:
            forms = list(message.string or ())
            text = forms[0] if forms and all(forms) else ""
        yield message.context, msgid, _Entry(msgid, text, message.fuzzy)


def load_translations(
    locales_dir: Path,
    source: str,
    extra: Iterable[str],
    fallbacks: Mapping[str, tuple[str, ...]],
    order: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> Translations:
    """Read every catalogue of locales/ and the interface template (messages.pot)."""
    rank = {lang: i for i, lang in enumerate(order)}
    found = [lang for lang in discover_languages(locales_dir) if lang != source]
    translated = tuple(sorted(found, key=lambda lang: (rank.get(lang, len(rank)), lang)))
    languages = Languages(source, translated, tuple(extra), dict(fallbacks))
    content: dict[str, dict[tuple[str, str], _Entry]] = {}
    contexts: dict[str, set[str]] = {}
    interface_compiled: dict[str, bytes] = {}
    interface_entries: dict[str, dict[tuple[str | None, str], _Entry]] = {}
    for lang in translated:
        folder = locales_dir / lang / "LC_MESSAGES"
        content_po = folder / f"{CONTENT_DOMAIN}.po"
        if content_po.is_file():
            display = f"locales/{lang}/LC_MESSAGES/{CONTENT_DOMAIN}.po"
            content[lang] = {
                (ctx, mid): e
                for ctx, mid, e in _cached_entries(content_po, display, cache_dir)
                if ctx
            }
            # Shared contexts (a vocabulary) hold many texts: only per-record ones go stale.
            contexts[lang] = {
                ctx for ctx, _ in content[lang] if ctx.startswith(("site/", "asset/"))
            }
        interface_po = folder / f"{INTERFACE_DOMAIN}.po"
        if interface_po.is_file():
            display = f"locales/{lang}/LC_MESSAGES/{INTERFACE_DOMAIN}.po"
            entries = _cached_entries(interface_po, display, cache_dir)
            interface_entries[lang] = {(ctx, mid): e for ctx, mid, e in entries}
            interface_compiled[lang] = _cached_mo(interface_po, display, cache_dir)
    interface = {
        lang: _interface_translations(
            [interface_compiled[x] for x in languages.chain(lang) if x in interface_compiled]
        )
        for lang in languages.accepted
    }
    template_path = locales_dir / f"{INTERFACE_DOMAIN}.pot"
    template: tuple[tuple[str | None, str], ...] = ()
    if template_path.is_file():
        pot = _cached_entries(template_path, f"locales/{INTERFACE_DOMAIN}.pot", cache_dir)
        template = tuple((ctx, mid) for ctx, mid, _ in pot)
    return Translations(languages, content, contexts, interface, interface_entries, template)
