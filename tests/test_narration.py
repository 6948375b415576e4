"""Spoken narration of stops: real synthetic voice, captions timed by sentence, in packs."""

from __future__ import annotations

import re

import pytest

from parcours import narration

pytestmark = pytest.mark.skipif(not narration.available(), reason="espeak-ng not installed")


def test_sentences_are_split_for_captions() -> None:
    text = "Terril conique. Il fut formé de 1836 à 1948 ! « La citadelle » ?\nFin."
    assert narration.sentences(text) == [
        "Terril conique.",
        "Il fut formé de 1836 à 1948 !",
        "« La citadelle » ?",
        "Fin.",
    ]


@pytest.mark.parametrize("lang", ["fr", "en", "nl", "de"])
def test_narration_is_audio_with_timed_captions(lang: str) -> None:
    spoken = narration.narrate("Première phrase. Deuxième phrase, un peu plus longue.", lang)
    assert spoken.mp3[:3] == b"ID3" or spoken.mp3[0] == 0xFF  # an MP3 stream
    assert 2 < spoken.seconds < 20
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})", spoken.vtt)
    assert spoken.vtt.startswith("WEBVTT") and len(cues) == 2
    assert cues[0][1] <= cues[1][0]  # cues in order, not overlapping


def test_same_text_same_key() -> None:
    assert narration.narration_key("Bonjour.", "fr") == narration.narration_key("Bonjour.", "fr")
    assert narration.narration_key("Bonjour.", "fr") != narration.narration_key("Bonjour.", "en")
