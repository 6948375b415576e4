"""Read `site_catalog.yaml` into typed records, reporting every problem at once.

`parcours check` and the server start-up both call `load_catalogue`, so a curator sees the
same messages (file, line, path, hint) wherever the catalogue is read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from parcours.errors import CatalogueInvalid, Problem
from parcours.model import SITE_TYPES, SUMMARY_MAX_CHARS, Catalogue, Site
from parcours.settings import Settings
from parcours.yamldoc import PathPart, YamlDocument, load_yaml

_TYPE_HINT = "allowed types: " + ", ".join(SITE_TYPES)


def _fields_at(model: type[BaseModel], parts: tuple[PathPart, ...]) -> list[str]:
    """Field names of the model found at a path, for did-you-mean hints."""
    current: Any = model
    for part in parts:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if current is None:
            return []
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _hint_for(error: Any, loc: tuple[PathPart, ...], value: Any) -> str | None:
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _fields_at(Catalogue, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'? known keys here: {', '.join(known)}"
        return f"known keys here: {', '.join(known)}" if known else "remove this key"
    if kind == "literal_error" and loc and loc[-1] == "type":
        close = difflib.get_close_matches(str(value), SITE_TYPES, n=1, cutoff=0.5)
        return (f"did you mean '{close[0]}'? " if close else "") + _TYPE_HINT
    if kind == "missing":
        return f"add the key '{loc[-1]}'"
    if kind in {"float_type", "int_type", "float_parsing"}:
        return "write a number without quotes, e.g. 50.38449"
    if kind == "string_type":
        return "write text here (quote it if it looks like a number or a date)"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return "use lower-case letters, digits and hyphens, e.g. 'caph-15a-fosse-d-arenberg'"
    if kind in {"greater_than_equal", "less_than_equal"} and loc and loc[-1] in {"lat", "lon"}:
        return "latitude is between -90 and 90, longitude between -180 and 180; are they swapped?"
    return None


def _schema_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        value = error.get("input")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
        elif error["type"] == "literal_error" and loc and loc[-1] == "type":
            message = f"unknown type '{value}'"
        problems.append(doc.problem(loc, message, _hint_for(error, loc, value), error["type"]))
    return problems


def _site_problems(
    doc: YamlDocument, sites: Iterable[tuple[int, Site]], settings: Settings
) -> list[Problem]:
    """Checks that span records or need the area: ids, coordinates, lengths."""
    problems: list[Problem] = []
    element_index: dict[str, int] = {}
    min_lon, min_lat, max_lon, max_lat = settings.area_bbox
    for index, site in sites:
        where: tuple[PathPart, ...] = ("sites", index)
        element = site.unesco.element
        if element in element_index:
            problems.append(
                doc.problem(
                    (*where, "unesco", "element"),
                    f"UNESCO element '{element}' is listed twice",
                    f"also sites[{element_index[element]}]",
                    "duplicate_element",
                )
            )
        else:
            element_index[element] = index
        if re.fullmatch(rf"{site.unesco.component}[A-Z]*", element) is None:
            problems.append(
                doc.problem(
                    (*where, "unesco", "element"),
                    f"element '{element}' does not belong to component {site.unesco.component}",
                    "an element code is its component number followed by "
                    "letters, e.g. 15A in component 15",
                    "element_component",
                )
            )
        lat, lon = site.location.lat, site.location.lon
        if not (min_lat <= lat <= max_lat):
            problems.append(
                doc.problem(
                    (*where, "location", "lat"),
                    f"latitude {lat} is outside La Porte du Hainaut ({min_lat} to {max_lat})",
                    _swap_hint(lat, lon, settings),
                    "outside_area",
                )
            )
        if not (min_lon <= lon <= max_lon):
            problems.append(
                doc.problem(
                    (*where, "location", "lon"),
                    f"longitude {lon} is outside La Porte du Hainaut ({min_lon} to {max_lon})",
                    _swap_hint(lat, lon, settings),
                    "outside_area",
                )
            )
        if site.commune not in site.communes:
            problems.append(
                doc.problem(
                    (*where, "commune"),
                    f"main commune '{site.commune}' is not in 'communes'",
                    f"add it to communes: {', '.join(site.communes)}",
                    "commune_mismatch",
                )
            )
        if len(site.summary) > SUMMARY_MAX_CHARS:
            problems.append(
                doc.problem(
                    (*where, "summary"),
                    f"summary has {len(site.summary)} characters, over {SUMMARY_MAX_CHARS}",
                    "keep it to one or two short sentences; the description holds the rest",
                    "too_long",
                )
            )
    return problems


def _swap_hint(lat: float, lon: float, settings: Settings) -> str:
    min_lon, min_lat, max_lon, max_lat = settings.area_bbox
    if min_lat <= lon <= max_lat and min_lon <= lat <= max_lon:
        return "latitude and longitude look swapped"
    return "check the coordinates (WGS84 decimal degrees, e.g. lat 50.38449, lon 3.42582)"


def _duplicate_ids(doc: YamlDocument) -> list[Problem]:
    """Checked on the raw records, so a duplicate is found even next to an invalid record."""
    problems = []
    first_index: dict[str, int] = {}
    raw_sites = doc.data.get("sites") if isinstance(doc.data, dict) else None
    for index, raw in enumerate(raw_sites if isinstance(raw_sites, list) else []):
        ident = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in first_index:
            other = first_index[ident]
            problems.append(
                doc.problem(
                    ("sites", index, "id"),
                    f"duplicate id '{ident}'",
                    f"already used by sites[{other}] (line "
                    f"{doc.line_of(('sites', other))}); ids must be unique",
                    "duplicate_id",
                )
            )
        else:
            first_index[ident] = index
    return problems


def load_catalogue(settings: Settings) -> Catalogue:
    """Parse and validate the catalogue; raise CatalogueInvalid listing every problem."""
    path: Path = settings.catalogue_path
    doc = load_yaml(path, path.name, settings.max_yaml_bytes, settings.build_path / "cache")
    if not isinstance(doc.data, dict):
        raise CatalogueInvalid(
            [
                doc.problem(
                    (),
                    "the file must be a mapping with 'catalogue' and 'sites' keys",
                    "see the JSON Schema at /schema/site_catalog.json",
                    "not_a_mapping",
                )
            ]
        )
    try:
        catalogue = Catalogue.model_validate(doc.data)
    except ValidationError as exc:
        problems = _schema_problems(doc, exc)
        # Records that did validate still get the cross-record checks, so one run shows all.
        raw_sites = doc.data.get("sites")
        valid_sites = []
        for index, raw in enumerate(raw_sites if isinstance(raw_sites, list) else []):
            try:
                valid_sites.append((index, Site.model_validate(raw)))
            except ValidationError:
                continue
        problems += _site_problems(doc, valid_sites, settings) + _duplicate_ids(doc)
        raise CatalogueInvalid(sorted(problems, key=lambda p: (p.line or 0, p.path))) from None
    problems = _site_problems(doc, enumerate(catalogue.sites), settings) + _duplicate_ids(doc)
    if problems:
        raise CatalogueInvalid(problems)
    return catalogue
