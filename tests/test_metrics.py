"""/-/metrics speaks the Prometheus text format."""

from __future__ import annotations

import re

from starlette.testclient import TestClient


def test_metrics_in_prometheus_text_format(client: TestClient) -> None:
    client.get("/api/sites")
    client.get("/no-such-page")
    text = client.get("/-/metrics").text
    assert 'parcours_requests_total{family="api",method="GET",status="2xx"}' in text
    assert 'parcours_requests_total{family="pages",method="GET",status="4xx"}' in text
    assert "# TYPE parcours_request_duration_seconds histogram" in text
    assert 'parcours_request_duration_seconds_bucket{family="api",le="+Inf"}' in text
    assert "parcours_sites 53" in text
    for line in text.splitlines():
        assert line.startswith("#") or re.match(r"^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$", line), line
