"""Spoken narration of trail stops, per language, with WebVTT captions timed by sentence.

A synthetic voice (eSpeak NG, a Debian package) reads each stop's title and text, sentence by
sentence, so that the captions' cues are exact. The audio is MP3 (lameenc), mono, small enough
for weak networks. The transcript is the text itself; every narration says it is synthetic.
Built by `parcours build`; without espeak-ng the build says so and serves no audio.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass

VOICES = {"fr": "fr", "en": "en-gb", "nl": "nl", "de": "de"}
RATE_WPM = 150
SAMPLE_RATE = 22050
PAUSE_S = 0.45
NARRATION_VERSION = "1"
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ«\"“‘(0-9])")


class NarrationUnavailable(Exception):
    """espeak-ng is not installed, or failed."""


@dataclass(frozen=True)
class Narration:
    mp3: bytes
    vtt: str
    seconds: float
    voice: str


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in text.split("\n"):
        out += [s.strip() for s in _SENTENCE.split(paragraph) if s.strip()]
    return out


def _speak(sentence: str, voice: str) -> bytes:
    """16-bit mono PCM at 22,050 Hz (espeak-ng's WAV without its streaming header)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise NarrationUnavailable("espeak-ng is not installed (Debian package espeak-ng)")
    result = subprocess.run(
        [espeak, "-v", voice, "-s", str(RATE_WPM), "--stdout", sentence],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0 or len(result.stdout) < 44:
        raise NarrationUnavailable(f"espeak-ng failed: {result.stderr.decode()[:200]}")
    return result.stdout[44:]


def _timestamp(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def narrate(text: str, lang: str) -> Narration:
    """Speak `text` in `lang` (fr, en, nl, de); captions cue each sentence."""
    import lameenc

    voice = VOICES.get(lang)
    if voice is None:
        raise NarrationUnavailable(f"no voice for language '{lang}'")
    silence = b"\x00\x00" * int(SAMPLE_RATE * PAUSE_S)
    pcm = bytearray()
    cues = ["WEBVTT", ""]
    for index, sentence in enumerate(sentences(text), 1):
        start = len(pcm) / 2 / SAMPLE_RATE
        pcm += _speak(sentence, voice)
        end = len(pcm) / 2 / SAMPLE_RATE
        cues += [str(index), f"{_timestamp(start)} --> {_timestamp(end)}", sentence, ""]
        pcm += silence
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(2)
    mp3 = bytes(encoder.encode(bytes(pcm)) + encoder.flush())
    return Narration(mp3, "\n".join(cues), round(len(pcm) / 2 / SAMPLE_RATE, 2), voice)


def narration_key(text: str, lang: str) -> str:
    """What a narration depends on: the text, the voice and this module's version."""
    source = f"{NARRATION_VERSION}|{VOICES.get(lang)}|{RATE_WPM}|{text}"
    return hashlib.sha256(source.encode()).hexdigest()
