"""Where a visitor stands on a trail: at a stop, on the way to the next one, or off the trail.

A stop is reached inside its arrival radius widened by the position's accuracy (capped: a
fix of several hundred metres cannot say which stop one stands at). Far from the route, the
answer says so, with the way back to it, instead of guessing a next stop.
"""

from __future__ import annotations

from typing import Any

from parcours import geo
from parcours.errors import BadParameter
from parcours.i18n.catalogs import Translations
from parcours.trail_check import ResolvedTrail
from parcours.trail_docs import MAX_ACCURACY_M, OFF_TRAIL_M, format_length

DIRECTION_CONTEXT = "direction"


def _(message: str) -> str:
    """Marks a message for extraction (babel.cfg); it is translated at answer time."""
    return message


def pgettext(context: str, message: str) -> str:
    """Marks a message with its context for extraction."""
    return message


#: Compass points as visitors read them, in French (translated in messages.po).
DIRECTIONS = {
    "N": pgettext("direction", "nord"),
    "NE": pgettext("direction", "nord-est"),
    "E": pgettext("direction", "est"),
    "SE": pgettext("direction", "sud-est"),
    "S": pgettext("direction", "sud"),
    "SW": pgettext("direction", "sud-ouest"),
    "W": pgettext("direction", "ouest"),
    "NW": pgettext("direction", "nord-ouest"),
}
AT_STOP = _("Vous êtes à l’étape %(number)d : %(title)s.")
NEXT_STOP = _("Prochaine étape : %(title)s, à %(distance)s, direction %(direction)s.")
OFF_TRAIL = _("Vous êtes à %(distance)s du parcours : rejoignez-le direction %(direction)s.")
FINISHED = _("Vous êtes à la dernière étape du parcours.")


def parse_position(
    lat: str | None, lon: str | None, accuracy: str | None
) -> tuple[float, float, float]:
    """Query strings -> (lat, lon, accuracy in metres); BadParameter names what is wrong."""
    values = {}
    for name, raw in (("lat", lat), ("lon", lon)):
        if raw is None:
            raise BadParameter(name, "is required", example="lat=50.3245&lon=3.3751")
        try:
            values[name] = float(raw)
        except ValueError:
            raise BadParameter(name, f"'{raw[:30]}' is not a number") from None
    if not (-90 <= values["lat"] <= 90 and -180 <= values["lon"] <= 180):
        raise BadParameter("lat", "lat must be within -90..90 and lon within -180..180")
    try:
        acc = float(accuracy) if accuracy is not None else 20.0
    except ValueError:
        raise BadParameter("accuracy", f"'{str(accuracy)[:30]}' is not a number") from None
    if not 0 <= acc <= 100_000:
        raise BadParameter("accuracy", "must be between 0 and 100000 metres")
    return values["lat"], values["lon"], acc


def progress(
    resolved: ResolvedTrail,
    lat: float,
    lon: float,
    accuracy: float,
    lang: str,
    translations: Translations,
    titles: list[str],
) -> dict[str, Any]:
    """The visitor's situation on the trail, in numbers and in words of `lang`."""
    trail = resolved.trail
    slack = min(accuracy, MAX_ACCURACY_M)
    distances = [geo.distance_m(lat, lon, *point) for point in resolved.points]
    inside = [i for i, d in enumerate(distances) if d <= trail.stops[i].radius_m + slack]
    at = min(inside, key=lambda i: distances[i]) if inside else None
    projection = geo.project(resolved.route, lat, lon)

    def say(template: str, **values: Any) -> dict[str, str]:
        text = translations.interface_text(None, template, lang)
        return {"text": text.text % values, "lang": text.lang}

    def direction(bearing: float) -> dict[str, str]:
        word = translations.interface_text(
            DIRECTION_CONTEXT, DIRECTIONS[geo.compass_point(bearing)], lang
        )
        return {"text": word.text, "lang": word.lang}

    answer: dict[str, Any] = {
        "trail": trail.id,
        "lang": lang,
        "position": {"lat": lat, "lon": lon, "accuracy_m": accuracy},
        "at_stop": None,
        "next_stop": None,
        "along_m": round(projection.along_m, 1),
        "off_route_m": round(projection.off_m, 1),
    }
    if at is None and projection.off_m > max(OFF_TRAIL_M, 2 * slack):
        bearing = geo.bearing_deg(lat, lon, projection.lat, projection.lon)
        answer.update(
            status="off_trail",
            back_to_route={
                "lat": projection.lat,
                "lon": projection.lon,
                "distance_m": round(projection.off_m),
                "distance": format_length(projection.off_m, lang),
                "bearing_deg": round(bearing),
                "direction": direction(bearing),
            },
            remaining_m=None,
            remaining=None,
            message=say(
                OFF_TRAIL,
                distance=format_length(projection.off_m, lang),
                direction=direction(bearing)["text"],
            ),
        )
        return answer
    if at is not None:
        answer["at_stop"] = {
            "index": at,
            "id": trail.stops[at].id,
            "title": titles[at],
            "distance_m": round(distances[at]),
        }
        following = at + 1 if at + 1 < len(trail.stops) else None
        along = resolved.along_m[at]
    else:
        along = projection.along_m
        following = next((i for i, a in enumerate(resolved.along_m) if a > along), None)
    remaining = max(0.0, resolved.length_m - along)
    answer["remaining_m"] = round(remaining)
    answer["remaining"] = format_length(remaining, lang)
    if following is None:
        answer.update(status="finished" if at is not None else "on_trail", message=say(FINISHED))
        return answer
    bearing = geo.bearing_deg(lat, lon, *resolved.points[following])
    distance = distances[following]
    answer["next_stop"] = {
        "index": following,
        "id": trail.stops[following].id,
        "title": titles[following],
        "distance_m": round(distance),
        "distance": format_length(distance, lang),
        "bearing_deg": round(bearing),
        "direction": direction(bearing),
    }
    answer["status"] = "at_stop" if at is not None else "on_trail"
    message = (
        say(AT_STOP, number=at + 1, title=titles[at])
        if at is not None
        else say(
            NEXT_STOP,
            title=titles[following],
            distance=format_length(distance, lang),
            direction=direction(bearing)["text"],
        )
    )
    answer["message"] = message
    return answer
