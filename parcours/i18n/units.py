"""What in the catalogue is translatable, and under which gettext context.

One definition serves both the Babel extractor (which needs lines) and the server (which
looks translations up), so the two can never disagree on a message's identity. The msgid is
the French text itself: when a curator changes it, the old translation no longer matches and
is reported stale instead of being served as current.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from parcours.yamldoc import PathPart

#: Per-site fields whose French text is translated, with the note translators see.
SITE_FIELDS: dict[str, str] = {
    "name": "Official French name of the site. Keep it as it is unless a name is really "
    "established in your language.",
    "summary": "One or two sentences, under 200 characters.",
    "description": "80 to 250 words, paragraphs separated by a blank line.",
}
SUBTYPE_CONTEXT = "subtype"


def site_context(site_id: str, field: str) -> str:
    return f"site/{site_id}/{field}"


@dataclass(frozen=True)
class Unit:
    """One translatable text: gettext context, French source and where it stands."""

    context: str
    source: str
    path: tuple[PathPart, ...]
    comment: str


def catalogue_units(data: Mapping[str, Any]) -> Iterator[Unit]:
    """Translatable texts of a parsed site_catalog.yaml (plain data), in file order."""
    sites = data.get("sites") if isinstance(data, Mapping) else None
    if not isinstance(sites, list):
        return
    for index, site in enumerate(sites):
        if not isinstance(site, Mapping) or not isinstance(site.get("id"), str):
            continue
        for field, comment in SITE_FIELDS.items():
            text = site.get(field)
            if isinstance(text, str) and text.strip():
                yield Unit(
                    site_context(site["id"], field), text.strip(), ("sites", index, field), comment
                )
        subtype = site.get("subtype")
        if isinstance(subtype, str) and subtype.strip():
            yield Unit(
                SUBTYPE_CONTEXT,
                subtype.strip(),
                ("sites", index, "subtype"),
                "Finer form of a site type (shared by every site of that form).",
            )


ASSET_FIELDS: dict[str, str] = {
    "title": "Title of a 3D model, a few words.",
    "description": "Plain-language description of the 3D model.",
    "alt": "Alternative text: one sentence saying what is visible in the model.",
}


def asset_units(data: Mapping[str, Any]) -> Iterator[Unit]:
    """Translatable texts of a parsed assets/<id>/asset.yaml (plain data)."""
    ident = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(ident, str):
        return
    for field, comment in ASSET_FIELDS.items():
        text = data.get(field)
        if isinstance(text, str) and text.strip():
            yield Unit(f"asset/{ident}/{field}", text.strip(), (field,), comment)
    spots = data.get("hotspots")
    for index, spot in enumerate(spots if isinstance(spots, list) else []):
        if not isinstance(spot, Mapping) or not isinstance(spot.get("id"), str):
            continue
        for field, comment in (
            ("label", "Hotspot label on the model: a few words."),
            ("text", "Text shown when the visitor opens the hotspot."),
        ):
            text = spot.get(field)
            if isinstance(text, str) and text.strip():
                yield Unit(
                    f"asset/{ident}/hotspot/{spot['id']}/{field}",
                    text.strip(),
                    ("hotspots", index, field),
                    comment,
                )


def _trail_path(data: Mapping[str, Any], suffix: str) -> tuple[PathPart, ...]:
    """Where a trail text stands in the YAML, for the extractor's line numbers."""
    parts = suffix.split("/")
    if parts[0] != "stop":
        return tuple(parts)
    stops = data.get("stops") or []
    index = next(
        (i for i, s in enumerate(stops) if isinstance(s, Mapping) and s.get("id") == parts[1]), 0
    )
    rest = parts[2:]
    if rest == ["place"]:
        return ("stops", index, "place", "name")
    if rest[0] == "image":
        return ("stops", index, "images", int(rest[1]), "alt")
    if rest[0] == "layer":
        layers = stops[index].get("layers") or []
        position = next((i for i, layer in enumerate(layers) if layer.get("id") == rest[1]), 0)
        return ("stops", index, "layers", position, *rest[2:3])
    return ("stops", index, rest[0])


def trail_units(data: Mapping[str, Any]) -> Iterator[Unit]:
    """Translatable texts of a parsed tours/<id>.yaml (a file that does not validate has none)."""
    from pydantic import ValidationError

    from parcours.trails import Trail, trail_context

    try:
        trail = Trail.model_validate(data)
    except ValidationError:
        return
    for suffix, text in trail.translatable.items():
        yield Unit(
            trail_context(trail.id, suffix),
            text.strip(),
            _trail_path(data, suffix),
            "Trail text (see CONTENT.md: stops under 150 words).",
        )
