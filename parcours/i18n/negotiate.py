"""Pick the response language: `?lang=` first, then `Accept-Language`, then French.

Babel negotiates but does not parse the header, so parsing (q-values, `*`, junk) is ours.
A malformed header never raises: it simply does not express a preference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel import negotiate_locale

# RFC 4647 language range: alpha 1-8, then subtags of alphanum 1-8; or "*".
_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_Q = re.compile(r"^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$", re.IGNORECASE)
MAX_HEADER_LENGTH = 1024
MAX_RANGES = 32


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first; junk entries are dropped."""
    if not header or len(header) > MAX_HEADER_LENGTH:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_RANGES]):
        parts = [part.strip() for part in item.split(";")]
        tag = parts[0]
        if not tag or not _RANGE.match(tag):
            continue
        quality = 1.0
        for param in parts[1:]:
            match = _Q.match(param.replace(" ", ""))
            if match is None:
                quality = -1.0
                break
            quality = float(match.group(1))
        if quality <= 0 or tag == "*":
            continue
        ranked.append((-quality, position, tag))
    ranked.sort()
    return [tag for _, _, tag in ranked]


def negotiate_language(header: str | None, available: Sequence[str], default: str) -> str:
    """Best of `available` (bare language codes) for the header; `default` when none fits."""
    preferred = parse_accept_language(header)
    if not preferred:
        return default
    chosen = negotiate_locale(preferred, list(available), sep="-", aliases={})
    if chosen is None:
        return default
    lowered = {lang.lower(): lang for lang in available}
    return lowered.get(chosen.lower(), lowered.get(chosen.split("-")[0].lower(), default))


_LANG_PARAM = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def normalize_language_param(value: str, accepted: Sequence[str]) -> str | None:
    """`?lang=` value -> an accepted language code, trimming region subtags (nl-BE -> nl).

    None when the value names no accepted language.
    """
    value = value.strip()
    if not _LANG_PARAM.match(value):
        return None
    parts = re.split(r"[-_]", value.lower())
    accepted_lower = {lang.lower(): lang for lang in accepted}
    while parts:
        candidate = "-".join(parts)
        if candidate in accepted_lower:
            return accepted_lower[candidate]
        parts.pop()
    return None
