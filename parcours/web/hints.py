"""Client hints about the network: a visitor saving data gets the light variants first."""

from __future__ import annotations

from collections.abc import Mapping

SLOW_ECT = {"slow-2g", "2g", "3g"}
#: Sent on pages so that Chromium browsers report their effective connection type.
ACCEPT_CH = "Save-Data, ECT"


def wants_lite(headers: Mapping[str, str]) -> bool:
    """`Save-Data: on` or an effective connection type of 3g or slower."""
    if headers.get("save-data", "").strip().lower() == "on":
        return True
    return headers.get("ect", "").strip().lower() in SLOW_ECT
