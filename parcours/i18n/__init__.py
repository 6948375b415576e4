"""Languages: negotiation, content and interface translations, localized formatting.

French is the source language of content and interface; translations live in gettext
catalogues under locales/<lang>/LC_MESSAGES/ (domain `content` for the catalogue's texts,
`messages` for the interface), managed with Babel.
"""

from parcours.i18n.catalogs import Languages, Localized, Translations, load_translations
from parcours.i18n.negotiate import negotiate_language, parse_accept_language

__all__ = [
    "Languages",
    "Localized",
    "Translations",
    "load_translations",
    "negotiate_language",
    "parse_accept_language",
]
