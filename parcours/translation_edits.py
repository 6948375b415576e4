"""Translators' changes to locales/: one entry, or a whole uploaded PO file; and the
download of a language's catalogues. Plain Python: the web layer
(parcours/web/translations.py) hands what these functions return to the one writer,
`Store.commit`, which validates the whole content with it and writes it atomically.

A message is identified by its gettext context and its French text. A translator sends the
French text they translated along with the translation: if the French has changed since,
the translation is refused (409) with the current French, never filed under a text it does
not translate. Only the entries concerned change in the file: see parcours/i18n/po_edit.py.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from parcours.errors import NotFound, ParcoursError, Problem
from parcours.i18n import po_edit
from parcours.i18n.catalogs import CONTENT_DOMAIN, INTERFACE_DOMAIN
from parcours.i18n.inventory import (
    NO_CONTEXT,
    SHARED_CONTEXTS,
    Key,
    Unit,
    check_language,
    content_units,
    interface_units,
    po_relpath,
    read_text,
    section_of,
    template,
)
from parcours.settings import Settings

_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


class SourceChanged(ParcoursError):
    def __init__(self, context: str | None, yours: str, current: Sequence[str]) -> None:
        super().__init__(
            message="the French text has changed since you translated it: translate the "
            "current one (in details.current)",
            code="source_changed",
            status=409,
            details={
                "context": context,
                "yours": yours,
                "current": current[0] if len(current) == 1 else None,
                "sources": list(current),
            },
        )


class TranslationRefused(ParcoursError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(
            message=f"nothing was saved: {len(problems)} problem(s) in the translations",
            code="invalid_translation",
            status=422,
            details={"problems": [p.as_dict() for p in problems[:200]], "count": len(problems)},
        )


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def placeholder_problem(unit: Unit, strings: Sequence[str]) -> str | None:
    """What is wrong with the `%(name)s` placeholders of a translation, if anything."""
    wanted = placeholders(unit.source)
    if unit.plural is None:
        got = placeholders(strings[0]) if strings and strings[0] else wanted
        if got != wanted:
            return _describe(wanted, got)
        return None
    allowed = wanted | placeholders(unit.plural)
    for string in strings:
        if string and not placeholders(string) <= allowed:
            return _describe(allowed, placeholders(string))
    if strings and strings[-1] and placeholders(strings[-1]) != placeholders(unit.plural):
        return _describe(placeholders(unit.plural), placeholders(strings[-1]))
    return None


def _describe(wanted: set[str], got: set[str]) -> str:
    def names(found: set[str]) -> str:
        return ", ".join(f"%({n})s" for n in sorted(found)) or "none"

    return f"placeholders differ from the French text: expected {names(wanted)}, got {names(got)}"


def _strings(unit: Unit, text: str | Sequence[str], num_plurals: int) -> list[str]:
    """The msgstr forms to write: one string, or one per plural form."""
    if unit.plural is None:
        if isinstance(text, str):
            return [text]
        raise _refused(unit, "this message has no plural: send the translation as one string")
    if isinstance(text, str) or len(text) != num_plurals:
        raise _refused(unit, f"this message has plural forms: send a list of {num_plurals} strings")
    return list(text)


def _refused(unit: Unit, message: str, line: int | None = None, file: str = "") -> Exception:
    return TranslationRefused(
        [Problem(file or f"locales/{unit.domain}.pot", line, unit.ref, message, None, "invalid")]
    )


def _resolve(settings: Settings, ref: str) -> tuple[str, list[Unit]]:
    """The domain of a context given in a URL, and the current texts that have it."""
    context = None if ref == NO_CONTEXT else ref
    contexts: set[str | None] = set()
    if context is not None:
        content = [u for u in content_units(settings) if u.context == context]
        known = {k[0] for k in template(settings, CONTENT_DOMAIN)}
        if content or context in known:
            return CONTENT_DOMAIN, content
        contexts |= known
    interface = interface_units(settings)
    matching = [u for u in interface if u.context == context]
    if matching:
        return INTERFACE_DOMAIN, matching
    contexts |= {u.context for u in interface}
    names = sorted(c for c in contexts if c)
    raise NotFound("translation context", ref[:200], difflib.get_close_matches(ref, names, n=3))


def _apply(
    text: str, edits: dict[Unit, list[str]], templates: dict[Key, po_edit.Entry], plurals: int
) -> tuple[str, list[Unit]]:
    """The catalogue's text with these translations in place, and the units that changed."""
    entries = po_edit.messages(text)
    changes: dict[Key, list[str]] = {}
    remove: dict[Key, None] = {}
    add: list[po_edit.NewEntry] = []
    changed = []
    for unit, strings in edits.items():
        entry = entries.get(unit.key)
        if entry is not None:
            if entry.strings != strings or entry.fuzzy or entry.previous:
                changes[unit.key] = strings
                changed.append(unit)
        elif any(strings):
            model = templates.get(unit.key)
            add.append(
                po_edit.NewEntry(
                    unit.context,
                    unit.source,
                    strings,
                    unit.plural,
                    model.comments if model else unit.comments,
                    model.locations if model else unit.locations,
                )
            )
            changed.append(unit)
        if unit.domain == CONTENT_DOMAIN and unit.context not in SHARED_CONTEXTS and any(strings):
            # The translation of the French text this one replaced is of no use any more.
            for old in entries.values():
                if old.context == unit.context and old.msgid != unit.source:
                    remove[old.key] = None
    if not (changes or remove or add):
        return text, []
    return po_edit.edit(text, changes, list(remove), add, plurals), changed


def set_translation(
    settings: Settings, lang: str, ref: str, source: str, text: str | Sequence[str]
) -> tuple[dict[str, str | bytes], dict[str, Any]]:
    """The changed catalogue (empty when nothing changes) and what was set.

    An empty text removes the translation (the entry stays, untranslated)."""
    check_language(settings, lang)
    domain, candidates = _resolve(settings, ref)
    unit = next((u for u in candidates if u.source == source), None)
    if unit is None:
        raise SourceChanged(
            candidates[0].context if candidates else None, source, [u.source for u in candidates]
        )
    relpath = po_relpath(lang, domain)
    current = read_text(settings, relpath)
    if not current:
        raise NotFound("catalogue", relpath, [])
    plurals = po_edit.num_plurals(current)
    strings = _strings(unit, text, plurals)
    problem = placeholder_problem(unit, strings)
    if problem:
        raise _refused(unit, problem, file=relpath)
    new, _ = _apply(current, {unit: strings}, template(settings, domain), plurals)
    data = {
        "lang": lang,
        "context": unit.context,
        "source": unit.source,
        "text": strings[0] if unit.plural is None else strings,
        "domain": domain,
        "file": relpath,
    }
    return ({relpath: new} if new != current else {}), data


# --- whole files ----------------------------------------------------------------------------

INTERFACE_BANNER = (
    "# ----------------------------------------------------------------------------------\n"
    '# Interface strings (gettext domain "messages"). Upload this whole file back: each\n'
    "# entry goes to the catalogue it belongs to.\n"
)


def export_po(settings: Settings, lang: str, domain: str | None = None) -> bytes:
    """A language's catalogue as it is on disk; without a domain, both in one file (the
    interface entries after the content ones, under a comment)."""
    check_language(settings, lang)
    if domain is not None:
        text = read_text(settings, po_relpath(lang, domain))
        if not text:
            raise NotFound("catalogue", po_relpath(lang, domain), [])
        return text.encode("utf-8")
    content = read_text(settings, po_relpath(lang, CONTENT_DOMAIN))
    interface = read_text(settings, po_relpath(lang, INTERFACE_DOMAIN))
    header = next((e for e in po_edit.parse(interface) if not e.msgid), None)
    body = interface.splitlines(keepends=True)[header.end if header else 0 :]
    while body and not body[0].strip():
        body.pop(0)
    if not content:
        return interface.encode("utf-8")
    if not body:
        return content.encode("utf-8")
    merged = content.rstrip("\n") + "\n\n" + INTERFACE_BANNER + "".join(body)
    return merged.encode("utf-8")


def _read_upload(data: bytes, lang: str) -> Catalog:
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:
        raise TranslationRefused(
            [Problem(UPLOAD, exc.lineno, "", f"cannot read this PO file: {exc}", None, "po_syntax")]
        ) from None
    except (UnicodeDecodeError, LookupError, ValueError) as exc:
        raise TranslationRefused(
            [Problem(UPLOAD, None, "", f"cannot read this PO file: {exc}", None, "po_syntax")]
        ) from None
    declared = (catalog.locale_identifier or "").replace("-", "_").split("_")[0]
    if declared and declared != lang:
        raise TranslationRefused(
            [
                Problem(
                    UPLOAD,
                    None,
                    "Language",
                    f"this file is for '{declared}', not '{lang}'",
                    f"upload it to /api/translations/{declared}.po",
                    "wrong_language",
                )
            ]
        )
    return catalog


UPLOAD = "uploaded file"


@dataclass
class _Upload:
    """The entries of an uploaded file, sorted: to merge, skipped, or refused."""

    units: dict[Key, Unit]
    known_contexts: set[str | None]
    accepted: dict[str, dict[Unit, list[str]]] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    empty: int = 0

    def problem(self, line: int | None, where: str, message: str, code: str) -> None:
        hint = "download the current catalogue and translate that one"
        self.problems.append(Problem(UPLOAD, line, where, message, hint, code))

    def sort(self, message: Message) -> None:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string or ""
        strings = [string] if isinstance(string, str) else list(string)
        unit = self.units.get((message.context, msgid))
        where = {"line": message.lineno, "context": message.context, "source": msgid}
        if unit is None:
            if message.context in self.known_contexts and _per_record(message.context):
                current = [u.source for u in self.units.values() if u.context == message.context]
                self.skipped.append({**where, "reason": "source_changed", "current": current})
            else:
                text = f"msgid {msgid[:80]!r} is not in the templates"
                self.problem(message.lineno, message.context or "", text, "unknown_message")
        elif (unit.plural is None) != isinstance(message.id, str):
            self.problem(message.lineno, unit.ref, "plural forms differ", "plural")
        elif not any(strings):
            self.empty += 1
        elif message.fuzzy:
            self.skipped.append({**where, "reason": "fuzzy"})
        elif problem := placeholder_problem(unit, strings):
            self.problem(message.lineno, unit.ref, problem, "placeholders")
        else:
            self.accepted.setdefault(unit.domain, {})[unit] = strings


def _per_record(context: str | None) -> bool:
    return context not in SHARED_CONTEXTS and section_of(context) != "interface"


def import_po(
    settings: Settings, lang: str, data: bytes
) -> tuple[dict[str, str | bytes], dict[str, Any]]:
    """Merge an uploaded PO file (one domain or both): the changed catalogues and a report.

    Refused whole (TranslationRefused, with line numbers) when an entry is unknown to the
    templates or its placeholders differ from the French. Entries whose French text has
    changed since, fuzzy and empty ones are skipped and reported; the rest are merged."""
    check_language(settings, lang)
    catalog = _read_upload(data, lang)
    units = {u.key: u for u in content_units(settings)}
    for unit in interface_units(settings):
        units.setdefault(unit.key, unit)
    known = {k[0] for k in template(settings, CONTENT_DOMAIN)} | {k[0] for k in units}
    upload = _Upload(units, known)
    for message in catalog:
        if message.id:
            upload.sort(message)
    if upload.problems:
        raise TranslationRefused(upload.problems)
    changes: dict[str, str | bytes] = {}
    merged = 0
    for domain, edits in upload.accepted.items():
        relpath = po_relpath(lang, domain)
        current = read_text(settings, relpath)
        plurals = po_edit.num_plurals(current)
        fitted = {u: (s + [""] * plurals)[:plurals] if u.plural else s for u, s in edits.items()}
        new, changed = _apply(current, fitted, template(settings, domain), plurals)
        merged += len(changed)
        if new != current:
            changes[relpath] = new
    report = {
        "lang": lang,
        "merged": merged,
        "unchanged": sum(len(e) for e in upload.accepted.values()) - merged,
        "skipped": upload.skipped,
        "untranslated": upload.empty,
        "files": sorted(changes),
    }
    return changes, report
