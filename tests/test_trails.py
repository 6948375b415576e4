"""Trails: validation, order, geodesic lengths, progress on a simulated walk, packs."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from parcours import geo, narration
from parcours.build import build_all
from parcours.catalogue import load_catalogue
from parcours.errors import CatalogueInvalid
from parcours.itinerary import open_length
from parcours.settings import BUNDLED_ROOT, Settings
from parcours.snapshot import Snapshot, build_snapshot
from parcours.trail_docs import format_duration, format_length
from parcours.trail_progress import progress
from parcours.web.app import create_app
from tests.conftest import CONTENT_FILES, TEXT_DIRS

MATHILDE = "caph-17-fosse-mathilde"
RENARD = "caph-18-terril-renard-n-162"

TRAIL = """\
id: {id}
title: Essai
summary: Un parcours d'essai.
description: Deux étapes à Denain.
theme: essai
mode: walk
difficulty: easy
accessibility:
  step_free: true
  surfaces: Trottoirs.
sources: [essai]
stops:
{stops}
"""


def plain(text: str) -> str:
    """Babel puts (narrow) no-break spaces between numbers and units, as typography wants."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def write_trail(root: Path, trail_id: str, stops: str) -> Path:
    path = root / "tours" / f"{trail_id}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(TRAIL.format(id=trail_id, stops=stops), encoding="utf-8")
    return path


def problems(root: Path) -> str:
    with pytest.raises(CatalogueInvalid) as info:
        build_snapshot(Settings(root=root))
    return "\n".join(str(p) for p in info.value.problems)


def test_the_53_site_itinerary(snapshot: Snapshot) -> None:
    resolved = snapshot.trails.resolved["les-53-sites"]
    sites = [stop.site for stop in resolved.trail.stops]
    assert sorted(sites) == sorted(snapshot.by_id) and len(set(sites)) == 53  # type: ignore[type-var]
    assert resolved.trail.mode == "bike"
    points = list(resolved.points)
    order = list(range(len(points)))
    assert resolved.length_m == pytest.approx(open_length(points, order))
    # 2-opt optimal: no reversal of a segment shortens the path.
    for i in range(1, len(order) - 1):
        for j in range(i + 1, len(order)):
            candidate = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
            assert open_length(points, candidate) >= resolved.length_m - 1e-6
    english = json.loads(snapshot.trails.representations["en"]["les-53-sites"].body)
    french = json.loads(snapshot.trails.representations["fr"]["les-53-sites"].body)
    assert english["length"] == "40.4 km" and plain(french["length"]) == "40,4 km"


def test_geodesic_length_against_a_known_distance(content_root: Path) -> None:
    write_trail(
        content_root,
        "essai",
        """\
  - {id: a, place: {name: A, lat: 50.0, lon: 3.4}, text: Départ.}
  - {id: b, place: {name: B, lat: 50.5, lon: 3.4}, text: Arrivée.}""",
    )
    (content_root / "tours/les-53-sites.yaml").unlink()
    snapshot = build_snapshot(Settings(root=content_root))
    document = json.loads(snapshot.trails.representations["en"]["essai"].body)
    assert document["length_m"] == round(111_195.08 / 2)  # half a degree of latitude
    assert document["length"] == "55.6 km"


@pytest.mark.parametrize(
    ("metres", "lang", "expected"),
    [
        (1234, "fr", "1,2 km"),
        (1234, "en", "1.2 km"),
        (1234, "de", "1,2 km"),
        (850, "nl", "850 m"),
        (40_374, "fr", "40,4 km"),
    ],
)
def test_lengths_are_formatted_for_the_language(metres: float, lang: str, expected: str) -> None:
    assert plain(format_length(metres, lang)) == expected


def test_durations_are_formatted(snapshot: Snapshot) -> None:
    assert plain(format_duration(4800, "fr")) == "1 h 20 min"
    assert plain(format_duration(2700, "de")) == "45 Min."


def test_every_problem_of_a_trail_is_reported(content_root: Path) -> None:
    write_trail(
        content_root,
        "essai",
        f"""\
  - {{id: a, site: {MATHILDE.replace("mathilde", "matilde")}}}
  - {{id: a, site: {RENARD}, asset: nowhere}}
  - {{id: c, site: {RENARD}, place: {{name: X, lat: 50.3, lon: 3.4}}}}
  - {{id: d, sitee: {RENARD}}}""",
    )
    text = problems(content_root)
    assert "tours/essai.yaml:" in text
    assert "unknown key 'sitee'" in text
    (content_root / "tours/essai.yaml").write_text(
        TRAIL.format(
            id="essai",
            stops=f"""\
  - {{id: a, site: {MATHILDE.replace("mathilde", "matilde")}}}
  - {{id: a, site: {RENARD}, asset: nowhere}}
  - {{id: c, site: {RENARD}, place: {{name: X, lat: 50.3, lon: 3.4}}}}""",
        ),
        encoding="utf-8",
    )
    text = problems(content_root)
    assert f"did you mean '{MATHILDE}'" in text
    assert "duplicate stop 'a'" in text
    assert "unknown asset 'nowhere'" in text
    assert "either a catalogue site" in text


def test_a_stop_far_from_its_route(content_root: Path) -> None:
    write_trail(
        content_root,
        "essai",
        f"""\
  - {{id: a, site: {MATHILDE}}}
  - {{id: b, site: {RENARD}}}""",
    )
    path = content_root / "tours/essai.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + """\
route: {type: LineString, coordinates: [[3.40, 50.30], [3.41, 50.30]]}
""",
        encoding="utf-8",
    )
    assert "m from the route" in problems(content_root)


def walk(points: list[tuple[float, float]], step_m: float = 5.0) -> Iterator[tuple[float, float]]:
    for (alat, alon), (blat, blon) in itertools.pairwise(points):
        steps = max(1, int(geo.distance_m(alat, alon, blat, blon) / step_m))
        for k in range(steps):
            t = k / steps
            yield alat + (blat - alat) * t, alon + (blon - alon) * t
    yield points[-1]


TRAILS = sorted(p.stem for p in (BUNDLED_ROOT / "tours").glob("*.yaml"))


def test_the_trails_of_the_strategy_are_there() -> None:
    assert set(TRAILS) >= {
        "denain-1712",
        "jules-mousseron",
        "abbaye-saint-amand",
        "arenberg",
        "sabatier-terrils-raismes",
        "les-53-sites",
    }


@pytest.mark.parametrize("lang", ["fr", "en", "nl", "de"])
@pytest.mark.parametrize("trail_id", TRAILS)
def test_every_trail_in_every_language(snapshot: Snapshot, trail_id: str, lang: str) -> None:
    document = json.loads(snapshot.trails.representations[lang][trail_id].body)
    texts = [
        document["summary"],
        document["description"],
        document["theme"],
        document["accessibility"]["surfaces"],
    ]
    for stop in document["stops"]:
        texts += [stop["text"], *(x for x in (stop["more"], stop["position_note"]) if x)]
        texts += [layer["text"] for layer in stop["layers"]]
        if stop["quote"]:
            assert stop["quote"]["lang"] and stop["quote_gloss"]["lang"] == lang
    assert all(t["lang"] == lang for t in texts), [t for t in texts if t["lang"] != lang][:2]
    assert document["length"] and document["duration"]


@pytest.mark.parametrize("trail_id", TRAILS)
def test_a_simulated_walk_reaches_every_stop_in_order(snapshot: Snapshot, trail_id: str) -> None:
    resolved = snapshot.trails.resolved[trail_id]
    titles = snapshot.trails.titles["en"][trail_id]
    reached: list[int] = []
    for lat, lon in walk(list(resolved.route), step_m=20):
        answer = progress(resolved, lat, lon, 8.0, "en", snapshot.translations, titles)
        assert answer["status"] != "off_trail"
        if answer["at_stop"] and answer["at_stop"]["index"] not in reached:
            reached.append(answer["at_stop"]["index"])
    assert sorted(reached) == list(range(len(resolved.trail.stops)))
    for index, (lat, lon) in enumerate(resolved.points):
        answer = progress(resolved, lat, lon, 5.0, "en", snapshot.translations, titles)
        assert answer["at_stop"]["index"] == index
        if index + 1 < len(resolved.points):
            assert answer["next_stop"]["index"] == index + 1
            assert answer["next_stop"]["direction"]["lang"] == "en"
        else:
            assert answer["status"] == "finished"


def test_accuracy_widens_the_arrival_radius(snapshot: Snapshot) -> None:
    resolved = snapshot.trails.resolved["les-53-sites"]
    titles = snapshot.trails.titles["fr"]["les-53-sites"]
    lat, lon = resolved.points[0]
    radius = resolved.trail.stops[0].radius_m
    # 30 m beyond the radius, straight north.
    north = lat + (radius + 30) / 111_195
    precise = progress(resolved, north, lon, 5, "fr", snapshot.translations, titles)
    blurry = progress(resolved, north, lon, 50, "fr", snapshot.translations, titles)
    assert precise["at_stop"] is None or precise["at_stop"]["index"] != 0
    assert blurry["at_stop"]["index"] == 0


def test_far_from_the_trail_says_so(client: TestClient) -> None:
    answer = client.get(
        "/api/trails/les-53-sites/progress",
        params={"lat": 50.6, "lon": 3.1, "accuracy": 10, "lang": "nl"},
    ).json()
    assert answer["status"] == "off_trail" and answer["next_stop"] is None
    assert answer["back_to_route"]["distance_m"] > 10_000
    assert answer["message"]["lang"] == "nl" and "km" in answer["message"]["text"]


@pytest.mark.parametrize(
    "query",
    [
        "lat=50.3",
        "lat=abc&lon=3.4",
        "lat=50.3&lon=3.4&accuracy=-1",
        "lat=95&lon=3.4",
        "lat=50&lon=3&speed=2",
    ],
)
def test_progress_refuses_bad_positions(client: TestClient, query: str) -> None:
    response = client.get(f"/api/trails/les-53-sites/progress?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_parameter"


def test_trail_api_and_geojson(client: TestClient) -> None:
    listing = client.get("/api/trails?lang=de").json()
    assert "les-53-sites" in {t["id"] for t in listing["items"]}
    geojson = client.get("/api/trails/les-53-sites.geojson").json()
    kinds = [f["properties"]["kind"] for f in geojson["features"]]
    assert kinds[0] == "route" and kinds.count("stop") == 53
    lon, lat = geojson["features"][1]["geometry"]["coordinates"]
    assert 3 < lon < 4 and 50 < lat < 51
    assert client.get("/api/trails/les-53").json()["error"]["details"]["suggestions"]
    site = client.get(f"/api/sites/{MATHILDE}").json()
    assert "les-53-sites" in {t["id"] for t in site["trails"]}


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A small trail whose two stops have built models."""
    root = tmp_path_factory.mktemp("packed")
    for name in CONTENT_FILES:
        shutil.copy2(BUNDLED_ROOT / name, root / name)
    for name in TEXT_DIRS:
        if (BUNDLED_ROOT / name).is_dir():
            shutil.copytree(BUNDLED_ROOT / name, root / name)
    for site in (MATHILDE, RENARD):
        shutil.copytree(BUNDLED_ROOT / "assets" / site, root / "assets" / site)
    write_trail(
        root,
        "essai",
        f"""\
  - {{id: mathilde, site: {MATHILDE}}}
  - {{id: renard, site: {RENARD}, layers: [{{id: aujourd-hui, label: Aujourd'hui,
      text: Le terril aujourd'hui.}}]}}""",
    )
    settings = Settings(root=root)
    assert not build_all(settings).refused
    return TestClient(create_app(settings, build_snapshot(settings)))


def test_pack_contents(packed: TestClient) -> None:
    response = packed.get("/api/trails/essai/pack?lang=en")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[0] == "manifest.json"
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(names[1:])
    for path, entry in listed.items():
        data = archive.read(path)
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert sum(n.startswith("models/") for n in names) == 2
    assert sum(n.startswith("posters/") for n in names) == 2
    assert {"trail.json", "route.geojson"} <= set(names)
    trail = json.loads(archive.read("trail.json"))
    assert trail["lang"] == "en" and trail["stops"][0]["text"]["lang"] == "en"
    assert "Aujourd" in archive.read("transcripts/02-renard.txt").decode()
    if narration.available():
        audio = trail["stops"][0]["audio"]
        assert audio["synthetic"] and audio["lang"] == "en" and audio["seconds"] > 1
        assert audio["transcript"]["text"].endswith(trail["stops"][0]["text"]["text"])
        assert {"audio/01-mathilde.mp3", "captions/01-mathilde.vtt"} <= set(names)
        assert archive.read("captions/01-mathilde.vtt").startswith(b"WEBVTT")
        assert packed.get(audio["url"]).headers["content-type"] == "audio/mpeg"


def test_pack_head_etag_and_resume(packed: TestClient) -> None:
    full = packed.get("/api/trails/essai/pack?lang=de")
    head = packed.head("/api/trails/essai/pack?lang=de")
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["etag"] == full.headers["etag"]
    half = len(full.content) // 2
    first = packed.get("/api/trails/essai/pack?lang=de", headers={"range": f"bytes=0-{half - 1}"})
    rest = packed.get(
        "/api/trails/essai/pack?lang=de",
        headers={"range": f"bytes={half}-", "if-range": full.headers["etag"]},
    )
    assert first.status_code == rest.status_code == 206
    assert first.content + rest.content == full.content
    assert (
        packed.get(
            "/api/trails/essai/pack?lang=de", headers={"if-none-match": full.headers["etag"]}
        ).status_code
        == 304
    )


def test_packs_are_deterministic(packed: TestClient, tmp_path: Path) -> None:
    """The same content gives the same bytes, wherever and whenever it is built."""
    from parcours.packs import ensure_pack
    from parcours.web.state import snapshot_of

    first = packed.get("/api/trails/essai/pack?lang=nl").content
    snapshot = packed.app.state.holder.current  # type: ignore[attr-defined]
    build = tmp_path / "again"
    shutil.copytree(snapshot.settings.build_path / "blobs", build / "blobs")
    again = ensure_pack(
        snapshot.trails.documents["nl"]["essai"],
        snapshot.trails.geojson["nl"]["essai"].body,
        "nl",
        build,
        snapshot.revision,
    )
    assert again.path.read_bytes() == first
    assert snapshot_of  # imported for the type of the app's state


def test_pack_json_lists_the_same_files(packed: TestClient) -> None:
    listing = packed.get("/api/trails/essai/pack.json?lang=fr").json()
    archive = zipfile.ZipFile(io.BytesIO(packed.get("/api/trails/essai/pack?lang=fr").content))
    assert {f["path"] for f in listing["files"]} == set(archive.namelist()[1:])
    models = [f for f in listing["files"] if f["path"].startswith("models/")]
    for item in models:
        assert item["url"].startswith("/media/")
        assert packed.get(item["url"]).content == archive.read(item["path"])
    assert listing["pack"]["bytes"] == len(packed.get("/api/trails/essai/pack?lang=fr").content)


def test_two_stops_at_the_same_point_are_refused(content_root: Path) -> None:
    write_trail(
        content_root,
        "essai",
        f"""\
  - {{id: a, site: {MATHILDE}}}
  - {{id: b, place: {{name: Ailleurs, lat: 50.32785, lon: 3.39737}}, text: Ici.}}""",
    )
    site = next(s for s in load_catalogue(Settings(root=content_root)).sites if s.id == MATHILDE)
    lat, lon = site.location.lat, site.location.lon
    path = content_root / "tours/essai.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "lat: 50.32785, lon: 3.39737", f"lat: {lat}, lon: {lon}"
        ),
        encoding="utf-8",
    )
    assert "stand at the same point" in problems(content_root)
