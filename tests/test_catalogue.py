"""The bundled catalogue is complete and faithful; broken catalogues are fully reported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from parcours.catalogue import load_catalogue
from parcours.errors import CatalogueInvalid
from parcours.model import SITE_TYPES
from parcours.settings import Settings
from tests.conftest import SHARED, replace_in

SHARED_SITES = SHARED / "data" / "caph_unesco_sites.yaml"


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogueInvalid) as info:
        load_catalogue(Settings(root=root))
    return [str(p) for p in info.value.problems]


def test_bundled_catalogue_has_the_53_elements(settings: Settings) -> None:
    catalogue = load_catalogue(settings)
    assert len(catalogue.sites) == 53
    assert len({s.id for s in catalogue.sites}) == 53
    assert len({s.unesco.element for s in catalogue.sites}) == 53
    assert {s.type for s in catalogue.sites} <= set(SITE_TYPES)


@pytest.mark.skipif(not SHARED_SITES.exists(), reason="shared data not beside the project")
def test_catalogue_matches_the_official_element_data(settings: Settings) -> None:
    """Ids, codes, types, communes and coordinates are the dataset's, unchanged."""
    reference = {r["id"]: r for r in yaml.safe_load(SHARED_SITES.read_text(encoding="utf-8"))}
    catalogue = load_catalogue(settings)
    assert {s.id for s in catalogue.sites} == set(reference)
    for site in catalogue.sites:
        ref = reference[site.id]
        assert site.name == ref["name_fr"]
        assert site.unesco.element == ref["unesco_ref"]
        assert site.unesco.component == ref["component"]
        assert site.type == ref["type"]
        assert site.subtype == ref["subtype"]
        assert site.commune == ref["commune"]
        assert site.communes == ref["communes"]
        assert (site.location.lat, site.location.lon) == (ref["lat"], ref["lon"])
        assert site.sources


def test_every_problem_is_reported_at_once_with_line_and_path(content_root: Path) -> None:
    catalogue = content_root / "site_catalog.yaml"
    replace_in(
        catalogue,
        "    location: {lat: 50.42037, lon: 3.55566}",
        "    location: {lat: 50.42037, lon: 3.55566}\n    locaton: oops",
    )
    replace_in(catalogue, "type: terril", "type: teril")
    replace_in(catalogue, "lat: 50.41637", 'lat: "50.41637"')
    replace_in(catalogue, "- id: caph-8o-cite-brunehaut", "- id: caph-8n-cite-lagrange")
    replace_in(catalogue, "lat: 50.41466, lon: 3.5596", "lat: 48.85, lon: 2.35")
    problems = problems_of(content_root)
    text = "\n".join(problems)
    assert len(problems) >= 5, text
    assert "site_catalog.yaml:" in text
    assert "sites[0].locaton: unknown key 'locaton'" in text
    assert "did you mean 'location'?" in text
    assert "unknown type 'teril'" in text and "did you mean 'terril'?" in text
    assert "sites[1].location.lat" in text
    assert "duplicate id 'caph-8n-cite-lagrange'" in text
    assert "outside La Porte du Hainaut" in text


def test_problem_lines_point_at_the_curators_line(content_root: Path) -> None:
    catalogue = content_root / "site_catalog.yaml"
    replace_in(catalogue, "type: terril", "type: teril")
    lines = catalogue.read_text(encoding="utf-8").splitlines()
    expected = next(i for i, line in enumerate(lines, 1) if "type: teril" in line)
    with pytest.raises(CatalogueInvalid) as info:
        load_catalogue(Settings(root=content_root))
    (problem,) = info.value.problems
    assert problem.line == expected
    assert problem.path.endswith(".type")
    assert problem.hint and "terril" in problem.hint


def test_swapped_coordinates_get_a_hint(content_root: Path) -> None:
    replace_in(
        content_root / "site_catalog.yaml",
        "lat: 50.41637, lon: 3.55285",
        "lat: 3.55285, lon: 50.41637",
    )
    text = "\n".join(problems_of(content_root))
    assert "look swapped" in text


def test_missing_key_and_wrong_type(content_root: Path) -> None:
    catalogue = content_root / "site_catalog.yaml"
    replace_in(catalogue, "    commune: Raismes\n", "", 1)
    replace_in(catalogue, "component: 13", "component: treize")
    text = "\n".join(problems_of(content_root))
    assert "commune: Field required" in text and "add the key 'commune'" in text
    assert ".unesco.component" in text


def test_yaml_syntax_error_is_located(content_root: Path) -> None:
    replace_in(
        content_root / "site_catalog.yaml",
        "  - id: caph-8n-cite-lagrange",
        "  - id: [caph-8n-cite-lagrange",
    )
    (problem,) = problems_of(content_root)
    assert "YAML syntax error" in problem
    assert "site_catalog.yaml:" in problem


def test_duplicate_key_is_reported(content_root: Path) -> None:
    replace_in(
        content_root / "site_catalog.yaml",
        "    commune: Raismes\n",
        "    commune: Raismes\n    commune: Wallers\n",
    )
    (problem,) = problems_of(content_root)
    assert "duplicate key" in problem


def test_element_must_belong_to_its_component(content_root: Path) -> None:
    replace_in(content_root / "site_catalog.yaml", "element: 8N", "element: 9N")
    text = "\n".join(problems_of(content_root))
    assert "does not belong to component 8" in text


def test_oversized_file_is_refused(content_root: Path) -> None:
    with pytest.raises(CatalogueInvalid) as info:
        load_catalogue(Settings(root=content_root, max_yaml_bytes=1000))
    assert "over the limit" in str(info.value.problems[0])


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path)
    assert "cannot read the file" in problem
