"""What the curators' pages show, computed from the snapshot, the store and its history.

Plain functions (no request): the forms' fields and the merge patch a posted form makes,
problems placed next to their fields, translation status beside the French source, the
dashboard's problems, revisions with who made them, and a diff cut into lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from parcours.history import History
from parcours.i18n.units import SUBTYPE_CONTEXT, site_context
from parcours.query import fold
from parcours.snapshot import Snapshot
from parcours.trails import trail_context
from parcours.web.pages import _, babel_locale

#: Size budgets (phone variant, original), in SI units as pages show sizes: 5 MB, 50 MB.
PHONE_MAX_BYTES = 5_000_000
ORIGINAL_MAX_BYTES = 50_000_000
AUDIT_SHOWN = 20
TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text, textarea, lines (one item a line), number
    rows: int = 3
    required: bool = True
    hint: str | None = None


SITE_FORM = (
    Field("name", _("Nom officiel")),
    Field(
        "summary", _("Résumé"), "textarea", 3, hint=_("Une ou deux phrases, moins de 200 signes.")
    ),
    Field(
        "description",
        _("Description"),
        "textarea",
        14,
        hint=_("80 à 250 mots ; une ligne vide sépare les paragraphes."),
    ),
    Field("subtype", _("Sous-type"), required=False, hint=_("Facultatif, par exemple « corons ».")),
    Field("commune", _("Commune principale")),
    Field("communes", _("Communes concernées"), "lines", 3, hint=_("Une commune par ligne.")),
    Field("lat", _("Latitude"), "number", hint=_("Degrés décimaux WGS84, par exemple 50,4164.")),
    Field("lon", _("Longitude"), "number", hint=_("Degrés décimaux WGS84, par exemple 3,5529.")),
    Field("sources", _("Sources"), "lines", 5, hint=_("Une source par ligne.")),
)
TRAIL_FORM = (
    Field("title", _("Titre")),
    Field("summary", _("Résumé"), "textarea", 3),
    Field(
        "description",
        _("Description"),
        "textarea",
        14,
        hint=_("Une ligne vide sépare les paragraphes."),
    ),
)
#: Form key -> path in the source record.
_PATHS = {"lat": ("location", "lat"), "lon": ("location", "lon")}


def _get(data: Mapping[str, Any], key: str) -> Any:
    value: Any = data
    for part in _PATHS.get(key, (key,)):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _as_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "number" and isinstance(value, float):
        return repr(value)
    return str(value)


def form_values(data: Mapping[str, Any], fields: tuple[Field, ...]) -> dict[str, str]:
    """The source record as the strings the form shows."""
    return {f.key: _as_text(_get(data, f.key), f.kind) for f in fields}


def _clean(raw: str, kind: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "textarea":
        return "\n\n".join(p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip())
    return text.strip()


def read_form(
    form: Mapping[str, str], fields: tuple[Field, ...], current: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """(merge patch of the changed fields, the values as sent, problems found here)."""
    patch: dict[str, Any] = {}
    values: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for f in fields:
        values[f.key] = _clean(str(form.get(f.key, "")), f.kind)
        raw = values[f.key]
        new: Any
        if f.kind == "lines":
            new = [line.strip() for line in raw.split("\n") if line.strip()]
        elif f.kind == "number":
            try:
                new = float(raw.replace(",", ".").replace(" ", "").replace("\u202f", ""))
            except ValueError:
                problems.setdefault(f.key, []).append(_("Écrivez un nombre décimal."))
                continue
        else:
            new = raw if raw or f.required else None
        old = _get(current, f.key)
        if isinstance(old, str) and isinstance(new, str) and _clean(old, f.kind) == new:
            continue
        if new == old:
            continue
        path = _PATHS.get(f.key, (f.key,))
        target = patch
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = new
    return patch, values, problems


_INDEX = re.compile(r"^sites\[\d+\]\.?")


def field_of(path: str, fields: tuple[Field, ...]) -> str | None:
    """The form field a problem's path points at (`sites[3].location.lat` -> lat)."""
    rest = _INDEX.sub("", path)
    head = re.split(r"[.\[]", rest, maxsplit=1)[0]
    if head == "location":
        head = "lat" if ".lon" not in rest else "lon"
    return head if any(f.key == head for f in fields) else None


def place_problems(
    problems: list[dict[str, Any]], fields: tuple[Field, ...], file: str = ""
) -> list[dict[str, Any]]:
    """The store's problems for the form: each with the field of `file` it belongs to (or
    None), its message (in English, as the core writes it) and where it was found."""
    placed = []
    for problem in problems:
        message = problem["message"] + (f" ({problem['hint']})" if problem.get("hint") else "")
        where = str(problem.get("file") or "")
        if problem.get("line"):
            where += f":{problem['line']}"
        key = (
            field_of(str(problem.get("path", "")), fields) if problem.get("file") == file else None
        )
        placed.append({"field": key, "message": message, "where": where, "local": False})
    return placed


def local_problems(problems: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Problems found before the store (French messages, translated on the page)."""
    return [
        {"field": k, "message": m, "where": "", "local": True}
        for k, messages in problems.items()
        for m in messages
    ]


# --- Translations beside the source ------------------------------------------------------


def _translation(snapshot: Snapshot, context: str, source: str, lang: str) -> dict[str, Any]:
    translations = snapshot.translations
    status = translations.content_status(context, source, lang)
    entries = translations.content.get(lang, {})
    entry = entries.get((context, source))
    if entry is None and status == "stale" and context != SUBTYPE_CONTEXT:
        # Translated from an earlier French text: show it, to be reviewed.
        entry = next((e for (c, _s), e in entries.items() if c == context), None)
    return {"status": status, "text": entry.text if entry and entry.text else None}


def translation_table(
    snapshot: Snapshot, units: list[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    """Per translated language: (field, status, text) of each (field, context, source)."""
    out = []
    for lang in snapshot.translations.languages.translated:
        rows = [
            {"field": key, **_translation(snapshot, context, source, lang)}
            for key, context, source in units
            if source
        ]
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("done", "stale", "missing")}
        out.append({"lang": lang, "rows": rows, "counts": counts})
    return out


def _text(data: Mapping[str, Any], key: str) -> str:
    """The French text as the catalogue loads it (stripped), the msgid of its translations."""
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def site_units(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    site_id = str(data.get("id"))
    units = [(k, site_context(site_id, k), _text(data, k)) for k in ("name", "summary")]
    units.append(("description", site_context(site_id, "description"), _text(data, "description")))
    units.append(("subtype", SUBTYPE_CONTEXT, _text(data, "subtype")))
    return units


def trail_units(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    trail_id = str(data.get("id"))
    keys = ("title", "summary", "description")
    return [(k, trail_context(trail_id, k), _text(data, k)) for k in keys]


# --- Lists and the dashboard -------------------------------------------------------------


def find_sites(snapshot: Snapshot, q: str) -> list[Any]:
    terms = fold(q).split()
    found = []
    for site in snapshot.sites:
        haystack = fold(" ".join([site.id, site.name, site.commune, *site.communes]))
        if all(term in haystack for term in terms):
            found.append(site)
    return found


def _status(record: Mapping[str, Any] | None) -> str:
    if record is None:
        return "not built"
    return "published" if record.get("published") else "refused"


def refused_codes(record: Mapping[str, Any] | None) -> list[str]:
    if not record or record.get("published"):
        return []
    messages = record.get("report", {}).get("issues", {}).get("messages", [])
    codes = sorted({str(m.get("code")) for m in messages if m.get("severity") == 0})
    return codes or [str(record.get("error", "refused"))[:200]]


def _bytes(record: Mapping[str, Any] | None, role: str) -> int | None:
    variant = (record or {}).get("variants", {}).get(role)
    if isinstance(variant, Mapping) and isinstance(variant.get("bytes"), int):
        return int(variant["bytes"])
    if role == "original":
        source = (record or {}).get("source", {}).get("bytes")
        return int(source) if isinstance(source, int) else None
    return None


def asset_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    rows = []
    for asset in snapshot.assets.values():
        record = snapshot.manifest.get(asset.id)
        facts = (record or {}).get("facts") or {}
        rows.append(
            {
                "id": asset.id,
                "title": asset.title,
                "status": _status(record),
                "codes": refused_codes(record),
                "triangles": facts.get("triangles"),
                "original": _bytes(record, "original"),
                "phone": _bytes(record, "phone"),
                "sites": list(asset.sites),
            }
        )
    return rows


def dashboard(snapshot: Snapshot, history: History, lang: str) -> dict[str, Any]:
    assets = asset_rows(snapshot)
    by_site: dict[str, list[dict[str, Any]]] = {}
    for row in assets:
        for site_id in row["sites"]:
            by_site.setdefault(site_id, []).append(row)
    models = []
    for site in snapshot.sites:
        rows = by_site.get(site.id, [])
        if not rows:
            models.append({"site": site, "problem": "missing", "asset": None, "codes": []})
        for row in rows:
            if row["status"] != "published":
                models.append(
                    {
                        "site": site,
                        "problem": row["status"],
                        "asset": row["id"],
                        "codes": row["codes"],
                    }
                )
    alt = []
    for asset in snapshot.assets.values():
        context = f"asset/{asset.id}/alt"
        if not asset.alt.strip():
            alt.append({"id": asset.id, "langs": ["fr"]})
            continue
        langs = [
            lang_
            for lang_ in snapshot.translations.languages.translated
            if snapshot.translations.content_status(context, asset.alt, lang_) != "done"
        ]
        if langs:
            alt.append({"id": asset.id, "langs": langs})
    oversized = [
        row
        for row in assets
        if (row["phone"] or 0) > PHONE_MAX_BYTES or (row["original"] or 0) > ORIGINAL_MAX_BYTES
    ]
    languages = json.loads(snapshot.representations["languages"].body)["languages"]
    entries = history.audit_entries()[-AUDIT_SHOWN:][::-1]
    return {
        "models": models,
        "alt": alt,
        "oversized": oversized,
        "language_rows": [x for x in languages if not x["source"] and x["negotiable"]],
        "audit": [{**e, "when": when(e.get("time"), lang)} for e in entries],
        "phone_max": PHONE_MAX_BYTES,
        "original_max": ORIGINAL_MAX_BYTES,
    }


# --- History -----------------------------------------------------------------------------


def when(timestamp: Any, lang: str) -> str:
    if not isinstance(timestamp, (int, float)):
        return "?"
    try:
        zone: Any = ZoneInfo(TIMEZONE)
    except Exception:  # no time zone data on this machine
        zone = None
    moment = datetime.fromtimestamp(timestamp, zone)
    return str(format_datetime(moment, "medium", locale=babel_locale(lang)))


def revision_rows(history: History, relpath: str, lang: str) -> list[dict[str, Any]]:
    """Revisions of a file, newest first, each with who made it (from the audit log)."""
    made: dict[int, dict[str, Any]] = {}
    for entry in history.audit_entries():
        for f in entry.get("files", []):
            if f.get("path") == relpath and isinstance(f.get("revision"), int):
                made[f["revision"]] = entry
    rows = []
    for revision in history.revisions(relpath):
        entry = made.get(revision.number, {})
        rows.append(
            {
                "number": revision.number,
                "sha": revision.sha256[:12],
                "when": when(revision.saved, lang),
                "user": entry.get("user"),
                "action": entry.get("action"),
                "entity": entry.get("entity"),
            }
        )
    return rows[::-1]


def diff_lines(text: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line): file, hunk, add, del or same."""
    out = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        out.append((kind, line))
    return out


def matches(q: str, *texts: str) -> bool:
    """Case- and accent-insensitive search in a few texts (empty: everything)."""
    from parcours.query import fold

    wanted = fold(q.strip())
    return not wanted or any(wanted in fold(text) for text in texts)
