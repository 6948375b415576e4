"""Printable QR codes for signs: one PNG, SVG and A4 PDF per site and per trail stop.

A sign outlives a deployment, so it carries only the short URL `<base>/s/<code>` (see
parcours.shortcodes): the server decides at scan time which page and language to show.
Files are written one by one atomically, so an interrupted run never leaves a broken file,
and PDFs carry a fixed date so that a rerun on the same content gives the same bytes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from parcours.errors import ParcoursError
from parcours.shortcodes import Target, resolve, site_code, stop_code
from parcours.snapshot import Snapshot

FORMATS = ("png", "svg", "pdf")
#: The four languages of the region's visitors, in the order a sign shows them.
LANGUAGES = ("fr", "en", "nl", "de")
LANGUAGE_LABELS = {"fr": "Français", "en": "English", "nl": "Nederlands", "de": "Deutsch"}
INVITATIONS = {
    "site": {
        "fr": "Scannez pour visiter en 3D et écouter l’histoire du lieu",
        "en": "Scan to explore this place in 3D and hear its story",
        "nl": "Scan om deze plek in 3D te bezoeken en haar verhaal te beluisteren",
        "de": "Scannen Sie, um den Ort in 3D zu erkunden und seine Geschichte zu hören",
    },
    "stop": {
        "fr": "Scannez pour suivre le parcours et écouter l’histoire de cette étape",
        "en": "Scan to follow the trail and hear the story of this stop",
        "nl": "Scan om de route te volgen en het verhaal van deze halte te beluisteren",
        "de": "Scannen Sie, um der Route zu folgen und die Geschichte dieser Station zu hören",
    },
}
STOP_WORDS = {"fr": "Étape", "en": "Stop", "nl": "Halte", "de": "Station"}
FOOTER = "Bassin minier du Nord-Pas de Calais — Patrimoine mondial de l’UNESCO"


class QrError(ParcoursError):
    """Something the user asked for cannot be done; the hint says what to do instead."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message=message, code="qr", status=400, details={"hint": hint})
        self.hint = hint


@dataclass(frozen=True)
class Heading:
    """What a sign says in one language: (for stops) trail and stop number, then the title."""

    lang: str
    kicker: str | None
    title: str


@dataclass(frozen=True)
class Sign:
    """Everything printed on one sign, decided before any drawing (and testable as text)."""

    code: str
    target: Target
    target_id: str  # site id, or <trail id>/<stop id>
    url: str
    headings: tuple[Heading, ...]
    commune: str | None

    @property
    def kind(self) -> str:
        return self.target.kind

    @property
    def folder(self) -> str:
        return "sites" if self.kind == "site" else "stops"

    @property
    def short_url(self) -> str:
        """The URL as printed for typing: browsers add https:// themselves."""
        return self.url.removeprefix("https://")

    @property
    def invitations(self) -> tuple[str, ...]:
        return tuple(INVITATIONS[self.kind][lang] for lang in LANGUAGES)

    def grouped(self) -> list[tuple[str, str | None, str]]:
        """(labels, kicker, title): languages saying the same words share one heading, so a
        name that is not translated is printed once, under all its languages' labels."""
        groups: list[tuple[list[str], str | None, str]] = []
        for h in self.headings:
            same = next((g for g in groups if (g[1], g[2]) == (h.kicker, h.title)), None)
            if same is None:
                groups.append(([LANGUAGE_LABELS[h.lang]], h.kicker, h.title))
            else:
                same[0].append(LANGUAGE_LABELS[h.lang])
        return [(" · ".join(labels), kicker, title) for labels, kicker, title in groups]

    def lines(self) -> list[str]:
        """Every text of the sign, top to bottom, as the PDF prints it."""
        out = [t for g in self.grouped() for t in g if t]
        return [*out, *filter(None, [self.commune]), self.short_url, *self.invitations, FOOTER]


@dataclass(frozen=True)
class Summary:
    sites: int
    stops: int
    files: int
    removed: int


def normalize_base_url(value: str | None) -> str:
    """`https://host[/prefix]`, no trailing slash: refused now rather than once printed."""
    hint = "pass the public address of the server, e.g. --base-url https://parcours.example.org"
    text = (value or "").strip()
    if not text:
        raise QrError("no public base URL for the codes", hint)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise QrError(f"base URL {text!r} is not a URL ({exc})", hint) from exc
    if parts.scheme not in {"http", "https"}:
        raise QrError(f"base URL {text!r} must start with https:// (or http://)", hint)
    if not parts.hostname or any(c.isspace() for c in text):
        raise QrError(f"base URL {text!r} has no host name", hint)
    if parts.username or parts.password:
        raise QrError(f"base URL {text!r} must not hold a user name or password", hint)
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise QrError(f"base URL {text!r} must not have a query or fragment (? or #)", hint)
    return text.rstrip("/")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """`png,svg` -> ("png", "svg"), in the canonical order; None is every format."""
    items = (text if text is not None else ",".join(FORMATS)).split(",")
    wanted = {item.strip().lower() for item in items if item.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise QrError(
            f"unknown format {', '.join(map(repr, unknown)) or '(none)'}",
            f"choose among {', '.join(FORMATS)}, e.g. --formats png,pdf",
        )
    return tuple(f for f in FORMATS if f in wanted)


def plan_signs(snapshot: Snapshot, base_url: str) -> list[Sign]:
    """One sign per site (catalogue order), then one per stop of every trail."""
    base = normalize_base_url(base_url)
    source = snapshot.settings.source_language
    texts = [(lang, snapshot.texts.get(lang, snapshot.texts[source])) for lang in LANGUAGES]
    signs = []
    for site in snapshot.sites:
        code = site_code(site)
        headings = tuple(Heading(lang, None, t[site.id].name.text) for lang, t in texts)
        communes = ", ".join([site.commune, *(c for c in site.communes if c != site.commune)])
        target = Target("site", site_id=site.id)
        signs.append(Sign(code, target, site.id, f"{base}/s/{code}", headings, communes))
    documents = snapshot.trails.documents
    for trail_id, resolved in snapshot.trails.resolved.items():
        docs = [(lang, documents.get(lang, documents[source])[trail_id]) for lang in LANGUAGES]
        for index, stop in enumerate(resolved.trail.stops):
            code = stop_code(trail_id, index)
            kickers = [f"{d['title']['text']} — {STOP_WORDS[lang]} {index + 1}" for lang, d in docs]
            titles = [d["stops"][index]["title"]["text"] for _, d in docs]
            headings = tuple(map(Heading, LANGUAGES, kickers, titles))
            at = snapshot.by_id.get(stop.site or "")
            target = Target("stop", site_id=stop.site, trail_id=trail_id, stop_index=index)
            where, url = f"{trail_id}/{stop.id}", f"{base}/s/{code}"
            signs.append(Sign(code, target, where, url, headings, at.commune if at else None))
    return signs


def select(snapshot: Snapshot, signs: list[Sign], only: Iterable[str]) -> list[Sign]:
    """The signs named by `--only` (a site's full id works too); unknown codes are refused
    with the nearest known ones, so a typo never silently prints nothing."""
    if not (wanted := list(only)):
        return signs
    by_target = {sign.target: sign for sign in signs}
    chosen: dict[str, Sign] = {}
    for code in wanted:
        target = resolve(snapshot.codes, code)
        sign = by_target.get(target) if target else None
        if sign is None:
            close = difflib.get_close_matches(code.strip().lower(), [s.code for s in signs], n=3)
            near = f"did you mean {', '.join(map(repr, close))}?" if close else "none is close"
            raise QrError(
                f"unknown code {code!r}; {near}",
                "codes are site element numbers (8m) and <trail-id>-<stop number>; "
                "run without --only to write them all and see index.csv",
            )
        chosen[sign.code] = sign
    return [sign for sign in signs if sign.code in chosen]
