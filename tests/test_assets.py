"""The bundled assets: one schematic model per site, valid, described, translated."""

from __future__ import annotations

from pathlib import Path

import pytest

from parcours.assets import discover_assets
from parcours.errors import CatalogueInvalid
from parcours.gltf.validate import validate_file
from parcours.settings import Settings
from parcours.snapshot import Snapshot, build_snapshot
from tests.conftest import replace_in


def test_every_site_has_a_described_schematic_model(snapshot: Snapshot) -> None:
    covered = {site for asset in snapshot.assets.values() for site in asset.sites}
    assert covered == set(snapshot.by_id)
    for asset in snapshot.assets.values():
        assert asset.schematic and "schématique" in asset.credits
        assert "schématique" in asset.alt
        assert len(asset.hotspots) >= 2, asset.id
        # Placed models have a geo-anchor; only the interior of Mousseron's office has none.
        assert asset.geo_anchor is not None or asset.id == "bureau-jules-mousseron"


@pytest.mark.parametrize("lang", ["en", "nl", "de"])
def test_asset_texts_are_translated(snapshot: Snapshot, lang: str) -> None:
    for asset in snapshot.assets.values():
        texts = snapshot.asset_texts[lang][asset.id]
        assert texts.alt.lang == lang and texts.title.lang == lang, asset.id
        for label, text in texts.hotspots.values():
            assert text.lang == lang, asset.id
            assert label.lang in {lang, "fr"}  # a label may be an official French name


def test_every_bundled_model_passes_the_validators(settings: Settings) -> None:
    """Gate and Khronos glTF-Validator: no error (and no warning) on any of the 53."""
    found, problems = discover_assets(settings)
    assert not problems and len(found) == 56  # 53 sites and 3 trail scenes
    for asset, folder in found:
        report = validate_file(folder / asset.model)
        assert report.ok and report.count(1) == 0, report.summary()


def test_unknown_site_in_an_asset_is_reported(content_root: Path) -> None:
    replace_in(
        content_root / "assets/caph-17-fosse-mathilde/asset.yaml",
        "  - caph-17-fosse-mathilde",
        "  - caph-17-fosse-matilde",
    )
    with pytest.raises(CatalogueInvalid) as info:
        build_snapshot(Settings(root=content_root))
    (problem,) = info.value.problems
    assert "assets/caph-17-fosse-mathilde/asset.yaml" in str(problem)
    assert "unknown site 'caph-17-fosse-matilde'" in str(problem)
    assert "did you mean 'caph-17-fosse-mathilde'" in str(problem)
