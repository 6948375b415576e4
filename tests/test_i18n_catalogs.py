"""Content translations: complete for en/nl/de, stale ones never served, fallback to French."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from parcours.i18n.catalogs import load_translations
from parcours.i18n.units import site_context
from parcours.settings import Settings
from parcours.snapshot import Snapshot, build_snapshot
from tests.conftest import edit_site

RENARD = "caph-18-terril-renard-n-162"


def test_content_and_interface_complete_in_en_nl_de(snapshot: Snapshot) -> None:
    import json

    doc = json.loads(snapshot.representations["languages"].body)
    by_code = {lang["code"]: lang for lang in doc["languages"]}
    for code in ("en", "nl", "de"):
        assert by_code[code]["content"]["completeness"] == 1.0, by_code[code]
        assert by_code[code]["interface"]["completeness"] == 1.0, by_code[code]
        assert by_code[code]["negotiable"]
    assert by_code["fr"]["source"]
    assert by_code["pcd"]["fallback"] == ["fr"]
    assert not by_code["pcd"]["negotiable"]


def test_every_site_text_is_served_in_its_language(snapshot: Snapshot) -> None:
    for lang in ("en", "nl", "de"):
        for site in snapshot.sites:
            texts = snapshot.texts[lang][site.id]
            assert texts.summary.lang == lang, (site.id, lang)
            assert texts.description.lang == lang, (site.id, lang)
            assert texts.summary.text != site.summary
            assert texts.type_label.lang == lang


WORDS = re.compile(r"\w+(?:[-'’]\w+)*")


@pytest.mark.parametrize("lang", ["fr", "en", "nl", "de"])
def test_texts_follow_the_writing_rules(snapshot: Snapshot, lang: str) -> None:
    """CONTENT.md: summary under 200 characters, description 80 to 250 words, plain text."""
    for site in snapshot.sites:
        texts = snapshot.texts[lang][site.id]
        assert len(texts.summary.text) < 200, (site.id, lang, len(texts.summary.text))
        words = len(WORDS.findall(texts.description.text))
        assert 80 <= words <= 250, (site.id, lang, words)
        for text in (texts.summary.text, texts.description.text):
            assert not re.search(r"[*#<>_`]", text), (site.id, lang)


def test_picard_falls_back_to_french(snapshot: Snapshot) -> None:
    texts = snapshot.texts["pcd"][RENARD]
    site = snapshot.by_id[RENARD]
    assert (texts.summary.text, texts.summary.lang) == (site.summary, "fr")


def test_changed_french_text_makes_translation_stale(content_root: Path) -> None:
    """A curator edits the French summary: the English one is stale and not served."""
    settings = Settings(root=content_root)
    before = build_snapshot(settings)
    old = before.by_id[RENARD].summary
    edit_site(content_root, RENARD, "summary", "Grand " + old[0].lower() + old[1:])
    after = build_snapshot(settings)
    site = after.by_id[RENARD]
    assert site.summary != old
    texts = after.texts["en"][RENARD]
    assert texts.summary.lang == "fr" and texts.summary.text == site.summary
    assert texts.description.lang == "en"  # untouched fields stay translated
    status = after.translations.content_status(site_context(RENARD, "summary"), site.summary, "en")
    assert status == "stale"


def test_update_marks_stale_as_fuzzy_and_fuzzy_is_not_served(content_root: Path) -> None:
    """After `parcours i18n extract` + `update`, the changed text is fuzzy; still not served."""
    settings = Settings(root=content_root)
    old = build_snapshot(settings).by_id[RENARD].summary
    new = old.replace("conique", "conique et boisé", 1)
    assert new != old
    edit_site(content_root, RENARD, "summary", new)
    for action in ("extract", "update"):
        subprocess.run(
            [sys.executable, "-m", "parcours.cli", "i18n", action, "--root", str(content_root)],
            check=True,
            capture_output=True,
        )
    with (content_root / "locales/en/LC_MESSAGES/content.po").open("rb") as handle:
        catalog = read_po(handle)
    entry = next(m for m in catalog if m.context == site_context(RENARD, "summary"))
    assert entry.fuzzy and entry.id == new
    snap = build_snapshot(settings)
    assert snap.texts["en"][RENARD].summary.lang == "fr"
    assert snap.translations.content_status(site_context(RENARD, "summary"), new, "en") == "stale"


def test_missing_language_folder_still_serves_french(tmp_path: Path) -> None:
    translations = load_translations(tmp_path / "nowhere", "fr", ("pl",), {})
    assert translations.languages.negotiable == ("fr",)
    assert translations.text("x", "Bonjour", "pl").lang == "fr"


def test_broken_po_file_is_reported(content_root: Path) -> None:
    from parcours.errors import CatalogueInvalid

    po = content_root / "locales/de/LC_MESSAGES/content.po"
    po.write_text(po.read_text(encoding="utf-8") + "\ngarbage line\n", encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as info:
        build_snapshot(Settings(root=content_root))
    assert "locales/de/LC_MESSAGES/content.po" in str(info.value.problems[0])


def test_fallback_chain_from_settings(content_root: Path) -> None:
    settings = Settings(root=content_root, fallbacks={"pcd": ("fr",), "it": ("en",)})
    snap = build_snapshot(settings)
    assert snap.texts["it"][RENARD].summary.lang == "en"
