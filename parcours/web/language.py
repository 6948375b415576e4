"""The response language of a request: `?lang=` beats Accept-Language; French otherwise."""

from __future__ import annotations

from starlette.requests import Request

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
