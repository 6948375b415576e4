"""Typed records of the catalogue, and the JSON Schema curators' editors check against.

The models describe the French source as curators write it in `site_catalog.yaml`.
Translations never live here: they come from gettext catalogues (see parcours.i18n).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: The closed vocabulary of element types of the UNESCO property (from the Mission Bassin
#: Minier inventory), as curators write them, in French.
SiteType = Literal[
    "cité minière",
    "fosse",
    "chevalement",
    "terril",
    "cavalier",
    "étang d'affaissement",
    "église",
    "presbytère",
    "école",
    "salle des fêtes",
    "équipement de santé",
    "maison d'ingénieur",
    "monument commémoratif",
]
SITE_TYPES: tuple[str, ...] = get_args(SiteType)


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated form: 'Étang d'affaissement' -> 'etang-d-affaissement'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = []
    for char in folded.lower():
        out.append(char if char.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


#: Type slug for URLs and filters -> French type.
TYPE_BY_SLUG: dict[str, str] = {slugify(t): t for t in SITE_TYPES}

SiteId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=2, max_length=80),
    Field(description="Stable identifier used in URLs: lower-case letters, digits and hyphens."),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Location(_Record):
    """WGS84 point, decimal degrees."""

    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84 decimal degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84 decimal degrees.")


class UnescoRef(_Record):
    """Where the element sits in the UNESCO World Heritage property."""

    property: int = Field(
        1360, description="WHC property id (1360: Nord-Pas de Calais Mining Basin)."
    )
    component: int = Field(ge=1, le=109, description="Component number of the nomination (1-109).")
    component_name: NonEmpty = Field(description="Official French name of the component.")
    element: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}[A-Z]{0,3}$")] = Field(
        description="Element code of the nomination file, e.g. '15A': the component number "
        "and up to three letters."
    )


class Site(_Record):
    """One listed element, with its French texts and its sources."""

    id: SiteId
    name: NonEmpty = Field(description="Official French name; kept in every language.")
    commune: NonEmpty = Field(description="Main commune of La Porte du Hainaut.")
    communes: list[NonEmpty] = Field(min_length=1, description="Every commune the element touches.")
    type: SiteType = Field(description="Element type, from the closed vocabulary.")
    subtype: NonEmpty | None = Field(None, description="Finer form, in French (e.g. 'corons').")
    unesco: UnescoRef
    location: Location
    summary: NonEmpty = Field(description="French summary, one or two sentences.")
    description: NonEmpty = Field(description="French description, 80 to 250 words.")
    sources: list[NonEmpty] = Field(min_length=1, description="Where the facts come from.")
    status: Literal["published", "draft"] = Field(
        "published",
        description="A draft is shown to signed-in staff only (preview), never to visitors.",
    )

    @property
    def type_slug(self) -> str:
        return slugify(self.type)


class CatalogueInfo(_Record):
    """Who publishes the catalogue and under which licence."""

    title: NonEmpty
    publisher: NonEmpty
    licence: NonEmpty
    licence_url: NonEmpty
    attribution: NonEmpty


class Catalogue(_Record):
    """The whole `site_catalog.yaml` file."""

    catalogue: CatalogueInfo
    sites: list[Site] = Field(min_length=1)


#: Summaries longer than this read badly on a phone (see CONTENT.md).
SUMMARY_MAX_CHARS = 200


def catalogue_json_schema() -> dict[str, Any]:
    """JSON Schema of site_catalog.yaml, generated from the models."""
    from parcours.schemas import json_schema

    return json_schema("site_catalog.json")
