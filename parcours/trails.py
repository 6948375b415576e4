"""Trails (`tours/<trail-id>.yaml`): ordered stops on the ground, as curators write them.

French is the source language, as in the catalogue; translations come from locales/. A stop is
a catalogue site or a place of its own; it has an arrival radius, texts, images, an optional 3D
asset and optional dated layers ("1712" / "today"). Loading reports every problem with file,
line and path, like the catalogue.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from parcours.errors import CatalogueInvalid, Problem
from parcours.settings import Settings
from parcours.yamldoc import YamlDocument, load_yaml

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=1, max_length=80)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Position = Annotated[list[float], Field(min_length=2, max_length=3)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Place(_Record):
    """A stop that is not a catalogue site: its own name and point."""

    name: Text = Field(description="French name of the place.")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Image(_Record):
    file: Text = Field(description="Image file in the trail's folder tours/<trail-id>/.")
    alt: Text = Field(description="French alternative text: what is visible, one sentence.")
    credit: Text


class Layer(_Record):
    """A dated view of a stop ("1712", "today"), with its own text and media."""

    id: Slug
    label: Text = Field(description="Short French label, e.g. « 1712 » or « aujourd'hui ».")
    text: Text
    asset: Slug | None = None
    image: Image | None = None


class Stop(_Record):
    id: Slug
    site: Slug | None = Field(None, description="Catalogue site id, when the stop is a site.")
    place: Place | None = Field(None, description="The stop's own place, when it is not a site.")
    position_note: Text | None = Field(
        None, description="French note when the exact spot is not known (says where and why)."
    )
    radius_m: float = Field(40.0, gt=0, le=500, description="Arrival radius in metres.")
    title: Text | None = Field(None, description="French title; defaults to the site's name.")
    text: Text | None = Field(
        None,
        description="French: what to look at from here, then the story (under 150 words); "
        "defaults to the site's summary.",
    )
    more: Text | None = Field(None, description="French: to go further (optional, longer).")
    quote: Text | None = Field(None, description="An original text quoted (e.g. in Picard).")
    quote_lang: str | None = Field(None, description="Language of the quote, e.g. pcd.")
    quote_gloss: Text | None = Field(None, description="French gloss of the quote.")
    images: list[Image] = Field(default_factory=list)
    asset: Slug | None = Field(None, description="3D asset shown at this stop.")
    narration: bool = Field(True, description="Generate spoken narration of the text.")
    layers: list[Layer] = Field(default_factory=list)


class Accessibility(_Record):
    step_free: bool
    surfaces: Text = Field(description="French: what the ground is like.")
    notes: Text | None = None


class Trail(_Record):
    """A trail: its texts, how it is walked or cycled, and its stops in order."""

    id: Slug
    title: Text
    summary: Text
    description: Text
    theme: Text = Field(description="French theme, e.g. « histoire », « patrimoine minier ».")
    mode: Literal["walk", "bike"]
    difficulty: Literal["easy", "moderate", "hard"]
    accessibility: Accessibility
    route: dict[str, Any] | None = Field(
        None, description="GeoJSON LineString (lon, lat); without it, the stops joined in order."
    )
    route_file: Text | None = Field(None, description="A .geojson file beside the trail.")
    max_off_route_m: float = Field(
        300.0, gt=0, description="How far a stop may lie from the route."
    )
    sources: list[Text] = Field(min_length=1)
    status: Literal["published", "draft"] = Field(
        "published",
        description="A draft trail is shown to signed-in staff only (preview), never to visitors.",
    )
    stops: list[Stop] = Field(
        min_length=1,
        description="In order; one stop is a visit of one place (with its dated layers).",
    )

    @property
    def translatable(self) -> dict[str, str]:
        """Context suffix -> French text, for gettext (trail/<id>/<suffix>)."""
        out = {
            "title": self.title,
            "summary": self.summary,
            "description": self.description,
            "theme": self.theme,
            "accessibility/surfaces": self.accessibility.surfaces,
        }
        if self.accessibility.notes:
            out["accessibility/notes"] = self.accessibility.notes
        for stop in self.stops:
            prefix = f"stop/{stop.id}"
            for name in ("title", "text", "more", "position_note", "quote_gloss"):
                value = getattr(stop, name)
                if value:
                    out[f"{prefix}/{name}"] = value
            if stop.place:
                out[f"{prefix}/place"] = stop.place.name
            for index, image in enumerate(stop.images):
                out[f"{prefix}/image/{index}/alt"] = image.alt
            for layer in stop.layers:
                out[f"{prefix}/layer/{layer.id}/label"] = layer.label
                out[f"{prefix}/layer/{layer.id}/text"] = layer.text
                if layer.image:
                    out[f"{prefix}/layer/{layer.id}/image/alt"] = layer.image.alt
        return out


def trail_context(trail_id: str, suffix: str) -> str:
    return f"trail/{trail_id}/{suffix}"


def _schema_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            known = [
                "id",
                "site",
                "place",
                "position_note",
                "radius_m",
                "title",
                "text",
                "more",
                "quote",
                "quote_lang",
                "quote_gloss",
                "images",
                "asset",
                "narration",
                "layers",
                *Trail.model_fields,
            ]
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            problems.append(
                doc.problem(
                    loc,
                    f"unknown key '{loc[-1]}'",
                    f"did you mean '{close[0]}'?" if close else None,
                    "extra_forbidden",
                )
            )
        else:
            problems.append(doc.problem(loc, error["msg"], None, error["type"]))
    return problems


def load_trail(
    path: Path, settings: Settings
) -> tuple[Trail | None, YamlDocument | None, list[Problem]]:
    """One trail file -> (trail, its YAML document for later checks, problems)."""
    display = str(path.resolve().relative_to(settings.root.resolve()))
    try:
        doc = load_yaml(path, display, settings.max_yaml_bytes, settings.build_path / "cache")
    except CatalogueInvalid as exc:
        return None, None, list(exc.problems)
    try:
        trail = Trail.model_validate(doc.data)
    except ValidationError as exc:
        return None, doc, _schema_problems(doc, exc)
    problems = []
    if trail.id != path.stem:
        problems.append(
            doc.problem(
                ("id",),
                f"id '{trail.id}' differs from the file name '{path.stem}'",
                "rename one of them",
                "trail_id",
            )
        )
    return trail, doc, problems
