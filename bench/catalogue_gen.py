"""Synthetic catalogues for the growth benchmark: N places inside the area, same schema.

Each place is a valid site record: a unique id, a real commune of La Porte du Hainaut, a type
from the vocabulary, a UNESCO component and element code, a point drawn uniformly inside the
area's bounding box (seeded, so every run writes the same file), short French texts. Only
`site_catalog.yaml` is written: no trails, assets or translations.

The schema allows element codes of a component number (1-109) followed by at most three capital
letters, and no code twice: 109 x 18,279 = 1,992,411 distinct places at most
(`MAX_DISTINCT_ELEMENTS`), so every generated catalogue validates.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Iterator
from pathlib import Path

from parcours.model import SITE_TYPES
from parcours.settings import PORTE_DU_HAINAUT_BBOX

COMMUNES = (
    "Denain",
    "Raismes",
    "Wallers",
    "Escautpont",
    "Bruay-sur-l'Escaut",
    "Haveluy",
    "Hérin",
    "Oisy",
    "Escaudain",
    "Lourches",
    "Douchy-les-Mines",
    "Abscon",
    "Saint-Amand-les-Eaux",
    "Trith-Saint-Léger",
)
LETTERS = [
    "",
    *string.ascii_uppercase,
    *("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2)),
    *("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=3)),
]
MAX_DISTINCT_ELEMENTS = 109 * len(LETTERS)
DESCRIPTION = (
    "Lieu synthétique du banc d'essai de croissance. "
    + "Ce texte tient la place d'une description de quatre-vingts mots au moins, " * 8
).strip()


def element_codes() -> Iterator[tuple[int, str]]:
    """(component, element) pairs, all distinct, the shortest codes first."""
    for letters in LETTERS:
        for component in range(1, 110):
            yield component, f"{component}{letters}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def catalogue_yaml(count: int, seed: int = 20261123) -> str:
    """The text of a site_catalog.yaml with `count` synthetic places."""
    if count > MAX_DISTINCT_ELEMENTS:
        raise ValueError(f"at most {MAX_DISTINCT_ELEMENTS:,} places have distinct element codes")
    rng = random.Random(seed)
    west, south, east, north = PORTE_DU_HAINAUT_BBOX
    # Keep the 2 km margin of the area box free, as real sites are.
    west, south, east, north = west + 0.03, south + 0.02, east - 0.03, north - 0.02
    lines = [
        "catalogue:",
        "  title: Catalogue synthétique (banc d'essai)",
        "  publisher: parcours bench",
        "  licence: Licence Ouverte 2.0 (Etalab)",
        "  licence_url: https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "  attribution: Données synthétiques.",
        "sites:",
    ]
    codes = element_codes()
    for number in range(1, count + 1):
        component, element = next(codes)
        commune = rng.choice(COMMUNES)
        site_type = rng.choice(SITE_TYPES)
        lat = round(rng.uniform(south, north), 6)
        lon = round(rng.uniform(west, east), 6)
        lines += [
            f"  - id: lieu-{number:06d}",
            f"    name: {_quote(f'Lieu n° {number}')}",
            f"    commune: {_quote(commune)}",
            f"    communes: [{_quote(commune)}]",
            f"    type: {_quote(site_type)}",
            "    unesco:",
            "      property: 1360",
            f"      component: {component}",
            f"      component_name: {_quote(f'Composante {component}')}",
            f"      element: {_quote(element)}",
            f"    location: {{lat: {lat}, lon: {lon}}}",
            f"    summary: {_quote(f'Lieu synthétique n° {number} à {commune}.')}",
            f"    description: {_quote(DESCRIPTION)}",
            "    sources: [parcours bench/catalogue_gen.py]",
        ]
    return "\n".join(lines) + "\n"


def write_catalogue(root: Path, count: int) -> int:
    """Write `root/site_catalog.yaml`; its size in bytes."""
    root.mkdir(parents=True, exist_ok=True)
    text = catalogue_yaml(count)
    path = root / "site_catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path.stat().st_size
