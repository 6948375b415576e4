"""Babel extractor for our YAML content files.

Registered as the `parcours_catalogue` extraction method (entry point) and usable in a
mapping file as `[parcours.i18n.extract:extract_catalogue: site_catalog.yaml]`, so that
`pybabel extract -F babel-content.cfg` builds locales/content.pot like any other project.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from ruamel.yaml import YAML

from parcours.i18n.units import asset_units, catalogue_units, trail_units
from parcours.yamldoc import YamlDocument, plain

ExtractResult = tuple[int, str, tuple[str, str], list[str]]


def extract_catalogue(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractResult]:
    """Yield (line, 'pgettext', (context, French text), [translator comment]) per unit."""
    encoding = str(options.get("encoding", "utf-8"))
    tree = YAML(typ="rt").load(fileobj.read().decode(encoding))
    doc = YamlDocument(getattr(fileobj, "name", "<yaml>"), plain(tree), tree=tree)
    if not isinstance(doc.data, dict):
        return
    # One extractor for every content file: the catalogue has 'sites', an asset a 'model',
    # a trail 'stops'.
    if "stops" in doc.data:
        units = trail_units(doc.data)
    elif "model" in doc.data:
        units = asset_units(doc.data)
    else:
        units = catalogue_units(doc.data)
    for unit in units:
        yield doc.line_of(unit.path) or 0, "pgettext", (unit.context, unit.source), [unit.comment]


def extract_vocabulary(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractResult]:
    """Yield the closed vocabulary of site types (defined in parcours/model.py) as messages.

    The labels are interface strings with the context 'type de site'; extracting them from
    the tuple that defines them keeps one list of types in the code base.
    """
    from parcours.documents import TYPE_CONTEXT
    from parcours.model import SITE_TYPES

    lines = fileobj.read().decode("utf-8").splitlines()
    for site_type in SITE_TYPES:
        quoted = f'"{site_type}",'
        lineno = next((n for n, line in enumerate(lines, 1) if line.strip() == quoted), 0)
        yield (
            lineno,
            "pgettext",
            (TYPE_CONTEXT, site_type),
            [
                "Site type label shown to visitors; lower case unless your language"
                " capitalizes nouns."
            ],
        )
