"""Reading and editing a PO file as text, entry by entry, without re-emitting the rest.

Babel reads a whole catalogue and writes it back whole; on the way it turns the `#| msgid`
lines that `pybabel update --previous` wrote into ordinary comments. A translator's change
to one entry must change that entry's lines only: so the file is cut into entries here,
and an edit replaces the `msgstr` lines of one entry (formatted as Babel formats them, 100
columns), drops its fuzzy flag and its previous msgid, and keeps every other byte.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import normalize, unescape, write_po

WIDTH = 100
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(.*)$")

Key = tuple[str | None, str]


@dataclass
class Entry:
    """One message of a PO file and where its lines are (0-based, `end` excluded)."""

    start: int
    end: int
    keywords: int  # first msgctxt/msgid line
    msgstr: int  # first msgstr line
    lineno: int  # 1-based line of the msgid, as Babel and msgfmt count
    context: str | None
    msgid: str
    plural: str | None
    strings: list[str]
    flags: list[str]
    previous: str | None = None
    obsolete: bool = False
    comments: list[str] = field(default_factory=list)  # `#.` lines: notes for translators
    locations: list[str] = field(default_factory=list)  # `#:` lines

    @property
    def key(self) -> Key:
        return (self.context, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        """Every form has a text (a plural message is translated only when all are)."""
        return bool(self.strings) and all(self.strings)


@dataclass
class _Partial:
    start: int
    keywords: int = -1
    msgstr: int = -1
    end: int = -1
    parts: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    obsolete: bool = False
    msgid_line: int = 0


def _text(chunks: Sequence[str]) -> str:
    return "".join(unescape(f'"{chunk}"') for chunk in chunks)


def parse(text: str) -> list[Entry]:
    """Every entry (header and obsolete ones included) in file order."""
    lines = text.splitlines(keepends=True)
    entries: list[Entry] = []
    current: _Partial | None = None
    keyword = ""

    def finish() -> None:
        nonlocal current
        if current is not None and current.order:
            entries.append(_entry(current))
        current = None

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if current is not None and current.msgstr >= 0:
                finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if line.startswith("#") and not obsolete:
            if current is not None and current.msgstr >= 0:
                finish()
            if current is None:
                current = _Partial(index)
            _comment(current, line)
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword = match.group(1)
            if keyword in {"msgctxt", "msgid"} and current is not None and current.msgstr >= 0:
                finish()
            if current is None:
                current = _Partial(index)
            if current.keywords < 0:
                current.keywords = index
            if keyword.startswith("msgstr") and current.msgstr < 0:
                current.msgstr = index
            if keyword == "msgid":
                current.msgid_line = index + 1
            current.obsolete = current.obsolete or obsolete
            current.order.append(keyword)
            current.parts[keyword] = _QUOTED.findall(match.group(2))
            current.end = index + 1
        elif line.startswith('"') and current is not None and keyword:
            current.parts[keyword] += _QUOTED.findall(line)
            current.end = index + 1
    finish()
    return entries


def _comment(partial: _Partial, line: str) -> None:
    if line.startswith("#,"):
        partial.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
    elif line.startswith("#|"):
        partial.previous.append(line[2:].strip())
    elif line.startswith("#."):
        partial.comments.append(line[2:].strip())
    elif line.startswith("#:"):
        partial.locations += line[2:].split()


def _entry(partial: _Partial) -> Entry:
    parts = partial.parts
    strings = [_text(parts[k]) for k in partial.order if k.startswith("msgstr")]
    previous = None
    if partial.previous and partial.previous[0].startswith("msgid "):
        chunks = []
        for line in partial.previous:
            if line.startswith("msgid_plural"):
                break
            chunks += _QUOTED.findall(line)
        previous = _text(chunks)
    return Entry(
        start=partial.start,
        end=partial.end if partial.end > 0 else partial.start + 1,
        keywords=partial.keywords,
        msgstr=partial.msgstr if partial.msgstr >= 0 else partial.end,
        lineno=partial.msgid_line,
        context=_text(parts["msgctxt"]) if "msgctxt" in parts else None,
        msgid=_text(parts.get("msgid", [])),
        plural=_text(parts["msgid_plural"]) if "msgid_plural" in parts else None,
        strings=strings,
        flags=partial.flags,
        previous=previous,
        obsolete=partial.obsolete,
        comments=partial.comments,
        locations=partial.locations,
    )


def num_plurals(text: str) -> int:
    """nplurals of the header's Plural-Forms (2 when absent)."""
    for entry in parse(text):
        if not entry.msgid and entry.context is None and not entry.obsolete:
            found = re.search(r"nplurals\s*=\s*(\d+)", "".join(entry.strings))
            return int(found.group(1)) if found else 2
    return 2


def messages(text: str) -> dict[Key, Entry]:
    """The current (not obsolete) messages, header left out, by (context, msgid)."""
    return {e.key: e for e in parse(text) if not e.obsolete and e.msgid}


@dataclass(frozen=True)
class NewEntry:
    """A message to add: what the template says of it, and its translation."""

    context: str | None
    msgid: str
    strings: Sequence[str]
    plural: str | None = None
    comments: Sequence[str] = ()
    locations: Sequence[str] = ()


def _msgstr_lines(entry: Entry, strings: Sequence[str]) -> list[str]:
    if entry.plural is None:
        return [f"msgstr {normalize(strings[0] if strings else '', width=WIDTH)}\n"]
    return [
        f"msgstr[{index}] {normalize(string, prefix='', width=WIDTH)}\n"
        for index, string in enumerate(strings)
    ]


def _replaced(lines: list[str], entry: Entry, strings: Sequence[str]) -> list[str]:
    """The entry's lines with new translations: not fuzzy any more, no previous msgid."""
    out = []
    for line in lines[entry.start : entry.keywords]:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if flags:
                out.append(f"#, {', '.join(flags)}\n")
            continue
        out.append(line)
    out += lines[entry.keywords : entry.msgstr]
    out += _msgstr_lines(entry, strings)
    return out


def _new_block(new: NewEntry, num_plurals: int) -> list[str]:
    catalog = Catalog(fuzzy=False)
    msgid: str | tuple[str, str] = new.msgid if new.plural is None else (new.msgid, new.plural)
    string: str | tuple[str, ...] = (
        (new.strings[0] if new.strings else "")
        if new.plural is None
        else tuple(list(new.strings) + [""] * (num_plurals - len(new.strings)))
    )
    catalog[msgid] = Message(
        msgid,
        string,
        locations=[(location, None) for location in new.locations],  # type: ignore[misc]
        auto_comments=list(new.comments),
        context=new.context,
    )
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, omit_header=True, include_lineno=False)
    return out.getvalue().decode("utf-8").splitlines(keepends=True)


def edit(
    text: str,
    changes: Mapping[Key, Sequence[str]],
    remove: Sequence[Key] = (),
    add: Sequence[NewEntry] = (),
    num_plurals: int = 2,
) -> str:
    """`text` with the translations of existing messages changed, some messages removed and
    new ones added before the obsolete ones; every other line kept as it was."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    entries = [e for e in parse(text) if not e.obsolete]
    by_key = {e.key: e for e in entries if e.msgid}
    edits: list[tuple[int, int, list[str]]] = []
    for key, strings in changes.items():
        entry = by_key[key]
        edits.append((entry.start, entry.end, _replaced(lines, entry, strings)))
    for key in remove:
        entry = by_key[key]
        end = entry.end
        while end < len(lines) and not lines[end].strip():
            end += 1  # the blank line that separated it from the next entry
        edits.append((entry.start, end, []))
    if add:
        obsolete = [e.start for e in parse(text) if e.obsolete]
        at = obsolete[0] if obsolete else len(lines)
        block: list[str] = []
        if at and lines[at - 1].strip():
            block.append("\n")
        for new in add:
            block += _new_block(new, num_plurals)
        edits.append((at, at, block))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = replacement
    return "".join(lines)
