"""The response language of a request: `?lang=` beats Accept-Language; French otherwise."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from parcours.errors import BadParameter
from parcours.i18n.negotiate import negotiate_language, normalize_language_param
from parcours.snapshot import Snapshot


def request_language(request: Request, snapshot: Snapshot) -> str:
    langs = snapshot.translations.languages
    explicit = request.query_params.get("lang")
    if explicit is not None:
        chosen = normalize_language_param(explicit, langs.accepted)
        if chosen is None:
            raise BadParameter(
                "lang", f"unsupported language '{explicit[:20]}'", supported=list(langs.accepted)
            )
        return chosen
    return negotiate_language(
        request.headers.get("accept-language"), langs.negotiable, langs.source
    )


#: The language a visitor picked on a page, remembered for their next visit (one year).
LANG_COOKIE = "parcours_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600


def page_language(request: Request, snapshot: Snapshot) -> str:
    """For pages and short links: `?lang=`, then the remembered choice, then Accept-Language."""
    if request.query_params.get("lang") is None:
        remembered = request.cookies.get(LANG_COOKIE)
        if remembered:
            chosen = normalize_language_param(
                remembered[:20], snapshot.translations.languages.accepted
            )
            if chosen is not None:
                return chosen
    return request_language(request, snapshot)


def remember_language(request: Request, response: Response, lang: str) -> Response:
    """Keep an explicit `?lang=` choice in a cookie (first-party, not readable cross-site)."""
    if request.query_params.get("lang") is not None and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, path="/", samesite="lax", httponly=False
        )
    return response
